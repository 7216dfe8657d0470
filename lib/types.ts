// The archive's own types, returned by the store (lib/store/) to pages and route
// handlers: never Prisma rows or mailparser objects.

export interface ListSummary {
  name: string;
  address: string | null;
  description: string | null;
  messageCount: number;
  lastDate: Date | null;
}

export interface ThreadSummary {
  id: number;
  rootMid: string;
  subject: string;
  fromName: string;
  messageCount: number;
  firstDate: Date | null;
  lastDate: Date | null;
}

export interface ThreadPage {
  threads: ThreadSummary[];
  /** Cursor (lore's ?t=YYYYMMDDhhmmss) for the next older page, if any. */
  olderCursor: string | null;
  /** Cursor (?a=YYYYMMDDhhmmss) for the page of newer threads, if any. */
  newerCursor: string | null;
}

export interface AttachmentView {
  position: number;
  filename: string | null;
  contentType: string;
  size: number;
}

export interface MessageView {
  id: number;
  list: string;
  listAddress: string | null;
  mid: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  to: string;
  cc: string;
  date: Date;
  inReplyTo: string | null;
  references: string[];
  bodyText: string;
  hasPatch: boolean;
  threadId: number;
  rawHash: string;
  attachments: AttachmentView[];
  /** Other stored messages that reuse this Message-ID (lore keeps them all). */
  variantIds: number[];
}

export interface ThreadMember {
  id: number;
  mid: string;
  subject: string;
  fromName: string;
  date: Date;
  /** What the thread tree follows: a merge-guarded message keeps only its direct parent. */
  references: string[];
  /** Bytes of body text (UTF-8): what a thread page part is bounded by. SQLite reads a text's byte length from its header, not its characters. */
  textBytes: number;
}

export interface RawMessage {
  raw: Buffer;
  rawHash: string;
  date: Date;
}

export interface ThreadInfo {
  id: number;
  list: string;
  rootMid: string;
  subject: string;
  messageCount: number;
  lastDate: Date | null;
}

export interface MidSuggestion {
  list: string;
  mid: string;
  subject: string;
}
