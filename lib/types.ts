// The archive's own types, returned by lib/queries.ts to pages and route
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
}
