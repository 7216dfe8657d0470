// The lists and their indexes: the home page, a list's threads by latest
// activity, its newest messages for new.atom.
import type { ArchiveReader, ListRow, ThreadCursor } from "../store/types";
import type { ListSummary, MessageView, ThreadPage, ThreadSummary } from "../types";

export function listLists(store: ArchiveReader): Promise<ListSummary[]> {
  return store.listLists();
}

export function getList(store: ArchiveReader, name: string): Promise<ListRow | null> {
  return store.getList(name);
}

/** One page of lore's index: threads by latest activity, 50 a page, paged by cursor. */
export function listThreads(store: ArchiveReader, list: ListRow, cursor: ThreadCursor): Promise<ThreadPage> {
  return store.listRecentThreads(list.id, cursor);
}

export function listNewestMessages(store: ArchiveReader, list: ListRow, take: number): Promise<MessageView[]> {
  return store.listNewestMessages(list, take);
}

/** Lists holding this Message-ID, oldest first: where /r/<mid> and /all/<mid>/ send the reader. */
export function findListsWithMid(store: ArchiveReader, mid: string): Promise<string[]> {
  return store.findListsWithMid(mid);
}

export function getThread(store: ArchiveReader, threadId: number): Promise<ThreadSummary | null> {
  return store.getThread(threadId);
}
