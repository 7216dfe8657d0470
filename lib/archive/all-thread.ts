// The /all/ conversation: a thread as every list saw part of it. Each list
// threads its own copies; /all/ joins those threads through the Message-IDs
// they share (a reply cross-posted, or sent to one list about a message of
// another) and shows each mail once, as its first-stored copy.
import type { ArchiveReader, ListRow, SpanningMember } from "../store/types";
import { MAX_THREAD_MESSAGES } from "../store/types";
import type { MessageView } from "../types";
import { buildThreadTree, flattenThread } from "../threading/thread";
import { partIndex, splitThreadParts } from "../threading/thread-parts";
import type { ThreadView } from "./message";

/** Lists' threads one conversation may join: a crawler's /all/ page never reads more. */
export const MAX_SPANNING_THREADS = 64;

export interface SpanningThread {
  /** One copy of each mail, oldest first, at most MAX_THREAD_MESSAGES. */
  members: SpanningMember[];
  threadIds: number[];
  /** Changes whenever any of the joined threads grows: part of cache keys. */
  state: string;
  subject: string;
}

/** The conversation holding this Message-ID, from the first list that stored it; null when no list holds it. */
export async function getSpanningThread(store: ArchiveReader, lists: string[], mid: string): Promise<SpanningThread | null> {
  const first = lists[0];
  if (first === undefined) return null;
  const resolved = await store.resolveMessage(first, mid);
  const start = resolved?.message;
  if (!start) return null;
  const threadIds = await store.listSpanningThreadIds(start.threadId, MAX_SPANNING_THREADS);
  const copies = await store.listSpanningMembers(threadIds);
  const members = oneCopyPerMail(copies).slice(0, MAX_THREAD_MESSAGES);
  const newest = copies.reduce((max, c) => Math.max(max, c.date.getTime()), 0);
  return {
    members,
    threadIds,
    state: `${threadIds.join(",")}:${copies.length}:${newest}`,
    subject: members[0]?.subject || start.threadSubject || "(no subject)",
  };
}

/** Copies arrive oldest first, a mail's copies in storage order: the first of each mail stays. */
export function oneCopyPerMail(copies: SpanningMember[]): SpanningMember[] {
  const seen = new Set<number>();
  return copies.filter((copy) => {
    if (seen.has(copy.mailId)) return false;
    seen.add(copy.mailId);
    return true;
  });
}

/** One part of the /all/ thread page: every member in the overview, the bodies of its part, each from its own list. */
export async function getSpanningThreadView(store: ArchiveReader, thread: SpanningThread, part: number): Promise<ThreadView | null> {
  const nodes = flattenThread(buildThreadTree(thread.members));
  const lengths = new Map(thread.members.map((m) => [m.id, m.textBytes]));
  const parts = splitThreadParts(nodes, (id) => lengths.get(id) ?? 0);
  if (part < 1 || part > parts.length) return null;
  const ids = new Set(parts[part - 1]!);
  const byList = new Map<string, number[]>();
  for (const member of thread.members) {
    if (ids.has(member.id)) byList.set(member.list, [...(byList.get(member.list) ?? []), member.id]);
  }
  const messages = new Map<number, MessageView>();
  for (const [name, listIds] of byList) {
    const list: ListRow | null = await store.getList(name);
    if (list === null) continue; // cannot happen: lists are never removed
    for (const [id, message] of await store.listMessagesById(list, listIds)) messages.set(id, message);
  }
  return { nodes, messages, part, partCount: parts.length, partOf: partIndex(parts), subject: thread.subject };
}

/** The raw bytes the thread's lists hold, copies counted per list: a bound for the download's size. */
export async function getSpanningRawBytes(store: ArchiveReader, thread: SpanningThread): Promise<number> {
  let bytes = 0;
  for (const threadId of thread.threadIds) bytes += await store.getThreadRawBytes(threadId);
  return bytes;
}
