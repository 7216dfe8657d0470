// Replies made from the page cache, shared by the pages and the machine
// routes: look the key up, otherwise build the body once and keep it.
import type { RequestContext } from "./context";
import type { CachedBody } from "./page-cache";
import type { Reply } from "./respond";

/** A date as a cache-key component (0 for none). */
export function stamp(date: Date | null): number {
  return date?.getTime() ?? 0;
}

/** What a list's pages depend on: its size and newest message. */
export function listState(list: { name: string; messageCount: number; lastDate: Date | null }): string {
  return `${list.name}:${list.messageCount}:${stamp(list.lastDate)}`;
}

export function replyOf(ctx: RequestContext, key: string, entry: CachedBody): Reply {
  return { status: 200, type: entry.type, body: entry.body, validators: entry, gzip: () => ctx.cache.gzipOf(key, entry) };
}

export function cachedReply(ctx: RequestContext, key: string): Reply | null {
  const entry = ctx.cache.get(key);
  return entry ? replyOf(ctx, key, entry) : null;
}

/** The cached body under `key`, or `build`'s, kept for the next request. */
export async function cachedBody(
  ctx: RequestContext, key: string, type: string,
  build: () => Promise<{ body: string; lastModified: Date | null }> | { body: string; lastModified: Date | null },
): Promise<Reply> {
  const cached = cachedReply(ctx, key);
  if (cached) return cached;
  const { body, lastModified } = await build();
  return replyOf(ctx, key, ctx.cache.put(key, Buffer.from(body), type, lastModified));
}
