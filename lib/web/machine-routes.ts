// lore's machine routes, answered straight from the store in one lookup each:
// raw, t.mbox.gz, Atom feeds, attachments, the search help and redirects.
// b4 and lei live on these, and crawlers hit them hardest.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import { contentDisposition, safeContentType } from "../mail/attachment";
import { extractAttachment } from "../mail/mime";
import { atomEntryId, renderAtom } from "./atom";
import { messagesToAtom } from "./feed";
import { formatMboxrd } from "../mail/mbox";
import { amMessage } from "../series/am-mbox";
import { midToUrl } from "../mail/mid";
import { searchHelpText } from "../search/search-help";
import { findListsWithMid, getList, listNewestMessages } from "../archive/list";
import { getSpanningRawBytes, getSpanningThread } from "../archive/all-thread";
import {
  getAttachment, getRawById, getThreadRawBytes, getThreadState, listNewestInThread, listRawMessages, listRawsById,
  listThreadMessageIds, listThreadRaws, MAX_THREAD_MESSAGES,
} from "../archive/raw";
import { resolveMessage } from "../archive/message";
import { getListSeriesState, listMboxPatches, listNewestVersions } from "../archive/series";
import type { RequestContext } from "./context";
import { cachedBody, listState, stamp } from "./cached-reply";
import { bodyEtag } from "./page-cache";
import { ATTACHMENT_CSP, text, type Reply } from "./respond";

const ATOM_TYPE = "application/atom+xml; charset=utf-8";
const NEWEST_ENTRIES = 25;
const THREAD_ATOM_ENTRIES = 100;
// Larger threads stream straight from the store instead of being gzipped
// whole in memory and cached.
const CACHED_MBOX_MAX_BYTES = 8 * 1024 * 1024;
// The thread download is refused past this (a hostile sender can reply to one
// thread with big attachments); kernel threads stay far below it.
const MAX_THREAD_MBOX_BYTES = 32 * 1024 * 1024;
const MBOX_BATCH = 64;

function noMessage(list: string, mid: string): Reply {
  return text(404, `Message-ID <${mid}> not found in ${list}\n`);
}

/** /<list>/<mid>/raw: lore's one-message mboxrd, every message reusing the Message-ID, first stored first. */
export async function rawMessage(ctx: RequestContext, listName: string, mid: string): Promise<Reply> {
  const messages = await listRawMessages(ctx.store, listName, mid);
  const first = messages[0];
  if (!first) return noMessage(listName, mid);
  const tag = messages.length === 1 ? first.rawHash : createHash("sha256").update(messages.map((m) => m.rawHash).join()).digest("hex");
  return {
    status: 200,
    type: "text/plain; charset=utf-8",
    validators: { etag: `"${tag}"`, lastModified: first.date },
    body: messages.length === 1 ? formatMboxrd(first.raw) : Buffer.concat(messages.map((m) => formatMboxrd(m.raw))),
  };
}

/** /<list>/<mid>/t.mbox.gz: the whole thread as gzipped mboxrd (what `b4 am` fetches). */
export async function threadMbox(ctx: RequestContext, listName: string, mid: string): Promise<Reply> {
  const state = await getThreadState(ctx.store, listName, mid);
  if (!state) return noMessage(listName, mid);
  const lastModified = state.threadLastDate;
  const key = `mbox:${state.threadId}:${state.threadCount}:${stamp(lastModified)}`;
  const headers = { "Content-Disposition": 'inline; filename="t.mbox.gz"' };
  const cached = ctx.cache.get(key);
  if (cached) return { status: 200, type: cached.type, headers, body: cached.body, validators: cached };
  const bytes = await getThreadRawBytes(ctx.store, state.threadId);
  if (state.threadCount > MAX_THREAD_MESSAGES || bytes > MAX_THREAD_MBOX_BYTES) {
    const mb = (n: number) => `${Math.ceil(n / 1048576).toLocaleString("en-US")} MB`;
    // Never a silently short mbox: say what is over and what to do instead.
    return text(
      413,
      `This thread has ${state.threadCount.toLocaleString("en-US")} messages (${mb(bytes)}); t.mbox.gz is limited to ` +
        `${MAX_THREAD_MESSAGES.toLocaleString("en-US")} messages and ${mb(MAX_THREAD_MBOX_BYTES)}.\n` +
        `Fetch messages one at a time (<mid>/raw), or search with d: ranges and download the hits (?q=...&x=m).\n`,
    );
  }
  if (bytes <= CACHED_MBOX_MAX_BYTES) {
    const raws = await listThreadRaws(ctx.store, state.threadId);
    const body = gzipSync(Buffer.concat(raws.map((m) => formatMboxrd(m.raw))), { level: 6 });
    const entry = ctx.cache.put(key, body, "application/gzip", lastModified);
    return { status: 200, type: entry.type, headers, body, validators: entry };
  }
  const ids = await listThreadMessageIds(ctx.store, state.threadId);
  const etag = `"t${state.threadId}-${state.threadCount}-${stamp(lastModified)}"`;
  return { status: 200, type: "application/gzip", headers, body: Readable.from(rawsInBatches(ctx, ids)).pipe(createGzip()), validators: { etag, lastModified } };
}

/** /all/<mid>/t.mbox.gz: the conversation across lists, each mail once, oldest first. */
export async function allThreadMbox(ctx: RequestContext, mid: string): Promise<Reply> {
  const thread = await getSpanningThread(ctx.store, await findListsWithMid(ctx.store, mid), mid);
  if (!thread) return text(404, `Message-ID <${mid}> not found\n`);
  const headers = { "Content-Disposition": 'inline; filename="t.mbox.gz"' };
  const key = `allmbox:${thread.state}`;
  const cached = ctx.cache.get(key);
  if (cached) return { status: 200, type: cached.type, headers, body: cached.body, validators: cached };
  const bytes = await getSpanningRawBytes(ctx.store, thread);
  if (bytes > MAX_THREAD_MBOX_BYTES) {
    return text(
      413,
      `This conversation's lists hold ${Math.ceil(bytes / 1048576).toLocaleString("en-US")} MB of it; t.mbox.gz is limited to ` +
        `${MAX_THREAD_MBOX_BYTES / 1048576} MB.\nFetch each list's thread (/<list>/<mid>/t.mbox.gz) or messages one at a time (<mid>/raw).\n`,
    );
  }
  const ids = thread.members.map((m) => m.id);
  const lastModified = new Date(Math.max(...thread.members.map((m) => m.date.getTime())));
  if (bytes <= CACHED_MBOX_MAX_BYTES) {
    const raws = await listRawsById(ctx.store, ids);
    const body = gzipSync(Buffer.concat(raws.map((raw) => formatMboxrd(raw))), { level: 6 });
    const entry = ctx.cache.put(key, body, "application/gzip", lastModified);
    return { status: 200, type: entry.type, headers, body, validators: entry };
  }
  const etag = `"all-${createHash("sha256").update(thread.state).digest("hex").slice(0, 32)}"`;
  return { status: 200, type: "application/gzip", headers, body: Readable.from(rawsInBatches(ctx, ids)).pipe(createGzip()), validators: { etag, lastModified } };
}

async function* rawsInBatches(ctx: RequestContext, ids: number[]): AsyncGenerator<Buffer> {
  for (let i = 0; i < ids.length; i += MBOX_BATCH) {
    for (const raw of await listRawsById(ctx.store, ids.slice(i, i + MBOX_BATCH))) yield formatMboxrd(raw);
    // Let other requests of this worker run between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * /<list>/_/series/<mid>/series.mbox: one version's patches in order, each
 * with the trailers its reviewers gave, the cover letter left out: what
 * `b4 am` writes, ready for `git am`.
 */
export async function seriesMbox(ctx: RequestContext, listName: string, mid: string): Promise<Reply> {
  const patches = await listMboxPatches(ctx.store, listName, mid);
  if (patches === null) return text(404, `No series version starts at <${mid}> in ${listName}\n`);
  const body = Buffer.concat(patches.map((patch) => formatMboxrd(amMessage(patch))));
  return {
    status: 200,
    type: "text/plain; charset=utf-8",
    headers: { "Content-Disposition": 'inline; filename="series.mbox"' },
    validators: { etag: bodyEtag(body), lastModified: null },
    body,
  };
}

/** /<list>/_/series/new.atom: new series and new versions of a list, newest first. */
export async function seriesAtom(ctx: RequestContext, listName: string): Promise<Reply> {
  const list = await getList(ctx.store, listName);
  if (!list) return text(404, `No list ${listName}\n`);
  const key = `series.atom:${ctx.origin}:${list.id}:${await getListSeriesState(ctx.store, list)}`;
  return cachedBody(ctx, key, ATOM_TYPE, async () => {
    const versions = await listNewestVersions(ctx.store, list, NEWEST_ENTRIES);
    const base = `${ctx.origin}/${midToUrl(list.name)}/_/series/`;
    const body = renderAtom({
      id: `${base}new.atom`,
      title: `${list.name} - patch series`,
      selfUrl: `${base}new.atom`,
      alternateUrl: base,
      updated: versions[0]?.date ?? list.lastDate ?? new Date(0),
      entries: versions.map((v) => ({
        // Not the cover letter's own entry id: this entry is the version, not the message.
        id: atomEntryId(`series/${v.rootMid}`),
        title: `[v${v.revision}${v.rfc ? " RFC" : ""}] ${v.title}`,
        url: `${base}${midToUrl(v.rootMid)}/`,
        updated: v.date,
        authorName: v.fromName,
        authorEmail: v.fromAddr,
        summary:
          `${v.revision > 1 || v.versionCount > 1 ? `Version ${v.revision}` : "New series"}: ${v.present} of ${v.total} patch${v.total === 1 ? "" : "es"}` +
          `${v.superseded ? " (superseded since)" : ""}.`,
      })),
    });
    return { body, lastModified: versions[0]?.date ?? null };
  });
}

/** /<list>/new.atom: the newest messages of a list. */
export async function listAtom(ctx: RequestContext, listName: string): Promise<Reply> {
  const list = await getList(ctx.store, listName);
  if (!list) return text(404, `No list ${listName}\n`);
  const key = `new.atom:${ctx.origin}:${list.id}:${listState(list)}`;
  return cachedBody(ctx, key, ATOM_TYPE, async () => {
    const messages = await listNewestMessages(ctx.store, list, NEWEST_ENTRIES);
    const base = `/${midToUrl(list.name)}/`;
    return {
      body: messagesToAtom(ctx.origin, { id: `${base}new.atom`, title: `${list.name} - newest messages`, selfPath: `${base}new.atom`, alternatePath: base }, messages),
      lastModified: messages[0]?.date ?? null,
    };
  });
}

/** /<list>/<mid>/t.atom: the messages of one thread, newest first. */
export async function threadAtom(ctx: RequestContext, listName: string, mid: string): Promise<Reply> {
  const found = await resolveMessage(ctx.store, listName, mid);
  if (!found.found) return noMessage(listName, mid);
  const { list, state } = found;
  const key = `t.atom:${ctx.origin}:${state.threadId}:${state.threadCount}:${stamp(state.threadLastDate)}`;
  return cachedBody(ctx, key, ATOM_TYPE, async () => {
    // The newest entries only, like new.atom: a feed reader wants what is new.
    const messages = await listNewestInThread(ctx.store, list, state.threadId, THREAD_ATOM_ENTRIES);
    const base = `/${midToUrl(list.name)}/${midToUrl(state.threadRootMid || mid)}/`;
    return {
      body: messagesToAtom(
        ctx.origin,
        { id: `${base}t.atom`, title: state.threadSubject || "(no subject)", selfPath: `${base}t.atom`, alternatePath: `${base}T/` },
        messages,
      ),
      lastModified: state.threadLastDate,
    };
  });
}

/** /<list>/<mid>/<N>-<name>: attachment N, always a download, in a sandbox; one row read, no parse. */
export async function attachment(ctx: RequestContext, listName: string, mid: string, position: number): Promise<Reply> {
  const stored = position < 1 ? null : await getAttachment(ctx.store, listName, mid, position - 1);
  if (!stored) return text(404, "No such attachment\n");
  let file: { filename: string | null; contentType: string; content: Buffer } | null = stored.content
    ? { filename: stored.filename, contentType: stored.contentType, content: stored.content }
    : null;
  if (!file) {
    const raw = await getRawById(ctx.store, stored.messageRowId);
    file = raw ? await extractAttachment(raw, position - 1) : null;
  }
  if (!file) return text(404, "No such attachment\n");
  return {
    status: 200,
    type: safeContentType(file.contentType),
    headers: { "Content-Disposition": contentDisposition(file.filename), "Content-Security-Policy": ATTACHMENT_CSP },
    body: file.content,
    validators: { etag: `"${stored.rawHash}-${position - 1}"`, lastModified: stored.date },
  };
}

/** /<list>/_/text/help/: the search help as plain text, like lore's. */
export function searchHelp(list: string | null): Reply {
  const body = searchHelpText(list ?? "all");
  return { status: 200, type: "text/plain; charset=utf-8", body, validators: { etag: bodyEtag(body), lastModified: null } };
}

export function redirect(ctx: RequestContext, status: 301 | 302, path: string): Reply {
  return { status, headers: { Location: `${ctx.origin}${path}`, "Cache-Control": status === 301 ? "public, max-age=3600" : "no-store" }, body: null };
}
