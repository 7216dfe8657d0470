// Rows as both backends return them, turned into the app's types. The
// column names are the same on SQLite and PostgreSQL; only how a stored date
// reads back differs (ISO text on SQLite, a Date from pg), so each reader
// hands in its own.
import type { AttachmentView, MessageView, RawMessage, ThreadMember, ThreadSummary } from "../types";
import { threadingReferences } from "../threading/merge-guard";
import type { ListRow, MessageState } from "./types";

export type Row = Record<string, unknown>;

export interface RowMapping {
  toList(r: Row): ListRow;
  toThread(r: Row): ThreadSummary;
  toState(r: Row): MessageState;
  toRaw(r: Row): RawMessage;
  toMessageView(m: Row, list: ListRow, attachments: AttachmentView[], variantIds?: number[]): MessageView;
  /** A thread member as the thread tree follows it: a merge-guarded message keeps only its direct parent. */
  toMember(r: Row): ThreadMember;
}

/** `readDate` gives null for a missing date; a required one missing reads as the epoch. */
export function rowMapping(readDate: (value: unknown) => Date | null): RowMapping {
  const date = (value: unknown) => readDate(value) ?? new Date(0);
  return {
    toList: (r) => ({
      id: r.id as number, name: r.name as string, address: (r.address as string | null) ?? null,
      description: (r.description as string | null) ?? null, messageCount: r.messageCount as number, lastDate: readDate(r.lastDate),
    }),
    toThread: (r) => ({
      id: r.id as number, rootMid: r.rootMid as string, subject: r.subject as string, fromName: r.fromName as string,
      messageCount: r.messageCount as number, firstDate: readDate(r.firstDate), lastDate: readDate(r.lastDate),
    }),
    toState: (r) => ({
      id: r.id as number, threadId: r.threadId as number, rawHash: r.rawHash as string, date: date(r.date),
      threadCount: r.threadCount as number, threadLastDate: readDate(r.threadLastDate),
      threadSubject: (r.threadSubject as string | null) ?? "", threadRootMid: (r.threadRootMid as string | null) ?? "",
      variants: r.variants as number,
    }),
    toRaw: (r) => ({ raw: r.raw as Buffer, rawHash: r.rawHash as string, date: date(r.date) }),
    toMessageView: (m, list, attachments, variantIds = []) => ({
      id: m.id as number, list: list.name, listAddress: list.address, mid: m.messageId as string, subject: m.subject as string,
      fromName: m.fromName as string, fromAddr: m.fromAddr as string, to: m.toAddrs as string, cc: m.ccAddrs as string,
      date: date(m.date), inReplyTo: (m.inReplyTo as string | null) ?? null, references: splitRefs(m.references as string),
      bodyText: m.bodyText as string, hasPatch: Boolean(m.hasPatch), threadId: m.threadId as number, rawHash: m.rawHash as string,
      attachments, variantIds,
    }),
    toMember: (r) => ({
      id: r.id as number, mid: r.messageId as string, subject: r.subject as string, fromName: r.fromName as string,
      date: date(r.date), textBytes: r.textBytes as number,
      references: threadingReferences(
        splitRefs(r.references as string), (r.inReplyTo as string | null) ?? null, r.messageId as string, Boolean(r.mergeGuarded),
      ),
    }),
  };
}

export function splitRefs(references: string): string[] {
  return references === "" ? [] : references.split(" ");
}

/** Attachments as both readers fold them into a message's row: [position, filename, contentType, size] tuples. */
export function attachmentsOf(tuples: unknown): AttachmentView[] {
  if (!Array.isArray(tuples)) return [];
  return (tuples as [number, string | null, string, number][]).map(([position, filename, contentType, size]) => ({
    position, filename, contentType, size,
  }));
}

/** The start of the second holding `d`: lore's index cursors have one-second resolution. */
export function secondOf(d: Date): number {
  return Math.floor(d.getTime() / 1000) * 1000;
}
