// GET /<list>/?q=…&x=A (and /all/?q=…&x=A): search results as an Atom feed.
// proxy.ts rewrites it here with the list in the path; the request URL is
// still the client's, so q, r and o are read from it. A malformed query is a
// 400 with the parser's message (a feed reader shows it); no hits is an
// empty feed, so a subscription to a quiet search stays valid.
import { atomEntryId, ATOM_CONTENT_TYPE, renderAtom } from "@/lib/atom";
import { textResponse } from "@/lib/http-cache";
import { midToUrl } from "@/lib/mid";
import { readSearchRequest, searchHref, searchMessages } from "@/lib/search";

type Context = { params: Promise<{ list: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list: name } = await params;
  const list = name === "all" ? null : name;
  const url = new URL(request.url);
  const req = readSearchRequest(url.searchParams);
  if (req === null) return textResponse(400, "Missing search query (?q=)\n");
  const result = await searchMessages({ list, q: req.q, offset: req.offset, order: req.order });
  if (result.error !== undefined) return textResponse(400, `Bad query: ${result.error}\n`);
  const origin = url.origin;
  const scope = list ?? "all lists";
  const xml = renderAtom({
    id: `${origin}${searchHref(list, { q: req.q, view: "atom", order: req.order })}`,
    title: `${req.q} - search results - ${scope}`,
    selfUrl: `${origin}${searchHref(list, { q: req.q, view: "atom", order: req.order, offset: req.offset })}`,
    alternateUrl: `${origin}${searchHref(list, { q: req.q, order: req.order, offset: req.offset })}`,
    updated: result.hits.reduce<Date>((max, h) => (h.date > max ? h.date : max), new Date(0)),
    entries: result.hits.map((hit) => ({
      id: atomEntryId(hit.mid),
      title: hit.subject || "(no subject)",
      url: `${origin}/${encodeURIComponent(hit.list)}/${midToUrl(hit.mid)}/`,
      updated: hit.date,
      authorName: hit.fromName || hit.fromAddr,
      authorEmail: hit.fromAddr,
      summary: hit.snippet.map((s) => s.text).join(""),
    })),
  });
  return new Response(xml, { headers: { "Content-Type": ATOM_CONTENT_TYPE } });
}
