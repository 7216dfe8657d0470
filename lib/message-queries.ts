// Reads for message and thread pages, raw/mbox/Atom route handlers and the
// Message-ID lookups (/r/, /all/, not-found suggestions). Every read is an
// indexed lookup bounded by LIMIT: cost does not grow with the archive.
import { prisma } from "./db";
import type { MessageView, MidSuggestion, RawMessage, ThreadInfo, ThreadMember } from "./types";

/** Thread pages show at most this many messages in full (lore-size threads fit easily). */
export const MAX_THREAD_MESSAGES = 2000;

function splitRefs(references: string): string[] {
  return references === "" ? [] : references.split(" ");
}

type MessageRow = {
  id: number; messageId: string; subject: string; fromName: string; fromAddr: string; toAddrs: string; ccAddrs: string;
  date: Date; inReplyTo: string | null; references: string; bodyText: string; hasPatch: boolean; threadId: number;
  rawHash: string; attachments?: { position: number; filename: string | null; contentType: string; size: number }[];
};

function toMessageView(m: MessageRow, list: string, listAddress: string | null, variantIds: number[] = []): MessageView {
  return {
    id: m.id, list, listAddress, mid: m.messageId, subject: m.subject, fromName: m.fromName, fromAddr: m.fromAddr,
    to: m.toAddrs, cc: m.ccAddrs, date: m.date, inReplyTo: m.inReplyTo, references: splitRefs(m.references),
    bodyText: m.bodyText, hasPatch: m.hasPatch, threadId: m.threadId, rawHash: m.rawHash,
    attachments: (m.attachments ?? []).map(({ position, filename, contentType, size }) => ({ position, filename, contentType, size })),
    variantIds,
  };
}

async function listId(name: string): Promise<{ id: number; address: string | null } | null> {
  return prisma.list.findUnique({ where: { name }, select: { id: true, address: true } });
}

/** The message: the first stored one when a Message-ID was reused (see listMessageVariants). */
export async function getMessage(listName: string, mid: string): Promise<MessageView | null> {
  return (await listMessageVariants(listName, mid))[0] ?? null;
}

/** Every stored message with this Message-ID in the list, first stored first (lore shows them all). */
export async function listMessageVariants(listName: string, mid: string): Promise<MessageView[]> {
  const list = await listId(listName);
  if (!list) return [];
  const rows = await prisma.message.findMany({
    where: { listId: list.id, messageId: mid },
    orderBy: { id: "asc" },
    take: 20,
    omit: { raw: true },
    include: { attachments: { orderBy: { position: "asc" } } },
  });
  const ids = rows.map((r) => r.id);
  return rows.map((m) => toMessageView(m, listName, list.address, ids.filter((id) => id !== m.id)));
}

export async function getRawMessage(listName: string, mid: string): Promise<RawMessage | null> {
  return (await listRawVariants(listName, mid, 1))[0] ?? null;
}

/** Raw bytes of every message with this Message-ID, first stored first (lore's /raw serves them all). */
export async function listRawVariants(listName: string, mid: string, take = 20): Promise<RawMessage[]> {
  const list = await listId(listName);
  if (!list) return [];
  const rows = await prisma.message.findMany({
    where: { listId: list.id, messageId: mid },
    orderBy: { id: "asc" },
    take,
    select: { raw: true, rawHash: true, date: true },
  });
  return rows.map((row) => ({ raw: Buffer.from(row.raw), rawHash: row.rawHash, date: row.date }));
}

const THREAD_INFO = {
  id: true, rootMid: true, subject: true, messageCount: true, lastDate: true, list: { select: { name: true } },
} as const;

export async function getThreadInfo(threadId: number): Promise<ThreadInfo | null> {
  const t = await prisma.thread.findUnique({ where: { id: threadId }, select: THREAD_INFO });
  return t ? { ...t, list: t.list.name } : null;
}

/** The thread holding a message, in one indexed read (no bodies loaded): for t.mbox.gz and t.atom. */
export async function getThreadOfMessage(listName: string, mid: string): Promise<ThreadInfo | null> {
  const row = await prisma.message.findFirst({
    where: { list: { name: listName }, messageId: mid },
    orderBy: { id: "asc" },
    select: { thread: { select: THREAD_INFO } },
  });
  return row ? { ...row.thread, list: row.thread.list.name } : null;
}

/** The thread's messages without bodies, oldest first: enough to draw the tree. */
export async function listThreadMembers(threadId: number): Promise<ThreadMember[]> {
  const rows = await prisma.message.findMany({
    where: { threadId },
    orderBy: [{ date: "asc" }, { id: "asc" }],
    take: MAX_THREAD_MESSAGES,
    select: { id: true, messageId: true, subject: true, fromName: true, date: true, references: true },
  });
  return rows.map((r) => ({ id: r.id, mid: r.messageId, subject: r.subject, fromName: r.fromName, date: r.date, references: splitRefs(r.references) }));
}

/** Full messages of a thread for /T/ and /t/, by id. */
export async function listThreadMessages(threadId: number): Promise<Map<number, MessageView>> {
  const info = await getThreadInfo(threadId);
  const list = info ? await listId(info.list) : null;
  const rows = await prisma.message.findMany({
    where: { threadId },
    orderBy: [{ date: "asc" }, { id: "asc" }],
    take: MAX_THREAD_MESSAGES,
    omit: { raw: true },
    include: { attachments: { orderBy: { position: "asc" } } },
  });
  return new Map(rows.map((m) => [m.id, toMessageView(m, info?.list ?? "", list?.address ?? null)]));
}

/** Raw bytes of every message of a thread, oldest first, for t.mbox.gz. */
export async function listThreadRaws(threadId: number): Promise<RawMessage[]> {
  const rows = await prisma.message.findMany({
    where: { threadId },
    orderBy: [{ date: "asc" }, { id: "asc" }],
    take: MAX_THREAD_MESSAGES,
    select: { raw: true, rawHash: true, date: true },
  });
  return rows.map((r) => ({ raw: Buffer.from(r.raw), rawHash: r.rawHash, date: r.date }));
}

/** Newest messages of a list for new.atom. */
export async function listNewestMessages(listName: string, take: number): Promise<MessageView[] | null> {
  const list = await listId(listName);
  if (!list) return null;
  const rows = await prisma.message.findMany({
    where: { listId: list.id },
    orderBy: [{ date: "desc" }, { id: "desc" }],
    take,
    omit: { raw: true },
  });
  return rows.map((m) => toMessageView(m, listName, list.address));
}

/** Lists holding this Message-ID, for /r/<mid> and /all/<mid>/. */
export async function findListsWithMid(mid: string): Promise<string[]> {
  const rows = await prisma.message.findMany({
    where: { messageId: mid },
    orderBy: { id: "asc" },
    take: 20,
    select: { list: { select: { name: true } } },
  });
  return [...new Set(rows.map((r) => r.list.name))];
}

/**
 * Close matches for an unknown Message-ID, like lore's "not found, maybe:":
 * ids starting with it, then with its local part, then with its first chars.
 * Range scans on the messageId index, never a LIKE over the table.
 */
export async function suggestMids(listName: string | null, mid: string): Promise<MidSuggestion[]> {
  const list = listName ? await listId(listName) : null;
  if (listName && !list) return [];
  const prefixes = [mid, mid.split("@")[0] ?? "", mid.slice(0, 12)].filter((p, i, all) => p.length >= 4 && all.indexOf(p) === i);
  for (const prefix of prefixes) {
    const rows = await prisma.message.findMany({
      where: { ...(list ? { listId: list.id } : {}), messageId: { gte: prefix, lt: `${prefix}\u{10ffff}` } },
      orderBy: { messageId: "asc" },
      take: 10,
      select: { messageId: true, subject: true, list: { select: { name: true } } },
    });
    if (rows.length > 0) return rows.map((r) => ({ list: r.list.name, mid: r.messageId, subject: r.subject }));
  }
  return [];
}

/** Whether the list holds this Message-ID: one indexed probe, for proxy.ts. */
export async function hasMessage(listName: string, mid: string): Promise<boolean> {
  const row = await prisma.message.findFirst({ where: { list: { name: listName }, messageId: mid }, select: { id: true } });
  return row !== null;
}

/** Bytes of raw mail in a thread, for t.mbox.gz's cap (length() of a BLOB reads no mail). */
export async function getThreadRawBytes(threadId: number): Promise<number> {
  const rows = await prisma.$queryRaw<{ bytes: number | bigint | null }[]>`
    SELECT sum(size) AS bytes FROM "Message" WHERE threadId = ${threadId}`;
  return Number(rows[0]?.bytes ?? 0);
}
