// A message URL (/<list>/<mid>/, its /T/ and /t/, raw, t.mbox.gz, t.atom)
// resolves the list and the message once, in one query; what the page shows
// is then loaded from that resolution, never by looking the list up again.
import type { ArchiveReader, ListRow, MessageState } from "../store/types";
import type { MessageSeriesInfo, MessageView, MidSuggestion } from "../types";
import { buildThreadTree, flattenThread, type ThreadNode } from "../threading/thread";
import { partIndex, splitThreadParts, THREAD_PART_LIMITS } from "../threading/thread-parts";

export type MessageLookup =
  | { found: true; list: ListRow; state: MessageState }
  /** `list` null: no list by that name; else the list holds no such Message-ID. */
  | { found: false; list: ListRow | null };

export async function resolveMessage(store: ArchiveReader, listName: string, mid: string): Promise<MessageLookup> {
  const resolved = await store.resolveMessage(listName, mid);
  if (!resolved) return { found: false, list: null };
  if (!resolved.message) return { found: false, list: resolved.list };
  return { found: true, list: resolved.list, state: resolved.message };
}

export interface MessagePageData {
  variants: MessageView[];
  nodes: ThreadNode[];
  series: MessageSeriesInfo | null;
}

/** A message page: every variant of the Message-ID that fits, its thread's overview, its series. */
export async function getMessagePage(
  store: ArchiveReader, list: ListRow, state: MessageState, mid: string, inSeries: boolean,
): Promise<MessagePageData> {
  const [variants, members, series] = await Promise.all([
    store.listMessageVariants(list, mid),
    store.listThreadMembers(state.threadId),
    inSeries ? store.series.getMessageSeries(list.id, mid) : null,
  ]);
  return { variants: boundVariants(variants), nodes: flattenThread(buildThreadTree(members)), series };
}

export interface ThreadView {
  nodes: ThreadNode[];
  /** Bodies of this part's messages only. */
  messages: Map<number, MessageView>;
  part: number;
  partCount: number;
  /** Which part each message's body is on (the overview links across parts). */
  partOf: Map<number, number>;
  subject: string;
}

/**
 * One part of a thread page (/T/ or /t/): the overview needs every member,
 * the page only the bodies of its part. Two queries after the resolution;
 * null when the thread has fewer parts.
 */
export async function getThreadView(store: ArchiveReader, list: ListRow, state: MessageState, part: number): Promise<ThreadView | null> {
  const members = await store.listThreadMembers(state.threadId);
  const nodes = flattenThread(buildThreadTree(members));
  const lengths = new Map(members.map((m) => [m.id, m.textBytes]));
  const parts = splitThreadParts(nodes, (id) => lengths.get(id) ?? 0);
  if (part < 1 || part > parts.length) return null;
  const messages = await store.listMessagesById(list, parts[part - 1]!);
  return { nodes, messages, part, partCount: parts.length, partOf: partIndex(parts), subject: state.threadSubject || "(no subject)" };
}

/** For a Message-ID a list does not hold: the lists that do, and close matches ("maybe you meant"). */
export async function findMissingMessage(
  store: ArchiveReader, list: ListRow | null, mid: string,
): Promise<{ elsewhere: string[]; maybe: MidSuggestion[] }> {
  const [lists, maybe] = await Promise.all([store.findListsWithMid(mid), store.suggestMids(list?.id ?? null, mid)]);
  return { elsewhere: lists.filter((l) => l !== list?.name), maybe };
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
