// The web server's reads on PostgreSQL: the same reads as the SQLite reader
// (lib/store/sqlite/reader.ts), with the same bounds and the same answers, as
// parameterised statements on a small pool. Every read is an indexed lookup
// bounded by a LIMIT; the statements the pages run most are in READER_SQL so
// the contract test can EXPLAIN them (test/store/contract.test.ts).
//
// What differs from SQLite underneath, and how the answers stay the same:
// - text order: SQLite compares bytes; PostgreSQL uses the database's
//   collation, so every ORDER BY or range over text says COLLATE "C" (byte
//   order of UTF-8, as SQLite), and the Message-ID range scans of suggestMids
//   have their own index in that order (migrations/*_message_id_byte_order);
// - one round trip costs more than a SQLite lookup, so attachments come with
//   the bodies as JSON and id lists go as one array parameter (= ANY($1)),
//   never as one statement per 500 ids;
// - dates are bound as ISO strings and compared as timestamptz; they come back
//   as Date, booleans as booleans, counts as numbers (lib/store/postgres/pool.ts).
//
// A message row is one list's copy; its bytes, text and attachments are its
// Mail's (one for every list carrying it), so reads of them join "Mail" on
// m."mailId" (alias ma) in the same statement.
import pg from "pg";
import type {
  ListSummary, MessageView, MidSuggestion, RawMessage, ThreadMember, ThreadPage, ThreadSummary,
} from "../../types";
import {
  MAX_SPANNING_COPIES, MAX_THREAD_MESSAGES, MAX_VARIANTS, THREADS_PER_PAGE,
  type ArchiveReader, type ListRow, type MessageState, type ResolvedMessage, type SpanningMember, type StoredAttachment, type ThreadCursor,
} from "../types";
import { formatCursor } from "../../web/cursor";
import { openPool } from "./pool";
import { PostgresSeriesReader } from "./series-reader";
import { ListIdCache } from "../list-ids";
import { attachmentsOf, rowMapping, secondOf, type Row } from "../rows";

export type { Row };

/** Runs one statement and returns its rows; the reader's counts into queryCount. */
export type Run = <T extends Row = Row>(sql: string, params?: readonly unknown[]) => Promise<T[]>;

const MESSAGE_COLUMNS = `m.id, m."messageId", m.subject, m."fromName", m."fromAddr", m."toAddrs", m."ccAddrs", m.date, m."inReplyTo",
  m."references", ma."bodyText", m."hasPatch", m."threadId", m."rawHash"`;
// octet_length reads the stored size (toast header), not the text: UTF-8 bytes, as SQLite's.
const MEMBER_COLUMNS = `m.id, m."messageId", m.subject, m."fromName", m.date, m."references", m."inReplyTo", m."mergeGuarded",
  octet_length(ma."bodyText") AS "textBytes"`;
const WITH_MAIL = `"Message" m JOIN "Mail" ma ON ma.id = m."mailId"`;
const THREAD_COLUMNS = `t.id, t."rootMid", t.subject, t."fromName", t."messageCount", t."firstDate", t."lastDate"`;
const LIST_COLUMNS = `id, name, address, description, "messageCount", "lastDate"`;
const STATE_COLUMNS = `m.id, m."threadId", m."rawHash", m.date, t."messageCount" AS "threadCount", t."lastDate" AS "threadLastDate",
  t.subject AS "threadSubject", t."rootMid" AS "threadRootMid",
  (SELECT count(*) FROM (SELECT 1 FROM "Message" v WHERE v."listId" = m."listId" AND v."messageId" = m."messageId" LIMIT ${MAX_VARIANTS}) v) AS variants`;
const SUGGESTION_COLUMNS = `m."messageId", m.subject, m.id`;

/** The reader's statements, by name: what the contract test EXPLAINs. */
export const READER_SQL = {
  lists: `SELECT ${LIST_COLUMNS} FROM "List" ORDER BY name COLLATE "C"`,
  list: `SELECT ${LIST_COLUMNS} FROM "List" WHERE name = $1`,
  threadsNewest: `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t."listId" = $1 AND t."lastDate" IS NOT NULL
    ORDER BY t."lastDate" DESC, t.id DESC LIMIT $2`,
  threadsBefore: `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t."listId" = $1 AND t."lastDate" < $2
    ORDER BY t."lastDate" DESC, t.id DESC LIMIT $3`,
  threadsAfter: `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t."listId" = $1 AND t."lastDate" >= $2
    ORDER BY t."lastDate" ASC, t.id ASC LIMIT $3`,
  threadsInSecond: `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t."listId" = $1 AND t."lastDate" >= $2 AND t."lastDate" < $3
    ORDER BY t."lastDate" DESC, t.id DESC LIMIT 10000`,
  messageState: `SELECT ${STATE_COLUMNS} FROM "Message" m JOIN "Thread" t ON t.id = m."threadId"
    WHERE m."listId" = $1 AND m."messageId" = $2 ORDER BY m.id LIMIT 1`,
  // The list, and the message when it is there: a LEFT JOIN tells "no such
  // list" from "no such message" in the same read. The message is the first
  // stored with this Message-ID, so the join is a LATERAL with its own LIMIT.
  resolve: `SELECT l.id AS "listId", l.name, l.address, l.description, l."messageCount" AS "listCount", l."lastDate" AS "listLastDate", s.*
    FROM "List" l LEFT JOIN LATERAL (
      SELECT ${STATE_COLUMNS} FROM "Message" m JOIN "Thread" t ON t.id = m."threadId"
       WHERE m."listId" = l.id AND m."messageId" = $1 ORDER BY m.id LIMIT 1
    ) s ON true
    WHERE l.name = $2`,
  variantIds: `SELECT id FROM "Message" WHERE "listId" = $1 AND "messageId" = $2 ORDER BY id LIMIT ${MAX_VARIANTS}`,
  attachment: `SELECT a.filename, a."contentType", a.content, m.id AS "messageRowId", m."rawHash", m.date
    FROM "Message" m JOIN "Attachment" a ON a."mailId" = m."mailId"
    WHERE m."listId" = $1 AND m."messageId" = $2 AND a.position = $3 ORDER BY m.id LIMIT 1`,
  rawById: `SELECT ma.raw FROM ${WITH_MAIL} WHERE m.id = $1`,
  rawVariants: `SELECT ma.raw, m."rawHash", m.date FROM ${WITH_MAIL} WHERE m."listId" = $1 AND m."messageId" = $2 ORDER BY m.id LIMIT $3`,
  thread: `SELECT ${THREAD_COLUMNS} FROM "Thread" t WHERE t.id = $1`,
  threadMembers: `SELECT ${MEMBER_COLUMNS} FROM ${WITH_MAIL} WHERE m."threadId" = $1 ORDER BY m.date, m.id LIMIT ${MAX_THREAD_MESSAGES}`,
  // Every list's threads that share a Message-ID with one found so far, this
  // thread first. PostgreSQL runs a WITH RECURSIVE only as far as the outer
  // query reads it, so the LIMIT bounds the walk, and rows come in the order
  // found (breadth first); UNION drops threads already found, so it ends.
  // The other lists' rows of a Message-ID come from ThreadRef_mid_idx.
  spanningThreadIds: `WITH RECURSIVE span(id) AS (
      SELECT $1::int
      UNION
      SELECT o."threadId" FROM span s JOIN "ThreadRef" r ON r."threadId" = s.id
        JOIN "ThreadRef" o ON o.mid = r.mid AND o."listId" <> r."listId"
    )
    SELECT id FROM span LIMIT $2`,
  spanningMembers: `SELECT ${MEMBER_COLUMNS}, m."listId", l.name AS list, m."mailId" FROM ${WITH_MAIL} JOIN "List" l ON l.id = m."listId"
    WHERE m."threadId" = ANY($1::int[]) ORDER BY m.date, m.id LIMIT ${MAX_SPANNING_COPIES}`,
  threadRaws: `SELECT ma.raw, m."rawHash", m.date FROM ${WITH_MAIL} WHERE m."threadId" = $1 ORDER BY m.date, m.id LIMIT ${MAX_THREAD_MESSAGES}`,
  threadIds: `SELECT id FROM "Message" WHERE "threadId" = $1 ORDER BY date, id LIMIT ${MAX_THREAD_MESSAGES}`,
  threadBytes: `SELECT sum(octet_length(ma.raw)) AS bytes FROM ${WITH_MAIL} WHERE m."threadId" = $1`,
  // Full messages with their attachments folded in as JSON: one statement.
  messagesById: `SELECT ${MESSAGE_COLUMNS},
      (SELECT json_agg(json_build_array(a.position, a.filename, a."contentType", a.size) ORDER BY a.position)
         FROM "Attachment" a WHERE a."mailId" = m."mailId") AS attachments
    FROM ${WITH_MAIL} WHERE m.id = ANY($1::int[])`,
  rawsById: `SELECT m.id, ma.raw FROM ${WITH_MAIL} WHERE m.id = ANY($1::int[])`,
  newest: `SELECT ${MESSAGE_COLUMNS} FROM ${WITH_MAIL} WHERE m."listId" = $1 ORDER BY m.date DESC, m.id DESC LIMIT $2`,
  listsWithMid: `SELECT l.name FROM "Message" m JOIN "List" l ON l.id = m."listId" WHERE m."messageId" = $1
    GROUP BY l.id ORDER BY min(m.id) LIMIT 20`,
  // Byte order (COLLATE "C", the index of migrations/*_message_id_byte_order);
  // ties by id, as SQLite's messageId index holds its rowid.
  suggestIn: `SELECT ${SUGGESTION_COLUMNS}, l.name AS list FROM "Message" m JOIN "List" l ON l.id = m."listId"
    WHERE m."listId" = $1 AND m."messageId" COLLATE "C" >= $2 AND m."messageId" COLLATE "C" < $3
    ORDER BY m."messageId" COLLATE "C", m.id LIMIT 10`,
  // Every list: one range scan per list on the same index, the ten first of all kept.
  suggestAll: `SELECT s."messageId", s.subject, s.id, l.name AS list FROM "List" l CROSS JOIN LATERAL (
      SELECT ${SUGGESTION_COLUMNS} FROM "Message" m
       WHERE m."listId" = l.id AND m."messageId" COLLATE "C" >= $1 AND m."messageId" COLLATE "C" < $2
       ORDER BY m."messageId" COLLATE "C", m.id LIMIT 10
    ) s
    ORDER BY s."messageId" COLLATE "C", s.id LIMIT 10`,
} as const;

/**
 * Parameters as lookup keys. PostgreSQL text cannot hold NUL and refuses a
 * parameter with one, where SQLite just finds nothing: no stored name or
 * Message-ID holds NUL (lib/mail/mid.ts drops control characters), so such a
 * key is bound as NULL, which equals nothing and finds nothing, as in SQLite.
 */
export function keyParams(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === "string" && p.includes("\0") ? null : p));
}

function date(value: unknown): Date {
  return value instanceof Date ? value : new Date(0);
}

function maybeDate(value: unknown): Date | null {
  return value instanceof Date ? value : null;
}

const { toList, toThread, toState, toRaw, toMessageView, toMember } = rowMapping(maybeDate);


// Four-digit years, as the SQLite store clamps them (lib/store/sqlite/sql-date.ts):
// the sentinel new Date(8.64e15) would print as "+275760-09-13…", which
// PostgreSQL does not read.
const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

/** A Date bound as PostgreSQL reads it whatever the process's time zone (ISO, UTC, four-digit year). */
export function pgDate(d: Date): string {
  return new Date(Math.min(Math.max(d.getTime(), MIN_TIME), MAX_TIME)).toISOString();
}




export interface PostgresReaderOptions {
  /** Connections when the reader opens its own pool (default 4). */
  max?: number;
  applicationName?: string;
}

export class PostgresReader implements ArchiveReader {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private runs = 0;
  /** Patch series: the index, a series page, a patch's place, the series mbox. */
  readonly series: PostgresSeriesReader;

  /**
   * On a URL the reader opens (and closes) a pool of its own, whose sessions
   * are read-only; given a pool, it only borrows it.
   */
  constructor(source: string | pg.Pool, options: PostgresReaderOptions = {}) {
    if (typeof source === "string") {
      this.pool = openPool(source, { max: options.max ?? 4, applicationName: options.applicationName ?? "mail-archive reader", readOnly: true });
      this.ownsPool = true;
    } else {
      this.pool = source;
      this.ownsPool = false;
    }
    this.series = new PostgresSeriesReader(this.run);
  }

  /** Every statement goes through here: counted, parameterised. */
  private readonly run: Run = async <T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> => {
    this.runs++;
    return (await this.pool.query<T>(sql, keyParams(params))).rows;
  };

  get queryCount(): number {
    return this.runs;
  }

  private readonly listIds = new ListIdCache((name) => this.getList(name));

  getListId(name: string): Promise<number | null> {
    return this.listIds.get(name);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  async listLists(): Promise<ListSummary[]> {
    return (await this.run(READER_SQL.lists)).map(toList).map(({ id: _id, ...summary }) => summary);
  }

  async getList(name: string): Promise<ListRow | null> {
    const [row] = await this.run(READER_SQL.list, [name]);
    return row ? toList(row) : null;
  }

  async resolveMessage(listName: string, mid: string): Promise<ResolvedMessage | null> {
    const [r] = await this.run(READER_SQL.resolve, [mid, listName]);
    if (!r) return null;
    const list = toList({
      id: r.listId, name: r.name, address: r.address, description: r.description, messageCount: r.listCount, lastDate: r.listLastDate,
    });
    return { list, message: r.id === null || r.id === undefined ? null : toState(r) };
  }

  /**
   * Threads by latest activity, newest first, 50 a page (lore's index), with
   * the SQLite reader's cursors: `before` pages to older threads, `after` back
   * to newer ones, and a page never ends in the middle of a second.
   */
  async listRecentThreads(listId: number, cursor: ThreadCursor = {}): Promise<ThreadPage> {
    const newerFirst = !cursor.after;
    const take = THREADS_PER_PAGE + 1;
    const rows = cursor.after
      ? await this.run(READER_SQL.threadsAfter, [listId, pgDate(new Date(secondOf(cursor.after) + 1000)), take])
      : cursor.before
        ? await this.run(READER_SQL.threadsBefore, [listId, pgDate(new Date(secondOf(cursor.before))), take])
        : await this.run(READER_SQL.threadsNewest, [listId, take]);
    const all = rows.map(toThread);
    const more = all.length > THREADS_PER_PAGE;
    const threads = all.slice(0, THREADS_PER_PAGE);
    if (more) threads.push(...(await this.restOfBoundarySecond(listId, threads, all[THREADS_PER_PAGE]!)));
    threads.sort((a, b) => (b.lastDate?.getTime() ?? 0) - (a.lastDate?.getTime() ?? 0) || b.id - a.id);
    const oldest = threads[threads.length - 1]?.lastDate ?? null;
    const newest = threads[0]?.lastDate ?? null;
    return {
      threads,
      olderCursor: oldest && (newerFirst ? more : true) ? formatCursor(oldest) : null,
      newerCursor: newest && (newerFirst ? Boolean(cursor.before) : more) ? formatCursor(newest) : null,
    };
  }

  private async restOfBoundarySecond(listId: number, page: ThreadSummary[], next: ThreadSummary): Promise<ThreadSummary[]> {
    const boundary = secondOf(page[page.length - 1]!.lastDate!);
    if (secondOf(next.lastDate!) !== boundary) return [];
    const seen = new Set(page.map((t) => t.id));
    const rows = await this.run(READER_SQL.threadsInSecond, [listId, pgDate(new Date(boundary)), pgDate(new Date(boundary + 1000))]);
    return rows.map(toThread).filter((t) => !seen.has(t.id));
  }

  async getMessageState(listId: number, mid: string): Promise<MessageState | null> {
    const [r] = await this.run(READER_SQL.messageState, [listId, mid]);
    return r ? toState(r) : null;
  }

  /** Every stored message with this Message-ID in the list, first stored first. */
  async listMessageVariants(list: ListRow, mid: string): Promise<MessageView[]> {
    const ids = (await this.run<{ id: number }>(READER_SQL.variantIds, [list.id, mid])).map((r) => r.id);
    if (ids.length === 0) return [];
    const byId = await this.listMessagesById(list, ids);
    return ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [{ ...message, variantIds: ids.filter((other) => other !== id) }] : [];
    });
  }

  async listRawVariants(listId: number, mid: string, take = MAX_VARIANTS): Promise<RawMessage[]> {
    return (await this.run(READER_SQL.rawVariants, [listId, mid, take])).map(toRaw);
  }

  async getAttachment(listId: number, mid: string, position: number): Promise<StoredAttachment | null> {
    const [r] = await this.run(READER_SQL.attachment, [listId, mid, position]);
    if (!r) return null;
    return {
      filename: (r.filename as string | null) ?? null, contentType: r.contentType as string, content: (r.content as Buffer | null) ?? null,
      messageRowId: r.messageRowId as number, rawHash: r.rawHash as string, date: date(r.date),
    };
  }

  async getRawById(id: number): Promise<Buffer | null> {
    const [r] = await this.run(READER_SQL.rawById, [id]);
    return (r?.raw as Buffer | undefined) ?? null;
  }

  async getThread(threadId: number): Promise<ThreadSummary | null> {
    const [row] = await this.run(READER_SQL.thread, [threadId]);
    return row ? toThread(row) : null;
  }

  async listThreadMembers(threadId: number): Promise<ThreadMember[]> {
    return (await this.run(READER_SQL.threadMembers, [threadId])).map(toMember);
  }

  async listSpanningThreadIds(threadId: number, limit: number): Promise<number[]> {
    return (await this.run<{ id: number }>(READER_SQL.spanningThreadIds, [threadId, limit])).map((r) => r.id);
  }

  async listSpanningMembers(threadIds: number[]): Promise<SpanningMember[]> {
    if (threadIds.length === 0) return [];
    return (await this.run(READER_SQL.spanningMembers, [threadIds])).map((r) => ({
      ...toMember(r), listId: r.listId as number, list: r.list as string, mailId: r.mailId as number,
    }));
  }

  /** Full messages by id with their attachments: one statement, whatever the number of ids. */
  async listMessagesById(list: ListRow, ids: number[]): Promise<Map<number, MessageView>> {
    const out = new Map<number, MessageView>();
    if (ids.length === 0) return out;
    for (const r of await this.run(READER_SQL.messagesById, [ids])) {
      out.set(r.id as number, toMessageView(r, list, attachmentsOf(r.attachments)));
    }
    return out;
  }

  async listThreadRaws(threadId: number): Promise<RawMessage[]> {
    return (await this.run(READER_SQL.threadRaws, [threadId])).map(toRaw);
  }

  async listThreadMessageIds(threadId: number): Promise<number[]> {
    return (await this.run<{ id: number }>(READER_SQL.threadIds, [threadId])).map((r) => r.id);
  }

  /** Raw bytes of these messages, in the order given (a missing id is skipped). */
  async listRawsById(ids: number[]): Promise<Buffer[]> {
    if (ids.length === 0) return [];
    const rows = await this.run<{ id: number; raw: Buffer }>(READER_SQL.rawsById, [ids]);
    const byId = new Map(rows.map((r) => [r.id, r.raw]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async getThreadRawBytes(threadId: number): Promise<number> {
    const [r] = await this.run(READER_SQL.threadBytes, [threadId]);
    return Number(r?.bytes ?? 0);
  }

  async listNewestMessages(list: ListRow, take: number): Promise<MessageView[]> {
    return (await this.run(READER_SQL.newest, [list.id, take])).map((r) => toMessageView(r, list, []));
  }

  async findListsWithMid(mid: string): Promise<string[]> {
    return (await this.run<{ name: string }>(READER_SQL.listsWithMid, [mid])).map((r) => r.name);
  }

  /**
   * Close matches for an unknown Message-ID, as the SQLite reader finds them:
   * ids starting with it, then with its local part, then with its first
   * chars; range scans in byte order, never a LIKE over the table.
   */
  async suggestMids(listId: number | null, mid: string): Promise<MidSuggestion[]> {
    const prefixes = [mid, mid.split("@")[0] ?? "", mid.slice(0, 12)].filter((p, i, all) => p.length >= 4 && all.indexOf(p) === i);
    for (const prefix of prefixes) {
      const end = `${prefix}\u{10ffff}`;
      const rows = listId === null
        ? await this.run(READER_SQL.suggestAll, [prefix, end])
        : await this.run(READER_SQL.suggestIn, [listId, prefix, end]);
      if (rows.length > 0) return rows.map((r) => ({ list: r.list as string, mid: r.messageId as string, subject: r.subject as string }));
    }
    return [];
  }
}





