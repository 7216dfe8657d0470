// Reads for pages and route handlers, through the one PrismaClient. Returns
// the app's own types (lib/types.ts).
import { prisma } from "./db";
import { formatCursor } from "./cursor";
import type { ListSummary, ThreadPage, ThreadSummary } from "./types";

export const THREADS_PER_PAGE = 200;

export async function listLists(): Promise<ListSummary[]> {
  return prisma.list.findMany({
    orderBy: { name: "asc" },
    select: { name: true, address: true, description: true, messageCount: true, lastDate: true },
  });
}

export async function getList(name: string): Promise<(ListSummary & { id: number }) | null> {
  return prisma.list.findUnique({
    where: { name },
    select: { id: true, name: true, address: true, description: true, messageCount: true, lastDate: true },
  });
}

const THREAD_SUMMARY = {
  id: true, rootMid: true, subject: true, fromName: true, messageCount: true, firstDate: true, lastDate: true,
} as const;

/**
 * Threads by latest activity, newest first, 200 a page (lore's index).
 * `before` (lore's ?t=) pages to older threads, `after` back to newer ones.
 * Cursors have lore's one-second resolution, so a page never ends in the
 * middle of a second: threads sharing the boundary second stay together.
 */
export async function listRecentThreads(listId: number, cursor: { before?: Date | null; after?: Date | null } = {}): Promise<ThreadPage> {
  const newerFirst = !cursor.after;
  const rows = await prisma.thread.findMany({
    where: {
      listId,
      lastDate: cursor.after
        ? { gte: new Date(secondOf(cursor.after) + 1000) }
        : cursor.before ? { lt: new Date(secondOf(cursor.before)) } : { not: null },
    },
    orderBy: newerFirst ? [{ lastDate: "desc" }, { id: "desc" }] : [{ lastDate: "asc" }, { id: "asc" }],
    take: THREADS_PER_PAGE + 1,
    select: THREAD_SUMMARY,
  });
  const more = rows.length > THREADS_PER_PAGE;
  const threads = rows.slice(0, THREADS_PER_PAGE);
  if (more) threads.push(...(await restOfBoundarySecond(listId, threads, rows[THREADS_PER_PAGE]!)));
  threads.sort((a, b) => (b.lastDate?.getTime() ?? 0) - (a.lastDate?.getTime() ?? 0) || b.id - a.id);
  const oldest = threads[threads.length - 1]?.lastDate ?? null;
  const newest = threads[0]?.lastDate ?? null;
  return {
    threads,
    olderCursor: oldest && (newerFirst ? more : true) ? formatCursor(oldest) : null,
    newerCursor: newest && (newerFirst ? Boolean(cursor.before) : more) ? formatCursor(newest) : null,
  };
}

async function restOfBoundarySecond(listId: number, page: ThreadSummary[], next: ThreadSummary): Promise<ThreadSummary[]> {
  const boundary = secondOf(page[page.length - 1]!.lastDate!);
  if (secondOf(next.lastDate!) !== boundary) return [];
  const seen = new Set(page.map((t) => t.id));
  const sameSecond = await prisma.thread.findMany({
    where: { listId, lastDate: { gte: new Date(boundary), lt: new Date(boundary + 1000) } },
    orderBy: [{ lastDate: "desc" }, { id: "desc" }],
    select: THREAD_SUMMARY,
  });
  return sameSecond.filter((t) => !seen.has(t.id));
}

function secondOf(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
