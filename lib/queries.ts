// Reads for pages and route handlers, through the one PrismaClient. Returns
// the app's own types (lib/types.ts).
import { prisma } from "./db";
import { formatCursor } from "./cursor";
import type { ListSummary, ThreadPage } from "./types";

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

/** Threads by latest activity, newest first; `before` continues an older page. */
export async function listRecentThreads(listId: number, before: Date | null): Promise<ThreadPage> {
  const rows = await prisma.thread.findMany({
    where: { listId, ...(before ? { lastDate: { lt: before } } : {}) },
    orderBy: [{ lastDate: "desc" }, { id: "desc" }],
    take: THREADS_PER_PAGE + 1,
    select: THREAD_SUMMARY,
  });
  if (rows.length <= THREADS_PER_PAGE) return { threads: rows, olderCursor: null };
  const threads = rows.slice(0, THREADS_PER_PAGE);
  const boundary = secondOf(threads[threads.length - 1]!.lastDate!);
  // lore's cursor has one-second resolution: a page must not end in the
  // middle of a second, or the next page (strictly older) would skip threads.
  if (secondOf(rows[THREADS_PER_PAGE]!.lastDate!) === boundary) {
    const seen = new Set(threads.map((t) => t.id));
    const sameSecond = await prisma.thread.findMany({
      where: { listId, lastDate: { gte: new Date(boundary), lt: new Date(boundary + 1000) } },
      orderBy: [{ lastDate: "desc" }, { id: "desc" }],
      select: THREAD_SUMMARY,
    });
    threads.push(...sameSecond.filter((t) => !seen.has(t.id)));
  }
  return { threads, olderCursor: formatCursor(new Date(boundary)) };
}

function secondOf(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
