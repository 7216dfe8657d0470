// The DB side of search: the only module that runs compiled search SQL
// (lib/search/query-parse.ts parses lore's syntax, lib/store/sqlite/query-compile.ts turns it into
// a WHERE over alias m; user text only ever reaches SQLite as bound params).
//
// Every query is bounded, because better-sqlite3 has no statement timeout
// and one slow statement blocks the whole server:
// - a text query (words, phrases, AND/OR/NOT of them, with d: ranges) is
//   answered by the full-text index alone: its rowids sort newest first (the
//   mail_once migration), so a page is the first rows of the MATCH and the
//   count its first countCap + 1, however many messages match;
// - any other query walks the message table through the (listId, date)
//   index, which holds date and rowid: text terms are checked against the
//   set of matching rows (built once per statement), so no row of the big
//   Message table is read until the ≤ 50 hits of the page are fetched;
// - counts stop at SEARCH_LIMITS.countCap, paging at pageCap, and relevance
//   scores only the newest rankCandidates hits;
// - a phrase costs FTS5 one doclist read per word, so words per phrase and per
//   query are capped (a 1,000-word identifier took 2 s before this cap);
// - downloads (x=m) are capped in messages and bytes, and stream in batches.
import { pipeline, Readable } from "node:stream";
import { createGzip } from "node:zlib";
import Database from "better-sqlite3";
import { databaseFile } from "../db-path";
import { formatMboxrd } from "../../mail/mbox";
import { compileQuery, compileTextQuery, type TextQuery } from "./query-compile";
import { checkCost, positiveTerms } from "../../search/cost";
import { SEARCH_LIMITS, type SearchOrder } from "../../search/limits";
import { parseQuery, QueryError, type Field } from "../../search/query-parse";
import { INDEX_REFUSAL, pagingRefusal, readPageRequest, refusedPage, resultPage, toSearchHit } from "../../search/page";
import { fromSqlDate, toSqlDate } from "./sql-date";

import type { MboxOptions, MboxPlan, SearchHit, SearchIndex, SearchOptions, SearchResult } from "../types";

let defaultConnection: Database.Database | null = null;

/** The web server passes its worker's read connection; tools and tests get one on DATABASE_URL. */
function connectionOf(db: Database.Database | undefined): Database.Database {
  if (db) return db;
  defaultConnection ??= new Database(databaseFile(), { readonly: true, fileMustExist: true });
  return defaultConnection;
}

// Prepared per call: the SQL differs with every query; preparing costs microseconds.
async function rawQuery<T = unknown[]>(db: Database.Database, sql: string, ...params: SqlParam[]): Promise<T> {
  return db.prepare(sql).all(...params) as T;
}

type SqlParam = string | number;

/** A query ready to run: compiled SQL plus what pages need to mark matches. */
export interface SearchPlan {
  where: string;
  params: SqlParam[];
  /** The query pins Message-IDs (m:x, m:x AND ...): the messageId index drives it. */
  byMid: boolean;
  /** FTS5 expression OR-ing every positive text term, for bm25; null without one. */
  rankMatch: string | null;
  /** The query as one MATCH and a date range, when it is one: answered in the index's date order. */
  text: TextQuery | null;
  subjectTerms: string[];
  bodyTerms: string[];
}

const HAS_TOKEN = /[\p{L}\p{N}\p{Co}]/u;
const DATE_INDEX = `INDEXED BY "Message_listId_date_idx"`;
// bm25 column weights in message_fts order: subject, fromName, fromAddr,
// toAddrs, ccAddrs, bodyText, list. A word in the subject says more than one
// in a 2,000-line patch, as in public-inbox's Xapian weighting.
const BM25 = "bm25(message_fts, 10.0, 4.0, 4.0, 1.0, 1.0, 1.0, 0.0)";
// Full-text positions per millisecond of date (the mail_once migration).
const SLOT = 32768n;
const MID_TEST = "m.messageId = ?";
const MBOX_BATCH = 64;

/** Parses, checks and compiles a query. Throws QueryError only. */
export function planSearch(q: string, now: Date = new Date()): SearchPlan {
  const ast = parseQuery(q, now);
  const terms = positiveTerms(ast);
  checkCost(ast);
  const compiled = compileQuery(ast);
  const byMid = ast.type === "mid" || (ast.type === "and" && ast.children.some((c) => c.type === "mid"));
  // Walking the date index, a messageId test would read every table row; as a
  // rowid set it is one index lookup. (Only a speed-up: if the compiler ever
  // words it differently, the query stays correct.)
  const where = byMid
    ? compiled.where
    : compiled.where.replaceAll(MID_TEST, `m.id IN (SELECT id FROM "Message" WHERE messageId = ?)`);
  // Terms without a letter or digit (`***`) match nothing and compile to nothing.
  const ranked = terms.filter((t) => HAS_TOKEN.test(t.text));
  let rankMatch: string | null = null;
  if (ranked.length > 0) {
    const rank = compileQuery(ranked.length === 1 ? ranked[0]! : { type: "or", children: ranked });
    const first = rank.params[0];
    // A pure-text query compiles to exactly one MATCH parameter.
    if (rank.params.length === 1 && typeof first === "string") rankMatch = first;
  }
  const textOf = (fields: Field[]) => terms.filter((t) => fields.includes(t.field)).map((t) => t.text);
  return {
    where,
    params: compiled.params.map((p) => (p instanceof Date ? toSqlDate(p) : p)),
    byMid,
    rankMatch,
    text: compileTextQuery(ast),
    subjectTerms: textOf(["subject", "subjectBody", "any"]),
    bodyTerms: textOf(["body", "subjectBody", "any"]),
  };
}

// /all/ shows each mail once: the first list's copy (its full-text row carries the token "all").
function listFilter(list: string | null): { sql: string; params: SqlParam[] } {
  return list === null
    ? { sql: `m.listId IN (SELECT id FROM "List") AND NOT EXISTS (SELECT 1 FROM "Message" o WHERE o.mailId = m.mailId AND o.id < m.id)`, params: [] }
    : { sql: `m.listId = (SELECT id FROM "List" WHERE name = ?)`, params: [list] };
}

// FROM + WHERE selecting the hits; ORDER BY date then walks the index.
function hitsFrom(plan: SearchPlan, list: string | null, seriesRoots = false): { sql: string; params: SqlParam[] } {
  const lf = listFilter(list);
  const roots = seriesRoots ? ` AND m.id IN (SELECT rootMessageId FROM "SeriesVersion")` : "";
  return {
    sql: `FROM "Message" m ${plan.byMid ? "" : DATE_INDEX} WHERE ${lf.sql}${roots} AND (${plan.where})`,
    params: [...lf.params, ...plan.params],
  };
}

// `+m.date` keeps the planner from walking the date index for a query the
// messageId index answers in a few rows.
function dateOrder(plan: SearchPlan, dir: "ASC" | "DESC"): string {
  return `ORDER BY ${plan.byMid ? "+m.date" : "m.date"} ${dir}, m.id ${dir}`;
}

/**
 * One page in relevance order. bm25 is computed by FTS5 for every row its
 * MATCH visits, so the match is confined to the rowid span of the newest
 * rankCandidates hits (rowids follow arrival, which follows date closely);
 * only hits inside that candidate set are ranked. Hits without a positive
 * word (d:… OR foo) rank last, newest first.
 */
function rankedPage(
  db: Database.Database,
  plan: SearchPlan,
  from: { sql: string; params: SqlParam[] },
  limit: number,
  offset: number,
): number[] {
  const rows = db.prepare(
    `WITH h AS MATERIALIZED (SELECT m.id AS id, m.date AS date, (SELECT sortKey FROM message_search_key WHERE messageId = m.id) AS sortKey
                              ${from.sql} ${dateOrder(plan, "DESC")} LIMIT ?),
          span AS (SELECT min(sortKey) AS lo, max(sortKey) AS hi FROM h),
          r AS MATERIALIZED (SELECT rowid AS sortKey, ${BM25} AS score FROM message_fts
                              WHERE message_fts MATCH ? AND rowid BETWEEN (SELECT lo FROM span) AND (SELECT hi FROM span))
     SELECT h.id AS id FROM h LEFT JOIN r ON r.sortKey = h.sortKey
     ORDER BY r.score IS NULL, r.score, h.date DESC, h.id DESC LIMIT ? OFFSET ?`,
  ).all(...from.params, SEARCH_LIMITS.rankCandidates, plan.rankMatch ?? "", limit, offset) as { id: number | bigint }[];
  return rows.map((r) => Number(r.id));
}

/** A text query's MATCH in the list (its l<id> token; every list: "all") and its date range as rowid bounds. */
interface IndexQuery {
  match: string;
  where: string;
  params: (string | bigint)[];
}

function indexQuery(text: TextQuery, listId: number | null): IndexQuery {
  const conds: string[] = [];
  const params: (string | bigint)[] = [`(${text.match}) AND {list}: "${listId === null ? "all" : `l${listId}`}"`];
  // date >= from: position >= from × SLOT; date < to: position < to × SLOT (rowid = -position).
  if (text.from !== null) {
    conds.push("rowid <= ?");
    params.push(-BigInt(text.from.getTime()) * SLOT);
  }
  if (text.to !== null) {
    conds.push("rowid > ?");
    params.push(-BigInt(text.to.getTime()) * SLOT);
  }
  return { match: params[0] as string, where: ["message_fts MATCH ?", ...conds].join(" AND "), params };
}

/** A page of a text query, newest first (or by relevance among the newest rankCandidates hits). */
// Relevance scores the query's positive words (rankMatch), as the walk's ranking does.
function indexPage(db: Database.Database, q: IndexQuery, plan: SearchPlan, order: SearchOrder, limit: number, offset: number): number[] {
  const rows = order === "relevance"
    ? db.prepare(
      `WITH h AS MATERIALIZED (SELECT rowid AS sortKey FROM message_fts WHERE ${q.where} ORDER BY rowid LIMIT ?),
            r AS MATERIALIZED (SELECT rowid AS sortKey, ${BM25} AS score FROM message_fts
                                WHERE message_fts MATCH ? AND rowid BETWEEN (SELECT min(sortKey) FROM h) AND (SELECT max(sortKey) FROM h))
       SELECT s.messageId AS id FROM h LEFT JOIN r ON r.sortKey = h.sortKey JOIN message_search_key s ON s.sortKey = h.sortKey
       ORDER BY r.score IS NULL, r.score, h.sortKey LIMIT ? OFFSET ?`,
    ).all(...q.params, SEARCH_LIMITS.rankCandidates, plan.rankMatch ?? "", limit, offset)
    : db.prepare(
      `SELECT s.messageId AS id FROM (SELECT rowid AS sortKey FROM message_fts WHERE ${q.where} ORDER BY rowid LIMIT ? OFFSET ?) f
         JOIN message_search_key s ON s.sortKey = f.sortKey ORDER BY f.sortKey`,
    ).all(...q.params, limit, offset);
  return (rows as { id: number | bigint }[]).map((r) => Number(r.id));
}

function indexCount(db: Database.Database, q: IndexQuery): number {
  const row = db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM message_fts WHERE ${q.where} LIMIT ?)`)
    .get(...q.params, SEARCH_LIMITS.countCap + 1) as { n: number | bigint };
  return Number(row.n);
}

/** Search options as the SQLite side takes them: `db` is the read connection (default: one on DATABASE_URL). */
type WithDb<T> = T & { db?: Database.Database };

export async function searchMessages(options: WithDb<SearchOptions>): Promise<SearchResult> {
  const db = connectionOf(options.db);
  const page = readPageRequest(options);
  const { limit, offset } = page;
  let plan: SearchPlan;
  try {
    plan = planSearch(options.q, options.now);
  } catch (err) {
    if (err instanceof QueryError) return refusedPage(page, err.message);
    throw err;
  }
  const tooDeep = pagingRefusal(page);
  if (tooDeep !== null) return refusedPage(page, tooDeep);
  const order: SearchOrder = page.requested === "relevance" && plan.rankMatch !== null ? "relevance" : "date";
  try {
    const found = plan.text !== null && !options.seriesRoots
      ? indexHits(db, plan, plan.text, options.list, order, limit, offset)
      : walkHits(db, plan, hitsFrom(plan, options.list, options.seriesRoots), order, limit, offset);
    return resultPage(page, order, await loadHits(db, found.ids, plan), found.total);
  } catch (err) {
    // The compiler quotes every term, so FTS5 should never reject one; if it
    // does, the reader gets a message, not a 500 with SQL in it.
    if (isFtsError(err)) return refusedPage(page, INDEX_REFUSAL);
    throw err;
  }
}

interface Found {
  ids: number[];
  /** Exact up to countCap, countCap + 1 beyond. */
  total: number;
}

function indexHits(
  db: Database.Database, plan: SearchPlan, text: TextQuery, list: string | null, order: SearchOrder, limit: number, offset: number,
): Found {
  const listId = list === null ? null : listIdOf(db, list);
  if (listId === undefined) return { ids: [], total: 0 };
  const q = indexQuery(text, listId);
  return { ids: indexPage(db, q, plan, order, limit, offset), total: indexCount(db, q) };
}

function walkHits(
  db: Database.Database, plan: SearchPlan, from: { sql: string; params: SqlParam[] }, order: SearchOrder, limit: number, offset: number,
): Found {
  const ids =
    order === "relevance"
      ? rankedPage(db, plan, from, limit, offset)
      : (db.prepare(`SELECT m.id AS id ${from.sql} ${dateOrder(plan, "DESC")} LIMIT ? OFFSET ?`)
          .all(...from.params, limit, offset) as { id: number | bigint }[]).map((r) => Number(r.id));
  // The count walks at most countCap + 1 hits (the page's own walk has
  // warmed the same pages), so its cost does not grow with the archive.
  const counted = db.prepare(`SELECT count(*) AS n FROM (SELECT 1 ${from.sql} LIMIT ?)`)
    .get(...from.params, SEARCH_LIMITS.countCap + 1) as { n: number | bigint };
  return { ids, total: Number(counted.n) };
}

/** The list's id; undefined when there is no such list. */
function listIdOf(db: Database.Database, name: string): number | undefined {
  return (db.prepare(`SELECT id FROM "List" WHERE name = ?`).get(name) as { id: number } | undefined)?.id;
}

function isFtsError(err: unknown): boolean {
  return err instanceof Error && /fts5|MATCH|unterminated string|unknown special query/i.test(err.message);
}

interface HitRow {
  id: number | bigint;
  mid: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  date: Date | string | number;
  threadId: number | bigint;
  threadSubject: string;
  list: string;
  body: string;
}

async function loadHits(db: Database.Database, ids: number[], plan: SearchPlan): Promise<SearchHit[]> {
  if (ids.length === 0) return [];
  // bodyText comes before raw in the Mail row, so this never reads the raw mail.
  const rows = await rawQuery<HitRow[]>(
        db,
    `SELECT m.id AS id, m.messageId AS mid, m.subject AS subject, m.fromName AS fromName, m.fromAddr AS fromAddr,
            m.date AS date, m.threadId AS threadId, t.subject AS threadSubject, l.name AS list,
            substr(mail.bodyText, 1, ${SEARCH_LIMITS.snippetSource}) AS body
       FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId JOIN "List" l ON l.id = m.listId JOIN "Thread" t ON t.id = m.threadId
      WHERE m.id IN (${ids.map(() => "?").join(", ")})`,
    ...ids,
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const hits: SearchHit[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (r === undefined) continue; // deleted between the two statements
    hits.push(toSearchHit(id, { ...r, date: toDate(r.date), threadId: Number(r.threadId) }, plan));
  }
  return hits;
}

function toDate(value: Date | string | number): Date {
  if (value instanceof Date) return value;
  return fromSqlDate(value) ?? new Date(0);
}

// ---------------------------------------------------------------- x=m

export async function searchMboxPlan(options: WithDb<MboxOptions>): Promise<MboxPlan> {
  const db = connectionOf(options.db);
  let plan: SearchPlan;
  try {
    plan = planSearch(options.q, options.now);
  } catch (err) {
    if (err instanceof QueryError) return { ok: false, status: 400, message: err.message };
    throw err;
  }
  const from = hitsFrom(plan, options.list);
  const cap = SEARCH_LIMITS.mboxMaxMessages;
  let rows: { id: number | bigint; bytes: number | bigint }[];
  try {
    // length(raw) comes from the record header; reading `size` (stored after
    // raw) would walk every mail's overflow pages.
    rows = options.threads
      ? await rawQuery(
        db,
          `SELECT m.id AS id, length(mail.raw) AS bytes FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId
            WHERE m.threadId IN (SELECT m.threadId ${from.sql} LIMIT ?)
            ORDER BY m.date, m.id LIMIT ?`,
          ...from.params,
          cap + 1,
          cap + 1,
        )
      : await rawQuery(
        db,
          `SELECT m.id AS id, (SELECT length(raw) FROM "Mail" WHERE id = m.mailId) AS bytes ${from.sql} ${dateOrder(plan, "ASC")} LIMIT ?`,
          ...from.params,
          cap + 1,
        );
  } catch (err) {
    if (isFtsError(err)) return { ok: false, status: 400, message: "The search index could not run this query." };
    throw err;
  }
  if (rows.length === 0) return { ok: false, status: 404, message: "No messages match this query.\n" };
  if (rows.length > cap) {
    return {
      ok: false,
      status: 413,
      message: `More than ${cap.toLocaleString("en-US")} messages match${options.threads ? " (with whole threads)" : ""}; narrow the query, for example with d:YYYYMMDD..YYYYMMDD.\n`,
    };
  }
  const bytes = rows.reduce((sum, r) => sum + Number(r.bytes), 0);
  if (bytes > SEARCH_LIMITS.mboxMaxBytes) {
    return {
      ok: false,
      status: 413,
      message: `The ${rows.length} matching messages hold ${Math.ceil(bytes / 1048576)} MB, more than the ${SEARCH_LIMITS.mboxMaxBytes / 1048576} MB a download may; narrow the query.\n`,
    };
  }
  return { ok: true, ids: rows.map((r) => Number(r.id)), bytes };
}

/** The messages of a download plan as gzipped mboxrd, read by id in batches. */
export function mboxStream(db: Database.Database, ids: number[]): ReadableStream<Uint8Array> {
  async function* messages(): AsyncGenerator<Buffer> {
    for (let i = 0; i < ids.length; i += MBOX_BATCH) {
      const batch = ids.slice(i, i + MBOX_BATCH);
      const rows = await rawQuery<{ id: number | bigint; raw: Uint8Array }[]>(
        db,
        `SELECT m.id, mail.raw FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId WHERE m.id IN (${batch.map(() => "?").join(", ")})`,
        ...batch,
      );
      const byId = new Map(rows.map((r) => [Number(r.id), r.raw]));
      for (const id of batch) {
        const raw = byId.get(id);
        if (raw !== undefined) yield formatMboxrd(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
      }
    }
  }
  // Level 1: a download of thousands of messages costs a third of the CPU of level 6, for 1.3x the bytes.
  const gzip = createGzip({ level: 1 });
  // pipeline destroys the gzip stream (and so the response) on a DB error:
  // the client sees a truncated download, never a silently short mbox.
  pipeline(Readable.from(messages()), gzip, () => {});
  return Readable.toWeb(gzip) as unknown as ReadableStream<Uint8Array>;
}

/** The search contract (lib/store/types.ts) on one read-only connection: what a search process holds. */
export class SqliteSearchIndex implements SearchIndex {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  search(options: SearchOptions): Promise<SearchResult> {
    return searchMessages({ ...options, db: this.db });
  }

  planMbox(options: MboxOptions): Promise<MboxPlan> {
    return searchMboxPlan({ ...options, db: this.db });
  }

  streamMbox(ids: number[]): ReadableStream<Uint8Array> {
    return mboxStream(this.db, ids);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
