// /all/_/text/help/: the same help for searches across every list (the static
// all/ folder shadows [list], so it needs its own route).
import { searchHelpText } from "@/lib/search-help";

export function GET(): Response {
  return new Response(searchHelpText("all"), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
