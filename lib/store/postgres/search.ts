// Search on PostgreSQL: the SQLite search (lib/store/sqlite/search.ts) ported,
// with the same results shape, caps and refusals. lib/search/query-parse.ts
// parses lore's syntax, lib/store/postgres/query-compile.ts turns it into a
// WHERE over alias m answered by the GIN-indexed m."fts" (the tsvector
// lib/store/postgres/search-vector.ts builds); user text reaches PostgreSQL
// only inside bound parameters.
//
// Every query is bounded, as on SQLite:
// - counts stop at SEARCH_LIMITS.countCap, paging at pageCap, and relevance
//   ranks only the newest rankCandidates hits (ts_rank_cd per scored row);
// - words per phrase and per query are capped (lib/search/cost.ts);
// - downloads (x=m) are capped in messages and bytes, and stream in batches;
// - and, which SQLite cannot do, PostgreSQL itself stops a statement running
//   past SEARCH_LIMITS.budgetMs (statement_timeout on the search connections),
//   so a search process killed by its pool (lib/web/search-pool.ts) leaves no
//   runaway query behind on the server.
//
// In one list the planner chooses between the GIN index (rare words: the
// matching rows, then the newest 50 of them) and walking the (listId, date)
// index backwards testing each row (common words, stopping at the LIMIT); it
// tells them apart by the statistics the writer refreshes after a bulk load.
// Field terms are exact GIN matches (each field has lexemes of its own), so
// the index's hits need no recheck. A search session never scans the whole
// table (enable_seqscan off, PostgresSearchIndex): the planner would rather
// test every row than read a common word's hits through the index, and
// testing a row means reading its vector.
//
// Counting is where PostgreSQL costs more than SQLite: GIN hands over all of
// a word's hits at once, however few are wanted. So a count first asks the
// planner's estimate; a word estimated at more than COUNT_ESTIMATE_CUTOFF hits
// is reported as more than countCap without counting (only a 20-fold
// overestimate could make that wrong), the rest are counted.
//
// Across every list (/all/) there is no date index to walk, so a page of a
// common word reads all its hits before sorting, as SQLite's /all/ search
// walks every list's index: there the statement_timeout is what bounds it.
import { pipeline, Readable } from "node:stream";
import { createGzip } from "node:zlib";
import pg from "pg";
import { formatMboxrd } from "../../mail/mbox";
import { INDEX_REFUSAL, pagingRefusal, readPageRequest, refusedPage, resultPage, toSearchHit } from "../../search/page";
import { checkCost, positiveTerms } from "../../search/cost";
import { SEARCH_LIMITS, type SearchOrder } from "../../search/limits";
import { parseQuery, QueryError, type Field } from "../../search/query-parse";
import type { MboxOptions, MboxPlan, SearchHit, SearchIndex, SearchOptions, SearchResult } from "../types";
import { openPool } from "./pool";
import { compileQuery } from "./query-compile";
import { keyParams } from "./reader";

/** A query ready to run: compiled SQL plus what pages need to rank and mark matches. */
export interface PostgresSearchPlan {
  /** Boolean SQL over m with $1..$n, n = params.length. */
  where: string;
  params: string[];
  /** tsquery literal OR-ing every positive text term, for ts_rank_cd; null without one. */
  rankQuery: string | null;
  subjectTerms: string[];
  bodyTerms: string[];
}

const HAS_TOKEN = /[\p{L}\p{N}\p{Co}]/u;
// ts_rank_cd's weights in {D, C, B, A} order: body, To/Cc, From, subject.
// SQLite's bm25 weights subject 10, from 4, to/cc/body 1 (lib/store/sqlite/search.ts);
// here the same ratios scaled into ts_rank's 0..1. Normalisation 1 divides by
// 1 + log(document length), so a long patch mentioning a word often does not
// outrank a short mail about it (bm25's length term does the same).
const RANK = (query: string) => `ts_rank_cd('{0.1, 0.1, 0.4, 1.0}', h.fts, ${query}::tsquery, 1)`;
const MBOX_BATCH = 64;

/** Parses, checks and compiles a query. Throws QueryError only. */
export function planPostgresSearch(q: string, now: Date = new Date()): PostgresSearchPlan {
  const ast = parseQuery(q, now);
  const terms = positiveTerms(ast);
  checkCost(ast);
  const compiled = compileQuery(ast, 1);
  const ranked = terms.filter((t) => HAS_TOKEN.test(t.text));
  let rankQuery: string | null = null;
  if (ranked.length > 0) {
    const rank = compileQuery(ranked.length === 1 ? ranked[0]! : { type: "or", children: ranked }, 1);
    const first = rank.params[0];
    // Text terms compile to exactly one tsquery parameter.
    if (rank.params.length === 1 && typeof first === "string") rankQuery = first;
  }
  const textOf = (fields: Field[]) => terms.filter((t) => fields.includes(t.field)).map((t) => t.text);
  return {
    where: compiled.where,
    // Dates as ISO text (PostgreSQL reads it as the timestamptz it is compared with), whatever the process's zone.
    params: compiled.params.map((p) => (p instanceof Date ? p.toISOString() : p)),
    rankQuery,
    subjectTerms: textOf(["subject", "subjectBody", "any"]),
    bodyTerms: textOf(["body", "subjectBody", "any"]),
  };
}

/** Bound parameters of one statement: the plan's $1..$n first, then what the statement adds. */
class Params {
  readonly values: unknown[];
  constructor(first: readonly unknown[]) {
    this.values = keyParams(first);
  }
  add(value: unknown): string {
    this.values.push(...keyParams([value]));
    return `$${this.values.length}`;
  }
}

// FROM + WHERE selecting the hits.
function hitsFrom(plan: PostgresSearchPlan, list: string | null, p: Params, seriesRoots = false): string {
  // /all/ shows each mail once: the first list's copy.
  const listTest = list === null
    ? `NOT EXISTS (SELECT 1 FROM "Message" o WHERE o."mailId" = m."mailId" AND o.id < m.id) AND `
    : `m."listId" = (SELECT id FROM "List" WHERE name = ${p.add(list)}) AND `;
  const roots = seriesRoots ? `m.id IN (SELECT "rootMessageId" FROM "SeriesVersion") AND ` : "";
  return `FROM "Message" m WHERE ${listTest}${roots}(${plan.where})`;
}

type Db = Pick<pg.Pool, "query">;

async function rows<T extends pg.QueryResultRow>(db: Db, sql: string, params: Params): Promise<T[]> {
  return (await db.query<T>(sql, params.values as unknown[])).rows;
}

/**
 * One page in relevance order: the newest rankCandidates hits, ranked by
 * ts_rank_cd against the positive words; hits without one (d:… OR foo) rank
 * last, newest first, as on SQLite.
 */
async function rankedPage(db: Db, plan: PostgresSearchPlan, list: string | null, seriesRoots: boolean, limit: number, offset: number): Promise<number[]> {
  const p = new Params(plan.params);
  const from = hitsFrom(plan, list, p, seriesRoots);
  const candidates = p.add(SEARCH_LIMITS.rankCandidates);
  const query = p.add(plan.rankQuery ?? "");
  const sql = `WITH h AS MATERIALIZED (SELECT m.id, m.date, m.fts ${from} ORDER BY m.date DESC, m.id DESC LIMIT ${candidates})
    SELECT h.id FROM h
     ORDER BY (CASE WHEN h.fts @@ ${query}::tsquery THEN ${RANK(query)} END) DESC NULLS LAST, h.date DESC, h.id DESC
     LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`;
  return (await rows<{ id: number }>(db, sql, p)).map((r) => r.id);
}

export async function searchPostgres(db: Db, options: SearchOptions): Promise<SearchResult> {
  const page = readPageRequest(options);
  const { limit, offset } = page;
  let plan: PostgresSearchPlan;
  try {
    plan = planPostgresSearch(options.q, options.now);
  } catch (err) {
    if (err instanceof QueryError) return refusedPage(page, err.message);
    throw err;
  }
  const tooDeep = pagingRefusal(page);
  if (tooDeep !== null) return refusedPage(page, tooDeep);
  const order: SearchOrder = page.requested === "relevance" && plan.rankQuery !== null ? "relevance" : "date";
  const seriesRoots = options.seriesRoots ?? false;
  try {
    let ids: number[];
    if (order === "relevance") {
      ids = await rankedPage(db, plan, options.list, seriesRoots, limit, offset);
    } else {
      const p = new Params(plan.params);
      const from = hitsFrom(plan, options.list, p, seriesRoots);
      const sql = `SELECT m.id ${from} ORDER BY m.date DESC, m.id DESC LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`;
      ids = (await rows<{ id: number }>(db, sql, p)).map((r) => r.id);
    }
    const total = await countHits(db, plan, options.list, seriesRoots);
    const hits = await loadHits(db, ids, plan);
    return resultPage(page, order, hits, total);
  } catch (err) {
    // The compiler writes every tsquery; if PostgreSQL ever rejects one, the reader gets a message, not a 500 with SQL in it.
    if (isTsqueryError(err)) return refusedPage(page, INDEX_REFUSAL);
    throw err;
  }
}

/** Above this many hits by the planner's estimate, a count is not made: see the header. */
export const COUNT_ESTIMATE_CUTOFF = 20 * SEARCH_LIMITS.countCap;

/** Hits, exact up to countCap; countCap + 1 for more. */
export async function countHits(db: Db, plan: PostgresSearchPlan, list: string | null, seriesRoots = false): Promise<number> {
  const explain = new Params(plan.params);
  const [explained] = await rows<{ "QUERY PLAN": { Plan?: { "Plan Rows"?: number } }[] }>(
    db, `EXPLAIN (FORMAT JSON) SELECT 1 ${hitsFrom(plan, list, explain, seriesRoots)}`, explain,
  );
  const estimate = explained?.["QUERY PLAN"][0]?.Plan?.["Plan Rows"] ?? 0;
  if (estimate > COUNT_ESTIMATE_CUTOFF) return SEARCH_LIMITS.countCap + 1;
  // Reads at most countCap + 1 rows of the hits the index finds.
  const p = new Params(plan.params);
  const from = hitsFrom(plan, list, p, seriesRoots);
  const [counted] = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ${p.add(SEARCH_LIMITS.countCap + 1)}) c`, p);
  return Number(counted?.n ?? 0);
}

function isTsqueryError(err: unknown): boolean {
  return err instanceof Error && /tsquery/i.test(err.message);
}

interface HitRow {
  id: number;
  mid: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  date: Date;
  threadId: number;
  threadSubject: string;
  list: string;
  body: string;
}

async function loadHits(db: Db, ids: number[], plan: PostgresSearchPlan): Promise<SearchHit[]> {
  if (ids.length === 0) return [];
  const p = new Params([ids]);
  // substr counts characters, as SQLite's does on text.
  const found = await rows<HitRow>(
    db,
    `SELECT m.id, m."messageId" AS mid, m.subject, m."fromName", m."fromAddr", m.date, m."threadId",
            t.subject AS "threadSubject", l.name AS list, substr(ma."bodyText", 1, ${SEARCH_LIMITS.snippetSource}) AS body
       FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId" JOIN "List" l ON l.id = m."listId" JOIN "Thread" t ON t.id = m."threadId"
      WHERE m.id = ANY($1::int[])`,
    p,
  );
  const byId = new Map(found.map((r) => [r.id, r]));
  const hits: SearchHit[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (r === undefined) continue; // deleted between the two statements
    hits.push(toSearchHit(id, r, plan));
  }
  return hits;
}

// ---------------------------------------------------------------- x=m

export async function planPostgresMbox(db: Db, options: MboxOptions): Promise<MboxPlan> {
  let plan: PostgresSearchPlan;
  try {
    plan = planPostgresSearch(options.q, options.now);
  } catch (err) {
    if (err instanceof QueryError) return { ok: false, status: 400, message: err.message };
    throw err;
  }
  const cap = SEARCH_LIMITS.mboxMaxMessages;
  const p = new Params(plan.params);
  const from = hitsFrom(plan, options.list, p);
  let found: { id: number; bytes: number }[];
  try {
    // octet_length(raw) reads the stored size, not the mail.
    const rawBytes = `(SELECT octet_length(ma.raw) FROM "Mail" ma WHERE ma.id = m."mailId") AS bytes`;
    found = options.threads
      ? await rows(
        db,
        `SELECT m.id, ${rawBytes} FROM "Message" m
          WHERE m."threadId" IN (SELECT m."threadId" ${from} LIMIT ${p.add(cap + 1)})
          ORDER BY m.date, m.id LIMIT ${p.add(cap + 1)}`,
        p,
      )
      : await rows(db, `SELECT m.id, ${rawBytes} ${from} ORDER BY m.date ASC, m.id ASC LIMIT ${p.add(cap + 1)}`, p);
  } catch (err) {
    if (isTsqueryError(err)) return { ok: false, status: 400, message: "The search index could not run this query." };
    throw err;
  }
  if (found.length === 0) return { ok: false, status: 404, message: "No messages match this query.\n" };
  if (found.length > cap) {
    return {
      ok: false,
      status: 413,
      message: `More than ${cap.toLocaleString("en-US")} messages match${options.threads ? " (with whole threads)" : ""}; narrow the query, for example with d:YYYYMMDD..YYYYMMDD.\n`,
    };
  }
  const bytes = found.reduce((sum, r) => sum + Number(r.bytes), 0);
  if (bytes > SEARCH_LIMITS.mboxMaxBytes) {
    return {
      ok: false,
      status: 413,
      message: `The ${found.length} matching messages hold ${Math.ceil(bytes / 1048576)} MB, more than the ${SEARCH_LIMITS.mboxMaxBytes / 1048576} MB a download may; narrow the query.\n`,
    };
  }
  return { ok: true, ids: found.map((r) => r.id), bytes };
}

/** The messages of a download plan as gzipped mboxrd, read by id in batches. */
export function postgresMboxStream(db: Db, ids: number[]): ReadableStream<Uint8Array> {
  async function* messages(): AsyncGenerator<Buffer> {
    for (let i = 0; i < ids.length; i += MBOX_BATCH) {
      const batch = ids.slice(i, i + MBOX_BATCH);
      const found = await rows<{ id: number; raw: Buffer }>(
        db,
        `SELECT m.id, ma.raw FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId" WHERE m.id = ANY($1::int[])`,
        new Params([batch]),
      );
      const byId = new Map(found.map((r) => [r.id, r.raw]));
      for (const id of batch) {
        const raw = byId.get(id);
        if (raw !== undefined) yield formatMboxrd(raw);
      }
    }
  }
  // Level 1, as on SQLite: a third of level 6's CPU for 1.3x the bytes.
  const gzip = createGzip({ level: 1 });
  // pipeline destroys the gzip stream (and so the response) on a DB error:
  // the client sees a truncated download, never a silently short mbox.
  pipeline(Readable.from(messages()), gzip, () => {});
  return Readable.toWeb(gzip) as unknown as ReadableStream<Uint8Array>;
}

export interface PostgresSearchOptions {
  /** Connections (default 2: a search process runs one search, or one download, at a time). */
  max?: number;
  /** PostgreSQL's own limit on one statement (default SEARCH_LIMITS.budgetMs). */
  statementTimeoutMs?: number;
}

/** The search contract (lib/store/types.ts) on PostgreSQL: what a search process holds. */
export class PostgresSearchIndex implements SearchIndex {
  private readonly pool: pg.Pool;

  constructor(url: string, options: PostgresSearchOptions = {}) {
    this.pool = openPool(url, {
      max: options.max ?? 2,
      applicationName: "mail-archive search",
      statementTimeoutMs: Math.max(1, Math.floor(options.statementTimeoutMs ?? SEARCH_LIMITS.budgetMs)),
      readOnly: true,
      // See the header: never a whole-table scan to test each row's vector.
      settings: { enable_seqscan: "off" },
    });
  }

  search(options: SearchOptions): Promise<SearchResult> {
    return searchPostgres(this.pool, options);
  }

  planMbox(options: MboxOptions): Promise<MboxPlan> {
    return planPostgresMbox(this.pool, options);
  }

  streamMbox(ids: number[]): ReadableStream<Uint8Array> {
    return postgresMboxStream(this.pool, ids);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
