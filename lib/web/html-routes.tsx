// The HTML pages: each resolves what it shows in one indexed read, answers
// from the page cache when that state was rendered before, and otherwise
// loads, renders with React on the server and keeps the result. Cache keys
// carry the state a page was made from (a thread's size and last activity, a
// list's), so a new message shows on the next request. 404s are never kept.
import type { ReactElement } from "react";
import { renderDocument } from "@/app/document";
import { HomePage } from "@/app/_ui/home-page";
import { MessagePage } from "@/app/_ui/message-page";
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
import type { ListRow, MessageState } from "../store/types";
import { findListsWithMid, getList, listLists, listThreads } from "../archive/list";
import { getSpanningThread, getSpanningThreadView } from "../archive/all-thread";
import { findMissingMessage, getMessagePage, getThreadView, resolveMessage as resolveMessageOf } from "../archive/message";
import {
  getInterdiff, getListSeriesState, getMessageSeriesState, getSeries, listSeries, listSeriesOfRoots,
} from "../archive/series";
import { midToUrl } from "../mail/mid";
import { readSearchRequest } from "../search/request";
import type { RequestContext } from "./context";
import { cachedBody, cachedReply, listState, stamp } from "./cached-reply";
import { redirect } from "./machine-routes";
import { preferredList } from "./referring-list";
import type { Reply } from "./respond";
import { searchRefusalText } from "./search-routes";

const HTML = "text/html; charset=utf-8";

export interface PageOptions {
  stylesheet: string;
}

function html(opts: PageOptions, status: number, title: string, body: ReactElement, noindex = false): Reply {
  return { status, type: HTML, body: renderDocument({ title, stylesheet: opts.stylesheet, noindex }, body), headers: { "Cache-Control": "no-store" } };
}

function cachedPage(
  ctx: RequestContext, opts: PageOptions, key: string, lastModified: Date | null,
  render: () => { title: string; body: ReactElement } | Promise<{ title: string; body: ReactElement }>,
): Promise<Reply> {
  return cachedBody(ctx, key, HTML, async () => {
    const page = await render();
    return { body: renderDocument({ title: page.title, stylesheet: opts.stylesheet }, page.body), lastModified };
  });
}

/** The list and the message's state, or the 404 page saying which is missing. */
async function resolveMessage(ctx: RequestContext, opts: PageOptions, name: string, mid: string): Promise<{ list: ListRow; state: MessageState } | Reply> {
  const found = await resolveMessageOf(ctx.store, name, mid);
  if (found.found) return found;
  if (!found.list) return notFoundPage(opts, name);
  return midNotFound(ctx, opts, found.list, mid);
}

export function notFoundPage(opts: PageOptions, list?: string): Reply {
  return html(opts, 404, "Not found", <NotFound list={list} />, true);
}

export async function homePage(ctx: RequestContext, opts: PageOptions): Promise<Reply> {
  const lists = await listLists(ctx.store);
  const key = `home:${lists.map(listState).join("|")}`;
  const newest = lists.reduce<Date | null>((max, l) => (l.lastDate && (!max || l.lastDate > max) ? l.lastDate : max), null);
  return cachedPage(ctx, opts, key, newest, () => ({ title: "", body: <HomePage lists={lists} /> }));
}

export async function threadsPage(ctx: RequestContext, opts: PageOptions, name: string, t: string | null, a: string | null): Promise<Reply> {
  const list = await getList(ctx.store, name);
  if (!list) return notFoundPage(opts, name);
  const before = parseCursor(t);
  const after = before ? null : parseCursor(a);
  const key = `threads:${list.id}:${listState(list)}:${stamp(before)}:${stamp(after)}`;
  return cachedPage(ctx, opts, key, list.lastDate, async () => {
    const page = await listThreads(ctx.store, list, { before, after });
    return { title: list.name, body: <ThreadIndex list={list} page={page} paged={Boolean(before || after)} /> };
  });
}

export async function messagePage(ctx: RequestContext, opts: PageOptions, name: string, mid: string): Promise<Reply> {
  const found = await resolveMessage(ctx, opts, name, mid);
  if ("status" in found) return found;
  const { list, state } = found;
  // A patch's page shows its series, which other threads can change (a new version).
  const series = await getMessageSeriesState(ctx.store, list, mid);
  const key = `msg:${ctx.origin}:${list.id}:${mid}:${state.variants}:${state.threadId}:${state.threadCount}:${stamp(state.threadLastDate)}:${series}`;
  return cachedPage(ctx, opts, key, state.threadLastDate, async () => {
    const page = await getMessagePage(ctx.store, list, state, mid, series !== "");
    return {
      title: `${page.variants[0]?.subject || "(no subject)"} - ${list.name}`,
      body: (
        <MessagePage list={list.name} variants={page.variants} variantTotal={state.variants} nodes={page.nodes} origin={ctx.origin}
          series={page.series} />
      ),
    };
  });
}

export async function threadPage(ctx: RequestContext, opts: PageOptions, name: string, mid: string, nested: boolean, part: number): Promise<Reply> {
  const found = await resolveMessage(ctx, opts, name, mid);
  if ("status" in found) return found;
  const { list, state } = found;
  // One entry per thread, view and part, shared by every message's /T/ or /t/.
  const key = `thread:${state.threadId}:${nested ? "t" : "T"}:${part}:${state.threadCount}:${stamp(state.threadLastDate)}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const view = await getThreadView(ctx.store, list, state, part);
  if (!view) return notFoundPage(opts);
  return cachedPage(ctx, opts, key, state.threadLastDate, () => ({
    title: `${view.subject} - thread${view.partCount > 1 ? ` (part ${part} of ${view.partCount})` : ""} - ${list.name}`,
    body: (
      <ThreadPage list={list.name} nodes={view.nodes} messages={view.messages} nested={nested} part={part} partCount={view.partCount}
        partOf={view.partOf} />
    ),
  }));
}

/** /<list>/_/series/: the list's patch series, newest activity first; `?q=` searches their cover letters. */
export async function seriesIndexPage(ctx: RequestContext, opts: PageOptions, name: string, t: string | null): Promise<Reply> {
  const list = await getList(ctx.store, name);
  if (!list) return notFoundPage(opts, name);
  // lore's q and o, read as the list search reads them.
  const req = readSearchRequest(ctx.query);
  const q = req?.q ?? "";
  const offset = req?.offset ?? 0;
  const before = q === "" ? parseCursor(t) : null;
  // Series are rebuilt after a batch is stored: their own state, not the list's, keys the page.
  const key = `series:${list.id}:${await getListSeriesState(ctx.store, list)}:${stamp(before)}:${q === "" ? "" : `${new Date().toISOString().slice(0, 10)}:${offset}:${q}`}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  if (q === "") {
    return cachedPage(ctx, opts, key, list.lastDate, async () => ({
      title: `patch series - ${list.name}`,
      body: <SeriesIndex list={list.name} page={await listSeries(ctx.store, list, before)} />,
    }));
  }
  const outcome = await ctx.searches.search({ list: list.name, q, offset, seriesRoots: true });
  if (!outcome.ok) {
    const page = html(opts, 503, `${q} - series search`, <SearchRefused list={list.name} query={q} message={searchRefusalText(outcome)} />, true);
    return { ...page, headers: { ...page.headers, "Retry-After": "10" } };
  }
  const result = outcome.value;
  const search = { q, total: result.total, totalCapped: result.totalCapped, offset, limit: result.limit, error: result.error };
  const page = { series: await listSeriesOfRoots(ctx.store, list, result.hits.map((h) => h.mid)), olderCursor: null };
  const body = <SeriesIndex list={list.name} page={page} search={search} />;
  // A malformed query gets its explanation, never kept.
  if (result.error !== undefined) return html(opts, 200, `${q} - series search`, body, true);
  return cachedPage(ctx, opts, key, null, () => ({ title: `${q} - series search - ${list.name}`, body }));
}

/** /<list>/_/series/<mid>/: a series, showing the version whose cover letter (or first patch) is <mid>. */
export async function seriesPage(ctx: RequestContext, opts: PageOptions, name: string, mid: string): Promise<Reply> {
  const list = await getList(ctx.store, name);
  if (!list) return notFoundPage(opts, name);
  // The page shows a curl command with the absolute URL: one entry per origin.
  const key = `seriesPage:${ctx.origin}:${list.id}:${await getListSeriesState(ctx.store, list)}:${mid}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const detail = await getSeries(ctx.store, list, mid);
  if (!detail) return html(opts, 404, "Series not found", <NotFound list={list.name} />, true);
  const version = detail.versions[detail.chosen]!;
  return cachedPage(ctx, opts, key, version.lastDate, () => ({
    title: `[v${version.revision}] ${version.title} - series - ${list.name}`,
    body: <SeriesPage list={list.name} detail={detail} origin={ctx.origin} />,
  }));
}

/** /<list>/_/series/<mid>/vs/<older mid>/: what changed between two versions of one series. */
export async function seriesInterdiffPage(ctx: RequestContext, opts: PageOptions, name: string, mid: string, from: string): Promise<Reply> {
  const list = await getList(ctx.store, name);
  if (!list) return notFoundPage(opts, name);
  const key = `interdiff:${list.id}:${await getListSeriesState(ctx.store, list)}:${mid}:${from}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const view = await getInterdiff(ctx.store, list, mid, from);
  if (!view) return html(opts, 404, "Versions not found", <NotFound list={list.name} />, true);
  const to = view.versions[view.to]!;
  return cachedPage(ctx, opts, key, to.lastDate, () => ({
    title: `v${view.versions[view.from]!.revision} -> v${to.revision}: ${view.title} - ${list.name}`,
    body: <SeriesInterdiff list={list.name} view={view} />,
  }));
}

async function midNotFound(ctx: RequestContext, opts: PageOptions, list: ListRow | null, mid: string): Promise<Reply> {
  const { elsewhere, maybe } = await findMissingMessage(ctx.store, list, mid);
  return html(opts, 404, "Message not found", <MidNotFound list={list?.name ?? null} mid={mid} elsewhere={elsewhere} maybe={maybe} />, true);
}

/** /r/<mid>, /all/<mid>/<rest>, /<mid>: to the list the reader came from when it holds the message, else the first to store it. */
export async function lookupPage(ctx: RequestContext, opts: PageOptions, mid: string, rest: string): Promise<Reply> {
  const lists = await findListsWithMid(ctx.store, mid);
  const list = preferredList(lists, ctx.req.headers.referer, ctx.origin);
  if (list === undefined) return midNotFound(ctx, opts, null, mid);
  return redirect(ctx, 302, `/${midToUrl(list)}/${midToUrl(mid)}/${rest}${ctx.search}`);
}

/** /all/<mid>/T/ and /t/: the conversation across every list that holds part of it. */
export async function allThreadPage(ctx: RequestContext, opts: PageOptions, mid: string, nested: boolean, part: number): Promise<Reply> {
  const lists = await findListsWithMid(ctx.store, mid);
  const thread = await getSpanningThread(ctx.store, lists, mid);
  if (!thread) return midNotFound(ctx, opts, null, mid);
  const key = `allthread:${thread.state}:${nested ? "t" : "T"}:${part}`;
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const view = await getSpanningThreadView(ctx.store, thread, part);
  if (!view) return notFoundPage(opts);
  const lastDate = new Date(Math.max(...thread.members.map((m) => m.date.getTime())));
  return cachedPage(ctx, opts, key, lastDate, () => ({
    title: `${view.subject} - thread${view.partCount > 1 ? ` (part ${part} of ${view.partCount})` : ""} - all lists`,
    body: (
      <ThreadPage list="all" nodes={view.nodes} messages={view.messages} nested={nested} part={part} partCount={view.partCount}
        partOf={view.partOf} />
    ),
  }));
}

export async function searchPage(ctx: RequestContext, opts: PageOptions, list: string | null): Promise<Reply> {
  const req = readSearchRequest(ctx.query)!;
  let scopeState: string;
  if (list !== null) {
    const row = await getList(ctx.store, list);
    if (!row) return notFoundPage(opts, list);
    scopeState = listState(row);
  } else {
    scopeState = (await listLists(ctx.store)).map(listState).join("|");
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
