// /<list>/_/text/help/: the search help as plain text, like lore's.
import { searchHelpText } from "@/lib/search-help";

type Context = { params: Promise<{ list: string }> };

export async function GET(_request: Request, { params }: Context): Promise<Response> {
  const { list } = await params;
  return new Response(searchHelpText(list), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
