// The web server's reads on SQLite, as prepared statements on one read-only
// better-sqlite3 connection per worker process. Synchronous underneath and
// about 20-50 µs a lookup (the machine routes and every cache check cost one
// of these); async on the outside to fit the store contract (lib/store/types.ts).
// Every read is an indexed lookup bounded by LIMIT, so cost does not grow with
// the archive.
import Database from "better-sqlite3";
import { fromSqlDate, toSqlDate } from "./sql-date";
import type {
  ListSummary, MessageView, MidSuggestion, RawMessage, ThreadMember, ThreadPage, ThreadSummary,
} from "../../types";
import {
  MAX_SPANNING_COPIES, MAX_THREAD_MESSAGES, MAX_VARIANTS, THREADS_PER_PAGE,
  type ArchiveReader, type ListRow, type MessageState, type ResolvedMessage, type SpanningMember, type StoredAttachment,
  type ThreadCursor,
} from "../types";
import { formatCursor } from "../../web/cursor";
import { SeriesReader } from "./series-reader";
import { ListIdCache } from "../list-ids";
import { attachmentsOf, rowMapping, secondOf, type Row } from "../rows";


const MESSAGE_COLUMNS = `m.id, m.messageId, m.subject, m.fromName, m.fromAddr, m.toAddrs, m.ccAddrs, m.date, m.inReplyTo,
  m."references", mail.bodyText, m.hasPatch, m.threadId, m.rawHash`;
// MESSAGE_COLUMNS read the body from the stored mail.
const WITH_MAIL = `JOIN "Mail" mail ON mail.id = m.mailId`;
// octet_length reads a text's byte length from its record header, not the text.
const MEMBER_COLUMNS = `m.id, m.messageId, m.subject, m.fromName, m.date, m."references", m.inReplyTo, m.mergeGuarded,
  octet_length(mail.bodyText) AS textBytes`;
const THREAD_COLUMNS = `t.id, t.rootMid, t.subject, t.fromName, t.messageCount, t.firstDate, t.lastDate`;
const STATE_COLUMNS = `m.id, m.threadId, m.rawHash, m.date, t.messageCount AS threadCount, t.lastDate AS threadLastDate, t.subject AS threadSubject, t.rootMid AS threadRootMid,
  (SELECT count(*) FROM (SELECT 1 FROM "Message" v WHERE v.listId = m.listId AND v.messageId = m.messageId LIMIT ${MAX_VARIANTS})) AS variants`;

const { toList, toThread, toState, toRaw, toMessageView, toMember } = rowMapping(readDate);


function readDate(value: unknown): Date | null {
  return fromSqlDate(value as string | number | null);
}

function date(value: unknown): Date {
  return readDate(value) ?? new Date(0);
}




/** A prepared statement that counts its runs into the reader's queryCount. */
type Counted = Pick<Database.Statement, "get" | "all">;

export class SqliteReader implements ArchiveReader {
  private readonly db: Database.Database;
  private readonly sql;
  private runs = 0;
  /** Patch series: the index, a series page, a patch's place, the series mbox. */
  readonly series: SeriesReader;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    // Ingest holds the write lock in bursts; a reader only waits on a checkpoint.
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("cache_size = -32768");
    this.db.defaultSafeIntegers(false);
    const prepare = (sql: string) => this.prepare(sql);
    this.series = new SeriesReader(this.db, prepare);
    this.sql = {
      lists: prepare(`SELECT id, name, address, description, messageCount, lastDate FROM "List" ORDER BY name`),
      list: prepare(`SELECT id, name, address, description, messageCount, lastDate FROM "List" WHERE name = ?`),
      threadsNewest: prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate IS NOT NULL
          ORDER BY t.lastDate DESC, t.id DESC LIMIT ?`,
      ),
      threadsBefore: prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate < ? ORDER BY t.lastDate DESC, t.id DESC LIMIT ?`,
      ),
      threadsAfter: prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate >= ? ORDER BY t.lastDate ASC, t.id ASC LIMIT ?`,
      ),
      threadsInSecond: prepare(
        `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.listId = ? AND t.lastDate >= ? AND t.lastDate < ?
          ORDER BY t.lastDate DESC, t.id DESC LIMIT 10000`,
      ),
      messageState: prepare(
        `SELECT ${STATE_COLUMNS} FROM "Message" m JOIN "Thread" t ON t.id = m.threadId
          WHERE m.listId = ? AND m.messageId = ? ORDER BY m.id LIMIT 1`,
      ),
      // The list, and the message when it is there: a LEFT JOIN tells
      // "no such list" from "no such message" in the same read.
      resolve: prepare(
        `SELECT l.id AS listId, l.name, l.address, l.description, l.messageCount AS listCount, l.lastDate AS listLastDate, ${STATE_COLUMNS}
           FROM "List" l LEFT JOIN "Message" m ON m.listId = l.id AND m.messageId = ?
           LEFT JOIN "Thread" t ON t.id = m.threadId
          WHERE l.name = ? ORDER BY m.id LIMIT 1`,
      ),
      variantIds: prepare(`SELECT id FROM "Message" WHERE listId = ? AND messageId = ? ORDER BY id LIMIT ${MAX_VARIANTS}`),
      attachment: prepare(
        `SELECT a.filename, a.contentType, a.content, m.id AS messageRowId, m.rawHash, m.date
           FROM "Message" m JOIN "Attachment" a ON a.mailId = m.mailId
          WHERE m.listId = ? AND m.messageId = ? AND a.position = ? ORDER BY m.id LIMIT 1`,
      ),
      rawById: prepare(`SELECT mail.raw FROM "Message" m ${WITH_MAIL} WHERE m.id = ?`),
      rawVariants: prepare(
        `SELECT mail.raw, m.rawHash, m.date FROM "Message" m ${WITH_MAIL} WHERE m.listId = ? AND m.messageId = ? ORDER BY m.id LIMIT ?`,
      ),
      thread: prepare(`SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.id = ?`),
      threadMembers: prepare(
        `SELECT ${MEMBER_COLUMNS} FROM "Message" m ${WITH_MAIL} WHERE m.threadId = ? ORDER BY m.date, m.id LIMIT ${MAX_THREAD_MESSAGES}`,
      ),
      // The threads of other lists sharing a Message-ID with these, until no
      // new one turns up; UNION drops repeats, so the walk ends.
      spanningThreads: prepare(
        `WITH RECURSIVE span(threadId) AS (
           SELECT ? UNION
           SELECT other.threadId FROM span JOIN "ThreadRef" own ON own.threadId = span.threadId
             JOIN "ThreadRef" other INDEXED BY "ThreadRef_mid_idx" ON other.mid = own.mid AND other.listId <> own.listId
         ) SELECT threadId FROM span LIMIT ?`,
      ),
      threadRaws: prepare(
        `SELECT mail.raw, m.rawHash, m.date FROM "Message" m ${WITH_MAIL} WHERE m.threadId = ? ORDER BY m.date, m.id LIMIT ${MAX_THREAD_MESSAGES}`,
      ),
      threadIds: prepare(`SELECT id FROM "Message" WHERE threadId = ? ORDER BY date, id LIMIT ${MAX_THREAD_MESSAGES}`),
      // length(raw) comes from the record header and reads no mail.
      threadBytes: prepare(`SELECT sum(length(mail.raw)) AS bytes FROM "Message" m ${WITH_MAIL} WHERE m.threadId = ?`),
      newest: prepare(`SELECT ${MESSAGE_COLUMNS} FROM "Message" m ${WITH_MAIL} WHERE m.listId = ? ORDER BY m.date DESC, m.id DESC LIMIT ?`),
      listsWithMid: prepare(
        `SELECT l.name FROM "Message" m JOIN "List" l ON l.id = m.listId WHERE m.messageId = ? GROUP BY l.id ORDER BY min(m.id) LIMIT 20`,
      ),
      suggestIn: prepare(
        `SELECT m.messageId, m.subject, l.name AS list FROM "Message" m JOIN "List" l ON l.id = m.listId
          WHERE m.listId = ? AND m.messageId >= ? AND m.messageId < ? ORDER BY m.messageId LIMIT 10`,
      ),
      suggestAll: prepare(
        `SELECT m.messageId, m.subject, l.name AS list FROM "Message" m JOIN "List" l ON l.id = m.listId
          WHERE m.messageId >= ? AND m.messageId < ? ORDER BY m.messageId LIMIT 10`,
      ),
    };
  }

  private prepare(sql: string): Counted {
    const statement = this.db.prepare(sql);
    const count = () => this.runs++;
    return {
      get: (...params: unknown[]) => (count(), statement.get(...params)),
      all: (...params: unknown[]) => (count(), statement.all(...params)),
    } as Counted;
  }

  get queryCount(): number {
    return this.runs;
  }

  private readonly listIds = new ListIdCache((name) => this.getList(name));

  getListId(name: string): Promise<number | null> {
    return this.listIds.get(name);
  }

  /** The connection itself, for search (lib/store/sqlite/search.ts), which builds its SQL per query. */
  get connection(): Database.Database {
    return this.db;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async listLists(): Promise<ListSummary[]> {
    return (this.sql.lists.all() as Row[]).map(toList).map(({ id: _id, ...summary }) => summary);
  }

  async getList(name: string): Promise<ListRow | null> {
    const row = this.sql.list.get(name) as Row | undefined;
    return row ? toList(row) : null;
  }

  async resolveMessage(listName: string, mid: string): Promise<ResolvedMessage | null> {
    const r = this.sql.resolve.get(mid, listName) as Row | undefined;
    if (!r) return null;
    const list = toList({
      id: r.listId, name: r.name, address: r.address, description: r.description, messageCount: r.listCount, lastDate: r.listLastDate,
    });
    return { list, message: r.id === null ? null : toState(r) };
  }

  /**
   * Threads by latest activity, newest first, 50 a page (lore's index).
   * `before` (lore's ?t=) pages to older threads, `after` back to newer ones.
   * Cursors have lore's one-second resolution, so a page never ends in the
   * middle of a second: threads sharing the boundary second stay together.
   */
  async listRecentThreads(listId: number, cursor: ThreadCursor = {}): Promise<ThreadPage> {
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
  async getMessageState(listId: number, mid: string): Promise<MessageState | null> {
    const r = this.sql.messageState.get(listId, mid) as Row | undefined;
    return r ? toState(r) : null;
  }

  /** Every stored message with this Message-ID in the list, first stored first (lore shows them all). */
  async listMessageVariants(list: ListRow, mid: string): Promise<MessageView[]> {
    const ids = (this.sql.variantIds.all(list.id, mid) as Row[]).map((r) => r.id as number);
    const byId = await this.listMessagesById(list, ids);
    return ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [{ ...message, variantIds: ids.filter((other) => other !== id) }] : [];
    });
  }

  /** Raw bytes of the messages with this Message-ID, first stored first (lore's /raw serves them all). */
  async listRawVariants(listId: number, mid: string, take = MAX_VARIANTS): Promise<RawMessage[]> {
    return (this.sql.rawVariants.all(listId, mid, take) as Row[]).map(toRaw);
  }

  /**
   * Attachment `position` (from 0) of the first message with this Message-ID:
   * its stored bytes, or null `content` for rows stored before bytes were kept.
   */
  async getAttachment(listId: number, mid: string, position: number): Promise<StoredAttachment | null> {
    const r = this.sql.attachment.get(listId, mid, position) as Row | undefined;
    if (!r) return null;
    return {
      filename: (r.filename as string | null) ?? null, contentType: r.contentType as string, content: (r.content as Buffer | null) ?? null,
      messageRowId: r.messageRowId as number, rawHash: r.rawHash as string, date: date(r.date),
    };
  }

  async getRawById(id: number): Promise<Buffer | null> {
    return ((this.sql.rawById.get(id) as Row | undefined)?.raw as Buffer | undefined) ?? null;
  }

  async getThread(threadId: number): Promise<ThreadSummary | null> {
    const row = this.sql.thread.get(threadId) as Row | undefined;
    return row ? toThread(row) : null;
  }

  /** The thread's messages without bodies, oldest first: enough to draw the tree. */
  async listThreadMembers(threadId: number): Promise<ThreadMember[]> {
    return (this.sql.threadMembers.all(threadId) as Row[]).map(toMember);
  }

  async listSpanningThreadIds(threadId: number, limit: number): Promise<number[]> {
    return (this.sql.spanningThreads.all(threadId, limit) as Row[]).map((r) => r.threadId as number);
  }

  async listSpanningMembers(threadIds: number[]): Promise<SpanningMember[]> {
    if (threadIds.length === 0) return [];
    const rows = this.prepare(
      `SELECT ${MEMBER_COLUMNS}, m.listId, l.name AS list, m.mailId FROM "Message" m ${WITH_MAIL} JOIN "List" l ON l.id = m.listId
        WHERE m.threadId IN (${threadIds.map(() => "?").join(", ")}) ORDER BY m.date, m.id LIMIT ${MAX_SPANNING_COPIES}`,
    ).all(...threadIds) as Row[];
    return rows.map((r) => ({ ...toMember(r), listId: r.listId as number, list: r.list as string, mailId: r.mailId as number }));
  }

  /**
   * Full messages by id (a part of a thread page), with their attachments
   * folded in as JSON: one statement per 500 ids, and a thread part never
   * holds more (lib/threading/thread-parts.ts).
   */
  async listMessagesById(list: ListRow, ids: number[]): Promise<Map<number, MessageView>> {
    const out = new Map<number, MessageView>();
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const rows = this.prepare(
        `SELECT ${MESSAGE_COLUMNS},
                (SELECT json_group_array(json_array(a.position, a.filename, a.contentType, a.size))
                   FROM (SELECT position, filename, contentType, size FROM "Attachment" WHERE mailId = m.mailId ORDER BY position) a
                ) AS attachments
           FROM "Message" m ${WITH_MAIL} WHERE m.id IN (${batch.map(() => "?").join(", ")})`,
      ).all(...batch) as Row[];
      for (const r of rows) out.set(r.id as number, toMessageView(r, list, attachmentsOf(r.attachments === null ? null : JSON.parse(r.attachments as string))));
    }
    return out;
  }

  /** Raw bytes of every message of a thread, oldest first, for t.mbox.gz. */
  async listThreadRaws(threadId: number): Promise<RawMessage[]> {
    return (this.sql.threadRaws.all(threadId) as Row[]).map(toRaw);
  }

  async listThreadMessageIds(threadId: number): Promise<number[]> {
    return (this.sql.threadIds.all(threadId) as Row[]).map((r) => r.id as number);
  }

  /** Raw bytes of these messages, in the order given (a missing id is skipped). */
  async listRawsById(ids: number[]): Promise<Buffer[]> {
    if (ids.length === 0) return [];
    const rows = this.prepare(`SELECT m.id, mail.raw FROM "Message" m ${WITH_MAIL} WHERE m.id IN (${ids.map(() => "?").join(", ")})`).all(...ids) as Row[];
    const byId = new Map(rows.map((r) => [r.id as number, r.raw as Buffer]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async getThreadRawBytes(threadId: number): Promise<number> {
    return Number((this.sql.threadBytes.get(threadId) as Row | undefined)?.bytes ?? 0);
  }

  /** Newest messages of a list, for new.atom. */
  async listNewestMessages(list: ListRow, take: number): Promise<MessageView[]> {
    return (this.sql.newest.all(list.id, take) as Row[]).map((r) => toMessageView(r, list, []));
  }

  /** Lists holding this Message-ID, oldest first: /r/<mid>, /all/<mid>/, bare /<mid>. */
  async findListsWithMid(mid: string): Promise<string[]> {
    return (this.sql.listsWithMid.all(mid) as Row[]).map((r) => r.name as string);
  }

  /**
   * Close matches for an unknown Message-ID, like lore's "not found, maybe:":
   * ids starting with it, then with its local part, then with its first chars.
   * Range scans on the messageId index, never a LIKE over the table.
   */
  async suggestMids(listId: number | null, mid: string): Promise<MidSuggestion[]> {
    const prefixes = [mid, mid.split("@")[0] ?? "", mid.slice(0, 12)].filter((p, i, all) => p.length >= 4 && all.indexOf(p) === i);
    for (const prefix of prefixes) {
      const end = `${prefix}\u{10ffff}`;
      const rows = (listId === null ? this.sql.suggestAll.all(prefix, end) : this.sql.suggestIn.all(listId, prefix, end)) as Row[];
      if (rows.length > 0) return rows.map((r) => ({ list: r.list as string, mid: r.messageId as string, subject: r.subject as string }));
    }
    return [];
  }
}





