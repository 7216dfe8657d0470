// The web server's reads, as prepared statements on one read-only
// better-sqlite3 connection per worker process. Synchronous and about 20-50 µs
// a lookup: the machine routes (raw, t.mbox.gz, Atom) and every cache check
// cost one of these. Returns the app's own types (lib/types.ts). Every read is
// an indexed lookup bounded by LIMIT, so cost does not grow with the archive.
import Database from "better-sqlite3";
import { fromSqlDate, toSqlDate } from "./sql-date";
import type {
  AttachmentView, ListSummary, MessageView, MidSuggestion, RawMessage, ThreadInfo, ThreadMember, ThreadPage, ThreadSummary,
} from "../../types";
import { formatCursor } from "../../web/cursor";
import { threadingReferences } from "../../threading/merge-guard";
import { SeriesReader } from "./series-reader";

/**
 * Threads on one page of a list's index: about what lore's index shows (its
 * newest 200 messages, grouped by topic), so the page weighs about the same.
 */
export const THREADS_PER_PAGE = 50;
/** Thread pages and t.mbox.gz hold at most this many messages. */
export const MAX_THREAD_MESSAGES = 2000;
/** lore's /raw and message pages show at most this many messages sharing one Message-ID. */
export const MAX_VARIANTS = 20;
const LIST_ID_TTL_MS = 5000;

export interface ListRow extends ListSummary {
  id: number;
}

/** What a cached page depends on: the message's thread and how far it has grown. */
export interface MessageState {
  id: number;
  threadId: number;
  rawHash: string;
  date: Date;
  threadCount: number;
  threadLastDate: Date | null;
  variants: number;
}

export interface StoredAttachment {
  filename: string | null;
  contentType: string;
  content: Buffer | null;
  messageRowId: number;
  rawHash: string;
  date: Date;
}

type Row = Record<string, unknown>;

const MESSAGE_COLUMNS = `m.id, m.messageId, m.subject, m.fromName, m.fromAddr, m.toAddrs, m.ccAddrs, m.date, m.inReplyTo,
  m."references", m.bodyText, m.hasPatch, m.threadId, m.rawHash`;
const THREAD_COLUMNS = `t.id, t.rootMid, t.subject, t.fromName, t.messageCount, t.firstDate, t.lastDate`;

function date(value: unknown): Date {
  return fromSqlDate(value as string | number | null) ?? new Date(0);
}

function splitRefs(references: string): string[] {
  return references === "" ? [] : references.split(" ");
}

function toList(r: Row): ListRow {
  return {
    id: r.id as number, name: r.name as string, address: (r.address as string | null) ?? null,
    description: (r.description as string | null) ?? null, messageCount: r.messageCount as number,
    lastDate: fromSqlDate(r.lastDate as string | null),
  };
}

function toThread(r: Row): ThreadSummary {
  return {
    id: r.id as number, rootMid: r.rootMid as string, subject: r.subject as string, fromName: r.fromName as string,
    messageCount: r.messageCount as number, firstDate: fromSqlDate(r.firstDate as string | null), lastDate: fromSqlDate(r.lastDate as string | null),
  };
}

export class SqliteReader {
  private readonly db: Database.Database;
  private readonly sql;
  /** Patch series: the index, a series page, a patch's place, the series mbox. */
  readonly series: SeriesReader;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    // Ingest holds the write lock in bursts; a reader only waits on a checkpoint.
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("cache_size = -32768");
    this.db.defaultSafeIntegers(false);
    const db = this.db;
    this.series = new SeriesReader(db);
    this.sql = {
      lists: db.prepare(`SELECT id, name, address, description, messageCount, lastDate FROM "List" ORDER BY name`),
      list: db.prepare(`SELECT id, name, address, description, messageCount, lastDate FROM "List" WHERE name = ?`),
      threadsNewest: db.prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate IS NOT NULL
          ORDER BY t.lastDate DESC, t.id DESC LIMIT ?`,
      ),
      threadsBefore: db.prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate < ? ORDER BY t.lastDate DESC, t.id DESC LIMIT ?`,
      ),
      threadsAfter: db.prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate >= ? ORDER BY t.lastDate ASC, t.id ASC LIMIT ?`,
      ),
      threadsInSecond: db.prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate >= ? AND t.lastDate < ?
          ORDER BY t.lastDate DESC, t.id DESC LIMIT 10000`,
      ),
      messageState: db.prepare(
        `SELECT m.id, m.threadId, m.rawHash, m.date, t.messageCount AS threadCount, t.lastDate AS threadLastDate,
                (SELECT count(*) FROM (SELECT 1 FROM "Message" v WHERE v.listId = m.listId AND v.messageId = m.messageId LIMIT ${MAX_VARIANTS})) AS variants
           FROM "Message" m JOIN "Thread" t ON t.id = m.threadId
          WHERE m.listId = ? AND m.messageId = ? ORDER BY m.id LIMIT 1`,
      ),
      variantIds: db.prepare(`SELECT id FROM "Message" WHERE listId = ? AND messageId = ? ORDER BY id LIMIT ${MAX_VARIANTS}`),
      attachment: db.prepare(
        `SELECT a.filename, a.contentType, a.content, m.id AS messageRowId, m.rawHash, m.date
           FROM "Message" m JOIN "Attachment" a ON a.messageId = m.id
          WHERE m.listId = ? AND m.messageId = ? AND a.position = ? ORDER BY m.id LIMIT 1`,
      ),
      rawById: db.prepare(`SELECT raw FROM "Message" WHERE id = ?`),
      rawVariants: db.prepare(`SELECT raw, rawHash, date FROM "Message" WHERE listId = ? AND messageId = ? ORDER BY id LIMIT ?`),
      thread: db.prepare(`SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.id = ?`),
      threadMembers: db.prepare(
        `SELECT id, messageId, subject, fromName, date, "references", inReplyTo, mergeGuarded, octet_length(bodyText) AS textBytes
           FROM "Message" WHERE threadId = ? ORDER BY date, id LIMIT ${MAX_THREAD_MESSAGES}`,
      ),
      threadRaws: db.prepare(`SELECT raw, rawHash, date FROM "Message" WHERE threadId = ? ORDER BY date, id LIMIT ${MAX_THREAD_MESSAGES}`),
      // length(raw) comes from the record header and reads no mail.
      threadIds: db.prepare(`SELECT id FROM "Message" WHERE threadId = ? ORDER BY date, id LIMIT ${MAX_THREAD_MESSAGES}`),
      threadBytes: db.prepare(`SELECT sum(length(raw)) AS bytes FROM "Message" WHERE threadId = ?`),
      newest: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM "Message" m WHERE m.listId = ? ORDER BY m.date DESC, m.id DESC LIMIT ?`),
      listsWithMid: db.prepare(
        `SELECT l.name FROM "Message" m JOIN "List" l ON l.id = m.listId WHERE m.messageId = ? GROUP BY l.id ORDER BY min(m.id) LIMIT 20`,
      ),
      suggestIn: db.prepare(
        `SELECT m.messageId, m.subject, l.name AS list FROM "Message" m JOIN "List" l ON l.id = m.listId
          WHERE m.listId = ? AND m.messageId >= ? AND m.messageId < ? ORDER BY m.messageId LIMIT 10`,
      ),
      suggestAll: db.prepare(
        `SELECT m.messageId, m.subject, l.name AS list FROM "Message" m JOIN "List" l ON l.id = m.listId
          WHERE m.messageId >= ? AND m.messageId < ? ORDER BY m.messageId LIMIT 10`,
      ),
    };
  }

  private readonly listIds = new Map<string, { id: number; at: number }>();

  /**
   * The list's id, remembered for a few seconds: lists only appear through
   * ingest, and the machine routes need the id, not the counts.
   */
  getListId(name: string): number | null {
    const now = Date.now();
    const known = this.listIds.get(name);
    if (known && now - known.at < LIST_ID_TTL_MS) return known.id;
    const list = this.getList(name);
    if (!list) return null;
    if (this.listIds.size > 1000) this.listIds.clear();
    this.listIds.set(name, { id: list.id, at: now });
    return list.id;
  }

  /** The connection itself, for search (lib/store/sqlite/search.ts), which builds its SQL per query. */
  get connection(): Database.Database {
    return this.db;
  }

  close(): void {
    this.db.close();
  }

  listLists(): ListSummary[] {
    return (this.sql.lists.all() as Row[]).map(toList).map(({ id: _id, ...summary }) => summary);
  }

  getList(name: string): ListRow | null {
    const row = this.sql.list.get(name) as Row | undefined;
    return row ? toList(row) : null;
  }

  /**
   * Threads by latest activity, newest first, 50 a page (lore's index).
   * `before` (lore's ?t=) pages to older threads, `after` back to newer ones.
   * Cursors have lore's one-second resolution, so a page never ends in the
   * middle of a second: threads sharing the boundary second stay together.
   */
  listRecentThreads(listId: number, cursor: { before?: Date | null; after?: Date | null } = {}): ThreadPage {
    const newerFirst = !cursor.after;
    const take = THREADS_PER_PAGE + 1;
    const rows = (
      cursor.after
        ? this.sql.threadsAfter.all(listId, toSqlDate(new Date(secondOf(cursor.after) + 1000)), take)
        : cursor.before
          ? this.sql.threadsBefore.all(listId, toSqlDate(new Date(secondOf(cursor.before))), take)
          : this.sql.threadsNewest.all(listId, take)
    ) as Row[];
    const all = rows.map(toThread);
    const more = all.length > THREADS_PER_PAGE;
    const threads = all.slice(0, THREADS_PER_PAGE);
    if (more) threads.push(...this.restOfBoundarySecond(listId, threads, all[THREADS_PER_PAGE]!));
    threads.sort((a, b) => (b.lastDate?.getTime() ?? 0) - (a.lastDate?.getTime() ?? 0) || b.id - a.id);
    const oldest = threads[threads.length - 1]?.lastDate ?? null;
    const newest = threads[0]?.lastDate ?? null;
    return {
      threads,
      olderCursor: oldest && (newerFirst ? more : true) ? formatCursor(oldest) : null,
      newerCursor: newest && (newerFirst ? Boolean(cursor.before) : more) ? formatCursor(newest) : null,
    };
  }

  private restOfBoundarySecond(listId: number, page: ThreadSummary[], next: ThreadSummary): ThreadSummary[] {
    const boundary = secondOf(page[page.length - 1]!.lastDate!);
    if (secondOf(next.lastDate!) !== boundary) return [];
    const seen = new Set(page.map((t) => t.id));
    const rows = this.sql.threadsInSecond.all(listId, toSqlDate(new Date(boundary)), toSqlDate(new Date(boundary + 1000))) as Row[];
    return rows.map(toThread).filter((t) => !seen.has(t.id));
  }

  /** The first stored message with this Message-ID and its thread's growth, in one indexed read. */
  getMessageState(listId: number, mid: string): MessageState | null {
    const r = this.sql.messageState.get(listId, mid) as Row | undefined;
    if (!r) return null;
    return {
      id: r.id as number, threadId: r.threadId as number, rawHash: r.rawHash as string, date: date(r.date),
      threadCount: r.threadCount as number, threadLastDate: fromSqlDate(r.threadLastDate as string | null), variants: r.variants as number,
    };
  }

  /** Every stored message with this Message-ID in the list, first stored first (lore shows them all). */
  listMessageVariants(list: ListRow, mid: string): MessageView[] {
    const ids = (this.sql.variantIds.all(list.id, mid) as Row[]).map((r) => r.id as number);
    const byId = this.listMessagesById(list, ids);
    return ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [{ ...message, variantIds: ids.filter((other) => other !== id) }] : [];
    });
  }

  /** Raw bytes of the messages with this Message-ID, first stored first (lore's /raw serves them all). */
  listRawVariants(listId: number, mid: string, take = MAX_VARIANTS): RawMessage[] {
    return (this.sql.rawVariants.all(listId, mid, take) as Row[]).map(toRaw);
  }

  /**
   * Attachment `position` (from 0) of the first message with this Message-ID:
   * its stored bytes, or null `content` for rows stored before bytes were kept.
   */
  getAttachment(listId: number, mid: string, position: number): StoredAttachment | null {
    const r = this.sql.attachment.get(listId, mid, position) as Row | undefined;
    if (!r) return null;
    return {
      filename: (r.filename as string | null) ?? null, contentType: r.contentType as string, content: (r.content as Buffer | null) ?? null,
      messageRowId: r.messageRowId as number, rawHash: r.rawHash as string, date: date(r.date),
    };
  }

  getRawById(id: number): Buffer | null {
    return ((this.sql.rawById.get(id) as Row | undefined)?.raw as Buffer | undefined) ?? null;
  }

  getThread(threadId: number): ThreadSummary | null {
    const row = this.sql.thread.get(threadId) as Row | undefined;
    return row ? toThread(row) : null;
  }

  /** The thread's messages without bodies, oldest first: enough to draw the tree. */
  listThreadMembers(threadId: number): ThreadMember[] {
    return (this.sql.threadMembers.all(threadId) as Row[]).map((r) => ({
      id: r.id as number, mid: r.messageId as string, subject: r.subject as string, fromName: r.fromName as string,
      date: date(r.date), textBytes: r.textBytes as number,
      references: threadingReferences(
        splitRefs(r.references as string), (r.inReplyTo as string | null) ?? null, r.messageId as string, Boolean(r.mergeGuarded),
      ),
    }));
  }

  /** Full messages by id (a part of a thread page), with their attachments. */
  listMessagesById(list: ListRow, ids: number[]): Map<number, MessageView> {
    const out = new Map<number, MessageView>();
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const marks = batch.map(() => "?").join(", ");
      const byMessage = new Map<number, AttachmentView[]>();
      const attachments = this.db
        .prepare(`SELECT messageId, position, filename, contentType, size FROM "Attachment" WHERE messageId IN (${marks}) ORDER BY messageId, position`)
        .all(...batch) as Row[];
      for (const a of attachments) {
        const id = a.messageId as number;
        let group = byMessage.get(id);
        if (!group) byMessage.set(id, (group = []));
        group.push(toAttachment(a));
      }
      const rows = this.db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM "Message" m WHERE m.id IN (${marks})`).all(...batch) as Row[];
      for (const r of rows) out.set(r.id as number, toMessageView(r, list, byMessage.get(r.id as number) ?? []));
    }
    return out;
  }

  /** Raw bytes of every message of a thread, oldest first, for t.mbox.gz. */
  listThreadRaws(threadId: number): RawMessage[] {
    return (this.sql.threadRaws.all(threadId) as Row[]).map(toRaw);
  }

  listThreadMessageIds(threadId: number): number[] {
    return (this.sql.threadIds.all(threadId) as Row[]).map((r) => r.id as number);
  }

  /** Raw bytes of these messages, in the order given (a missing id is skipped). */
  listRawsById(ids: number[]): Buffer[] {
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`SELECT id, raw FROM "Message" WHERE id IN (${ids.map(() => "?").join(", ")})`).all(...ids) as Row[];
    const byId = new Map(rows.map((r) => [r.id as number, r.raw as Buffer]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  getThreadRawBytes(threadId: number): number {
    return Number((this.sql.threadBytes.get(threadId) as Row | undefined)?.bytes ?? 0);
  }

  /** Newest messages of a list, for new.atom. */
  listNewestMessages(list: ListRow, take: number): MessageView[] {
    return (this.sql.newest.all(list.id, take) as Row[]).map((r) => toMessageView(r, list, []));
  }

  /** Lists holding this Message-ID, oldest first: /r/<mid>, /all/<mid>/, bare /<mid>. */
  findListsWithMid(mid: string): string[] {
    return (this.sql.listsWithMid.all(mid) as Row[]).map((r) => r.name as string);
  }

  /**
   * Close matches for an unknown Message-ID, like lore's "not found, maybe:":
   * ids starting with it, then with its local part, then with its first chars.
   * Range scans on the messageId index, never a LIKE over the table.
   */
  suggestMids(listId: number | null, mid: string): MidSuggestion[] {
    const prefixes = [mid, mid.split("@")[0] ?? "", mid.slice(0, 12)].filter((p, i, all) => p.length >= 4 && all.indexOf(p) === i);
    for (const prefix of prefixes) {
      const end = `${prefix}\u{10ffff}`;
      const rows = (listId === null ? this.sql.suggestAll.all(prefix, end) : this.sql.suggestIn.all(listId, prefix, end)) as Row[];
      if (rows.length > 0) return rows.map((r) => ({ list: r.list as string, mid: r.messageId as string, subject: r.subject as string }));
    }
    return [];
  }
}

function toAttachment(a: Row): AttachmentView {
  return { position: a.position as number, filename: (a.filename as string | null) ?? null, contentType: a.contentType as string, size: a.size as number };
}

function toRaw(r: Row): RawMessage {
  return { raw: r.raw as Buffer, rawHash: r.rawHash as string, date: date(r.date) };
}

function toMessageView(m: Row, list: ListRow, attachments: AttachmentView[], variantIds: number[] = []): MessageView {
  return {
    id: m.id as number, list: list.name, listAddress: list.address, mid: m.messageId as string, subject: m.subject as string,
    fromName: m.fromName as string, fromAddr: m.fromAddr as string, to: m.toAddrs as string, cc: m.ccAddrs as string,
    date: date(m.date), inReplyTo: (m.inReplyTo as string | null) ?? null, references: splitRefs(m.references as string),
    bodyText: m.bodyText as string, hasPatch: Boolean(m.hasPatch), threadId: m.threadId as number, rawHash: m.rawHash as string,
    attachments, variantIds,
  };
}

function secondOf(d: Date): number {
  return Math.floor(d.getTime() / 1000) * 1000;
}
