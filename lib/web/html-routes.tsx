// The HTML pages: each resolves what it shows in one indexed read, answers
// from the page cache when that state was rendered before, and otherwise
// loads, renders with React on the server and keeps the result. Cache keys
// carry the state a page was made from (a thread's size and last activity, a
// list's), so a new message shows on the next request. 404s are never kept.
import type { ReactElement } from "react";
import { renderDocument } from "@/app/document";
import { HomePage } from "@/app/_ui/home-page";
import { MessagePage } from "@/app/_ui/message-page";
import { MidChoice } from "@/app/_ui/mid-choice";
import { MidNotFound } from "@/app/_ui/mid-not-found";
import { NoResults } from "@/app/_ui/no-results";
import { NotFound } from "@/app/_ui/not-found";
import { SearchRefused } from "@/app/_ui/search-refused";
import { SearchResults } from "@/app/_ui/search-results";
import { SeriesIndex } from "@/app/_ui/series-index";
import { SeriesInterdiff } from "@/app/_ui/series-interdiff";
import { SeriesPage } from "@/app/_ui/series-page";
import { ThreadIndex } from "@/app/_ui/thread-index";
import { ThreadPage } from "@/app/_ui/thread-page";
import { parseCursor } from "./cursor";
import type { ListRow, MessageState } from "../store/sqlite/reader";
import { midToUrl } from "../mail/mid";
import { readSearchRequest } from "../search/request";
import { buildThreadTree, flattenThread } from "../threading/thread";
import { partIndex, splitThreadParts, THREAD_PART_LIMITS } from "../threading/thread-parts";
import type { RequestContext } from "./context";
import { cachedBody, cachedReply, listState, stamp } from "./cached-reply";
import { redirect } from "./machine-routes";
import type { Reply } from "./respond";
import { searchRefusalText } from "./search-routes";

const HTML = "text/html; charset=utf-8";

export interface PageOptions {
  stylesheet: string;
}

function html(opts: PageOptions, status: number, title: string, body: ReactElement, noindex = false): Reply {
  return { status, type: HTML, body: renderDocument({ title, stylesheet: opts.stylesheet, noindex }, body), headers: { "Cache-Control": "no-store" } };
}

function cachedPage(ctx: RequestContext, opts: PageOptions, key: string, lastModified: Date | null, render: () => { title: string; body: ReactElement }): Reply {
  return cachedBody(ctx, key, HTML, () => {
    const page = render();
    return { body: renderDocument({ title: page.title, stylesheet: opts.stylesheet }, page.body), lastModified };
  });
}

/** The list and the message's state, or the 404 page saying which is missing. */
function resolveMessage(ctx: RequestContext, opts: PageOptions, name: string, mid: string): { list: ListRow; state: MessageState } | Reply {
  const list = ctx.store.getList(name);
  if (!list) return notFoundPage(opts, name);
  const state = ctx.store.getMessageState(list.id, mid);
  if (!state) return midNotFound(ctx, opts, list.name, list.id, mid);
  return { list, state };
}

export function notFoundPage(opts: PageOptions, list?: string): Reply {
  return html(opts, 404, "Not found", <NotFound list={list} />, true);
}

export function homePage(ctx: RequestContext, opts: PageOptions): Reply {
  const lists = ctx.store.listLists();
  const key = `home:${lists.map(listState).join("|")}`;
  const newest = lists.reduce<Date | null>((max, l) => (l.lastDate && (!max || l.lastDate > max) ? l.lastDate : max), null);
  return cachedPage(ctx, opts, key, newest, () => ({ title: "", body: <HomePage lists={lists} /> }));
}

export function threadsPage(ctx: RequestContext, opts: PageOptions, name: string, t: string | null, a: string | null): Reply {
  const list = ctx.store.getList(name);
  if (!list) return notFoundPage(opts, name);
  const before = parseCursor(t);
  const after = before ? null : parseCursor(a);
  const key = `threads:${list.id}:${listState(list)}:${stamp(before)}:${stamp(after)}`;
  return cachedPage(ctx, opts, key, list.lastDate, () => {
    const page = ctx.store.listRecentThreads(list.id, { before, after });
    return { title: list.name, body: <ThreadIndex list={list} page={page} paged={Boolean(before || after)} /> };
  });
}

export function messagePage(ctx: RequestContext, opts: PageOptions, name: string, mid: string): Reply {
  const found = resolveMessage(ctx, opts, name, mid);
  if ("status" in found) return found;
  const { list, state } = found;
  // A patch's page shows its series, which other threads can change (a new version).
  const series = ctx.store.series.getMessageSeriesState(list.id, mid);
  const key = `msg:${ctx.origin}:${list.id}:${mid}:${state.variants}:${state.threadId}:${state.threadCount}:${stamp(state.threadLastDate)}:${series}`;
  return cachedPage(ctx, opts, key, state.threadLastDate, () => {
    const variants = boundVariants(ctx.store.listMessageVariants(list, mid));
    const nodes = flattenThread(buildThreadTree(ctx.store.listThreadMembers(state.threadId)));
    return {
      title: `${variants[0]?.subject || "(no subject)"} - ${list.name}`,
      body: (
        <MessagePage list={list.name} variants={variants} variantTotal={state.variants} nodes={nodes} origin={ctx.origin}
          series={series === "" ? null : ctx.store.series.getMessageSeries(list.id, mid)} />
      ),
    };
  });
}

export function threadPage(ctx: RequestContext, opts: PageOptions, name: string, mid: string, nested: boolean, part: number): Reply {
  const found = resolveMessage(ctx, opts, name, mid);
  if ("status" in found) return found;
  const { list, state } = found;
  // One entry per thread, view and part, shared by every message's /T/ or /t/.
  const key = `thread:${state.threadId}:${nested ? "t" : "T"}:${part}:${state.threadCount}:${stamp(state.threadLastDate)}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  // The overview needs every message, the page only the bodies of its part.
  const members = ctx.store.listThreadMembers(state.threadId);
  const nodes = flattenThread(buildThreadTree(members));
  const lengths = new Map(members.map((m) => [m.id, m.textBytes]));
  const parts = splitThreadParts(nodes, (id) => lengths.get(id) ?? 0);
  if (part > parts.length) return notFoundPage(opts);
  return cachedPage(ctx, opts, key, state.threadLastDate, () => {
    const messages = ctx.store.listMessagesById(list, parts[part - 1]!);
    const subject = ctx.store.getThread(state.threadId)?.subject || "(no subject)";
    const title = `${subject} - thread${parts.length > 1 ? ` (part ${part} of ${parts.length})` : ""} - ${list.name}`;
    return {
      title,
      body: <ThreadPage list={list.name} nodes={nodes} messages={messages} nested={nested} part={part} partCount={parts.length} partOf={partIndex(parts)} />,
    };
  });
}

/** /<list>/_/series/: the list's patch series, newest activity first; `?q=` searches their cover letters. */
export async function seriesIndexPage(ctx: RequestContext, opts: PageOptions, name: string, t: string | null): Promise<Reply> {
  const list = ctx.store.getList(name);
  if (!list) return notFoundPage(opts, name);
  // lore's q and o, read as the list search reads them.
  const req = readSearchRequest(ctx.query);
  const q = req?.q ?? "";
  const offset = req?.offset ?? 0;
  const before = q === "" ? parseCursor(t) : null;
  // Series are rebuilt after a batch is stored: their own state, not the list's, keys the page.
  const key = `series:${list.id}:${ctx.store.series.getListSeriesState(list.id)}:${stamp(before)}:${q === "" ? "" : `${new Date().toISOString().slice(0, 10)}:${offset}:${q}`}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  if (q === "") {
    return cachedPage(ctx, opts, key, list.lastDate, () => ({
      title: `patch series - ${list.name}`,
      body: <SeriesIndex list={list.name} page={ctx.store.series.listSeries(list.id, before)} />,
    }));
  }
  const outcome = await ctx.searches.search({ list: list.name, q, offset, seriesRoots: true });
  if (!outcome.ok) {
    const page = html(opts, 503, `${q} - series search`, <SearchRefused list={list.name} query={q} message={searchRefusalText(outcome)} />, true);
    return { ...page, headers: { ...page.headers, "Retry-After": "10" } };
  }
  const result = outcome.value;
  const search = { q, total: result.total, totalCapped: result.totalCapped, offset, limit: result.limit, error: result.error };
  const page = { series: ctx.store.series.listSeriesOfRoots(list.id, result.hits.map((h) => h.mid)), olderCursor: null };
  const body = <SeriesIndex list={list.name} page={page} search={search} />;
  // A malformed query gets its explanation, never kept.
  if (result.error !== undefined) return html(opts, 200, `${q} - series search`, body, true);
  return cachedPage(ctx, opts, key, null, () => ({ title: `${q} - series search - ${list.name}`, body }));
}

/** /<list>/_/series/<mid>/: a series, showing the version whose cover letter (or first patch) is <mid>. */
export function seriesPage(ctx: RequestContext, opts: PageOptions, name: string, mid: string): Reply {
  const list = ctx.store.getList(name);
  if (!list) return notFoundPage(opts, name);
  // The page shows a curl command with the absolute URL: one entry per origin.
  const key = `seriesPage:${ctx.origin}:${list.id}:${ctx.store.series.getListSeriesState(list.id)}:${mid}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const detail = ctx.store.series.getSeries(list.id, mid);
  if (!detail) return html(opts, 404, "Series not found", <NotFound list={list.name} />, true);
  const version = detail.versions[detail.chosen]!;
  return cachedPage(ctx, opts, key, version.lastDate, () => ({
    title: `[v${version.revision}] ${version.title} - series - ${list.name}`,
    body: <SeriesPage list={list.name} detail={detail} origin={ctx.origin} />,
  }));
}

/** /<list>/_/series/<mid>/vs/<older mid>/: what changed between two versions of one series. */
export function seriesInterdiffPage(ctx: RequestContext, opts: PageOptions, name: string, mid: string, from: string): Reply {
  const list = ctx.store.getList(name);
  if (!list) return notFoundPage(opts, name);
  const key = `interdiff:${list.id}:${ctx.store.series.getListSeriesState(list.id)}:${mid}:${from}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const view = ctx.store.series.getInterdiff(list.id, mid, from);
  if (!view) return html(opts, 404, "Versions not found", <NotFound list={list.name} />, true);
  const to = view.versions[view.to]!;
  return cachedPage(ctx, opts, key, to.lastDate, () => ({
    title: `v${view.versions[view.from]!.revision} -> v${to.revision}: ${view.title} - ${list.name}`,
    body: <SeriesInterdiff list={list.name} view={view} />,
  }));
}

// The variants of a message page share the thread pages' text bound: the
// first is always shown, the rest while they fit (all are in /raw).
function boundVariants<T extends { bodyText: string }>(variants: T[]): T[] {
  let chars = 0;
  return variants.filter((v, i) => {
    chars += v.bodyText.length;
    return i === 0 || chars <= THREAD_PART_LIMITS.textBytes;
  });
}

function midNotFound(ctx: RequestContext, opts: PageOptions, list: string | null, listId: number | null, mid: string): Reply {
  const elsewhere = ctx.store.findListsWithMid(mid).filter((l) => l !== list);
  const maybe = ctx.store.suggestMids(listId, mid);
  return html(opts, 404, "Message not found", <MidNotFound list={list} mid={mid} elsewhere={elsewhere} maybe={maybe} />, true);
}

/** /r/<mid>, /all/<mid>/<rest>, /<mid>: one list holds it, go there; several, let the reader choose. */
export function lookupPage(ctx: RequestContext, opts: PageOptions, mid: string, rest: string): Reply {
  const lists = ctx.store.findListsWithMid(mid);
  const first = lists[0];
  if (first === undefined) return midNotFound(ctx, opts, null, null, mid);
  if (lists.length > 1 && rest === "") return html(opts, 300, `<${mid}>`, <MidChoice mid={mid} lists={lists} />);
  return redirect(ctx, 302, `/${midToUrl(first)}/${midToUrl(mid)}/${rest}${ctx.search}`);
}

export async function searchPage(ctx: RequestContext, opts: PageOptions, list: string | null): Promise<Reply> {
  const req = readSearchRequest(ctx.query)!;
  let scopeState: string;
  if (list !== null) {
    const row = ctx.store.getList(list);
    if (!row) return notFoundPage(opts, list);
    scopeState = listState(row);
  } else {
    scopeState = ctx.store.listLists().map(listState).join("|");
  }
  // Relative dates (d:2.weeks.ago..) move with the clock: such a page is kept for the day.
  const key = `search:${scopeState}:${new Date().toISOString().slice(0, 10)}:${JSON.stringify(req)}:${ctx.query.get("x") ?? ""}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const scope = list ?? "all lists";
  const outcome = await ctx.searches.search({ list, q: req.q, offset: req.offset, order: req.order });
  if (!outcome.ok) {
    const page = html(opts, 503, `${req.q} - search ${scope}`, <SearchRefused list={list} query={req.q} message={searchRefusalText(outcome)} />, true);
    return { ...page, headers: { ...page.headers, "Retry-After": "10" } };
  }
  const result = outcome.value;
  if (result.error === undefined && result.hits.length === 0) {
    return html(opts, 404, `${req.q} - search ${scope}`, <NoResults list={list} query={req.q} />, true);
  }
  // A malformed query gets its explanation, never kept.
  if (result.error !== undefined) return html(opts, 200, `${req.q} - search ${scope}`, <SearchResults list={list} req={req} result={result} />, true);
  return cachedPage(ctx, opts, key, null, () => ({ title: `${req.q} - search ${scope}`, body: <SearchResults list={list} req={req} result={result} /> }));
}
