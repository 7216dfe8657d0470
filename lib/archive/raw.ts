// What the machine routes serve (raw, t.mbox.gz, t.atom, attachments): bytes
// as stored, found through the list's remembered id in one query each.
import type { ArchiveReader, ListRow, MessageState, StoredAttachment } from "../store/types";
import { MAX_THREAD_MESSAGES } from "../store/types";
import type { MessageView, RawMessage } from "../types";

export { MAX_THREAD_MESSAGES };

/** Every stored message with this Message-ID in the list, first stored first (lore's /raw). */
export async function listRawMessages(store: ArchiveReader, listName: string, mid: string): Promise<RawMessage[]> {
  const list = await store.getListId(listName);
  return list === null ? [] : store.listRawVariants(list, mid);
}

/** The message's thread state, for downloads keyed by the thread's growth. */
export async function getThreadState(store: ArchiveReader, listName: string, mid: string): Promise<MessageState | null> {
  const list = await store.getListId(listName);
  return list === null ? null : store.getMessageState(list, mid);
}

export function getThreadRawBytes(store: ArchiveReader, threadId: number): Promise<number> {
  return store.getThreadRawBytes(threadId);
}

export function listThreadRaws(store: ArchiveReader, threadId: number): Promise<RawMessage[]> {
  return store.listThreadRaws(threadId);
}

export function listThreadMessageIds(store: ArchiveReader, threadId: number): Promise<number[]> {
  return store.listThreadMessageIds(threadId);
}

export function listRawsById(store: ArchiveReader, ids: number[]): Promise<Buffer[]> {
  return store.listRawsById(ids);
}

/** The newest messages of a thread, newest first, with bodies: t.atom. */
export async function listNewestInThread(store: ArchiveReader, list: ListRow, threadId: number, take: number): Promise<MessageView[]> {
  const newest = (await store.listThreadMembers(threadId)).sort((a, b) => b.date.getTime() - a.date.getTime() || b.id - a.id).slice(0, take);
  const byId = await store.listMessagesById(list, newest.map((m) => m.id));
  return newest.flatMap((m) => byId.get(m.id) ?? []);
}

/** Attachment `position` (from 0) of the first message with this Message-ID. */
export async function getAttachment(store: ArchiveReader, listName: string, mid: string, position: number): Promise<StoredAttachment | null> {
  const list = await store.getListId(listName);
  return list === null || position < 0 ? null : store.getAttachment(list, mid, position);
}

export function getRawById(store: ArchiveReader, id: number): Promise<Buffer | null> {
  return store.getRawById(id);
}
