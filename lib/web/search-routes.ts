// The machine forms of search: GET ?q=…&x=A (Atom) and POST ?q=…&x=m[&t=1]
// (gzipped mboxrd, what `lei q -I <url>` and `b4 am -c` send, empty body).
// Errors are text/plain: 400 malformed query, 404 no hits (lei reads it as
// "nothing found"), 413 over the download cap.
import { PassThrough } from "node:stream";
import { atomEntryId, ATOM_CONTENT_TYPE, renderAtom } from "./atom";
import { midToUrl } from "../mail/mid";
import { readSearchRequest, searchHref } from "../search/request";
import type { RequestContext } from "./context";
import type { SearchRefusal } from "./search-pool";
import { bodyEtag } from "./page-cache";
import { text, type Reply } from "./respond";

export async function searchAtom(ctx: RequestContext, list: string | null): Promise<Reply> {
  const req = readSearchRequest(ctx.query);
  if (req === null) return text(400, "Missing search query (?q=)\n");
  const outcome = await ctx.searches.search({ list, q: req.q, offset: req.offset, order: req.order });
  if (!outcome.ok) return searchRefused(outcome);
  const result = outcome.value;
  if (result.error !== undefined) return text(400, `Bad query: ${result.error}\n`);
  const origin = ctx.origin;
  const xml = renderAtom({
    id: `${origin}${searchHref(list, { q: req.q, view: "atom", order: req.order })}`,
    title: `${req.q} - search results - ${list ?? "all lists"}`,
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
  return { status: 200, type: ATOM_CONTENT_TYPE, body: xml, validators: { etag: bodyEtag(xml), lastModified: null } };
}

export async function searchDownload(ctx: RequestContext, list: string | null): Promise<Reply> {
  const q = ctx.query.get("q") ?? "";
  if (q.trim() === "") return text(400, "Missing search query (?q=)\n");
  const outcome = await ctx.searches.mboxPlan({ list, q, threads: ctx.query.get("t") === "1" });
  if (!outcome.ok) return searchRefused(outcome);
  const result = outcome.value;
  if (!result.ok) return text(result.status, result.status === 400 ? `Bad query: ${result.message}\n` : result.message);
  const file = `${(list ?? "all").replace(/[^A-Za-z0-9._-]/g, "_")}-search.mbox.gz`;
  const body = await streamDownload(ctx, result.ids);
  if ("ok" in body) return searchRefused(body);
  return {
    status: 200,
    type: "application/gzip",
    headers: { "Content-Disposition": `attachment; filename="${file}"`, "X-Message-Count": String(result.ids.length), "Cache-Control": "no-store" },
    body,
  };
}

/**
 * The download made in the search pool's download process (reading, mboxrd
 * and gzip at nice 19: in the web worker, 4 clients downloading kept pages
 * waiting, interactive p99 335 ms). Resolves once the first chunk is there,
 * or with the refusal when none came within the budget.
 */
async function streamDownload(ctx: RequestContext, ids: number[]): Promise<PassThrough | SearchRefusal> {
  const body = new PassThrough();
  // A stream refused before it started is never piped: its error must not go unheard
  // (the response's pipeline sees it when it is piped).
  body.on("error", () => {});
  let started: (value: SearchRefusal | null) => void = () => {};
  const first = new Promise<SearchRefusal | null>((resolve) => (started = resolve));
  const done = ctx.searches.download(ids, async (chunk) => {
    started(null);
    if (body.destroyed) throw new Error("the reader went away");
    if (!body.write(chunk)) {
      await new Promise<void>((resolve) => {
        body.once("drain", resolve);
        body.once("close", resolve);
      });
      if (body.destroyed) throw new Error("the reader went away");
    }
  });
  done.then(
    (outcome) => {
      if (outcome.ok) {
        started(null);
        body.end();
      } else {
        started(outcome);
        body.destroy(new Error(`download stopped: ${outcome.reason}`));
      }
    },
    (err: unknown) => {
      started({ ok: false, reason: "timeout", budgetMs: 0 });
      body.destroy(err instanceof Error ? err : new Error(String(err)));
    },
  );
  const refusal = await first;
  return refusal ?? body;
}

/** The machine forms' 503: plain text, and a hint when to try again. */
export function searchRefused(refusal: SearchRefusal): Reply {
  return { ...text(503, searchRefusalText(refusal)), headers: { "Retry-After": "10", "Cache-Control": "no-store" } };
}

export function searchRefusalText(refusal: SearchRefusal): string {
  return refusal.reason === "timeout"
    ? `This search took longer than ${refusal.budgetMs / 1000} s and was stopped; narrow it (fewer words, a d: range, a list instead of all).\n`
    : "Too many searches are waiting right now; try again in a few seconds.\n";
}
