// POST /<list>/?q=…&x=m[&t=1] (and /all/…): every hit as gzipped mboxrd, the
// request `lei q -I <url>` and `b4 am -c` send (empty body). proxy.ts
// rewrites it here with the list in the path; q and t come from the client's
// URL. Errors are text/plain: 400 malformed query, 404 no hits (lei reads it
// as "nothing found"), 413 over the download cap.
import { textResponse } from "@/lib/http-cache";
import { searchMbox } from "@/lib/search";

type Context = { params: Promise<{ list: string }> };

export async function POST(request: Request, { params }: Context): Promise<Response> {
  const { list: name } = await params;
  const list = name === "all" ? null : name;
  const search = new URL(request.url).searchParams;
  const q = search.get("q") ?? "";
  if (q.trim() === "") return textResponse(400, "Missing search query (?q=)\n");
  const result = await searchMbox({ list, q, threads: search.get("t") === "1" });
  if (!result.ok) return textResponse(result.status, result.status === 400 ? `Bad query: ${result.message}\n` : result.message);
  const file = `${(list ?? "all").replace(/[^A-Za-z0-9._-]/g, "_")}-search.mbox.gz`;
  return new Response(result.body, {
    headers: {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="${file}"`,
      "X-Message-Count": String(result.messages),
    },
  });
}
