// The ingest side of the PostgreSQL store: the SQLite writer's results
// (lib/store/sqlite/archive-writer.ts: the same threads, merges, merge-guard
// outcomes, variants, duplicates, attachments and series), written the way a
// server over a socket wants them. A statement per message would cost a round
// trip each; instead each batch
//
//   1. hashes its messages and reads, in a handful of statements, what the
//      store already has of them: which mails are stored (by raw hash, in any
//      list) and which of those are in this list already, which Message-IDs
//      exist, and the ThreadRef (and GuardedRef) rows of every Message-ID the
//      batch names;
//   2. threads the batch in memory against that snapshot
//      (lib/threading/batch-threads.ts, the SQLite writer's algorithm step for
//      step; only rechecks of guarded messages read more, on demand);
//   3. takes row ids for its messages and new threads from the sequences in
//      one statement each, so every row is complete before it is written;
//   4. writes: threads, merges (one UPDATE per table for all of them), the
//      mails not stored yet (raw bytes as binary parameters) with their
//      attachments, messages (this list's copies) in multi-row INSERTs (the
//      search vector in tsvector's binary form), then refs, guarded refs and
//      series rows with unnest arrays, and refreshes the summaries of the
//      threads it touched in one UPDATE.
//
// One transaction per batch, so a killed process leaves whole batches only.
// Concurrent ingests: the batch first takes a transaction-scoped advisory
// lock on its list (pg_advisory_xact_lock(LIST_LOCK, listId)), before it reads
// anything, so batches of one list run one after the other and each sees every
// batch committed before it, as SQLite's write lock gives; batches of
// different lists run side by side. Their rows meet in one place only: a mail
// both lists carry is one Mail row. Either batch may insert it first; the
// unique raw hash and ON CONFLICT DO NOTHING let one row in, the other batch
// waits for it to commit and takes its id (and leaves its attachments to it).
// Each batch inserts its mails in raw-hash order, so two batches waiting on
// each other's mails cannot deadlock. Ids come from the sequences, which
// never hand one out twice.
//
// Where the stored rows differ from SQLite's, by necessity:
// - text cannot hold U+0000 in PostgreSQL: it is stored as U+FFFD (pgText in
//   ./series-writer.ts); the raw message keeps every byte;
// - a lone UTF-16 surrogate (a broken RFC 2047 word, e.g. in a file name) is
//   stored as U+FFFD; better-sqlite3 stores its WTF-8 bytes, which read back
//   as three U+FFFD;
// - ids: a failed batch leaves a gap in the sequences, and a thread created
//   and merged away within one batch never takes one; ids still follow
//   arrival order, which is all the series grouping's tie-breaks use;
// - List.messageCount is counted up per batch rather than recounted (under
//   the list's lock nothing else adds to the list, so it is the same number).
import { createHash } from "node:crypto";
import type pg from "pg";
import type { ParsedMessage } from "../../mail/mime";
import { syntheticMid } from "../../mail/mid";
import { BatchThreads, type ThreadStore } from "../../threading/batch-threads";
import type { ArchiveWriter, FailureLog, IncomingMessage, IngestCounts, ListInfo } from "../types";
import { inTransaction, openPool } from "./pool";
import { searchVectorBinary } from "./search-vector";
import { nextIds, pgText, PostgresSeriesWriter, SeriesBatch } from "./series-writer";

/** Key space of the per-list ingest lock: pg_advisory_xact_lock(LIST_LOCK, listId). ("list"; migrate.ts uses "mail".) */
export const LIST_LOCK = 0x6c697374;

const EPOCH = new Date(0);
// Dates as the SQLite store clamps them (lib/store/sqlite/sql-date.ts): years 1-9999.
const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");
// Rows per INSERT of mails, messages and attachments, and bytes: a chunk is
// one statement's parameters held at once. Small enough that the next chunk's
// search vectors are built while the server stores this one.
/** Messages a writer adds before its close() analyzes the table. */
const ANALYZE_AFTER = 1000;
const CHUNK_ROWS = 100;
const CHUNK_BYTES = 16 * 1024 * 1024;

type Client = pg.ClientBase;

export type WriterConnection = string | pg.Pool;

export interface WriterOptions {
  /**
   * Write behind: writeBatch returns once its batch is handed over, and the
   * batch commits while the caller reads and parses the next one (which then
   * waits for it). Counts and failures are told when the batch commits; a
   * failed batch throws from the next call (writeBatch, refreshSeries or
   * close). Still one transaction per batch, in order. Off by default: then
   * writeBatch resolves once its batch is committed, as on SQLite.
   */
  pipeline?: boolean;
}

/** A message of the batch that will be stored. */
interface Incoming {
  message: IncomingMessage;
  parsed: ParsedMessage;
  rawHash: string;
  /** Message-ID, References and In-Reply-To as the store will hold them (see wellFormed). */
  mid: string;
  references: string[];
  inReplyTo: string | null;
}

/**
 * A string as PostgreSQL gives it back: UTF-8 has no lone surrogates, and
 * node-postgres sends U+FFFD for one. Message-IDs are compared in memory here
 * (SQLite compares them in SQL), so they take that form before they are keys.
 * (Message-IDs come from raw headers and hardly ever hold one.)
 */
function wellFormed(s: string): string {
  return /[\uD800-\uDFFF]/.test(s) ? s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD") : s;
}

/** The date as stored: clamped to the four-digit years every driver writes. */
function storedDate(date: Date): Date {
  return new Date(Math.min(Math.max(date.getTime(), MIN_TIME), MAX_TIME));
}

export class PostgresArchiveWriter implements ArchiveWriter {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly series = new PostgresSeriesWriter();
  private readonly pipeline: boolean;
  /** The batch still being written (pipeline mode). */
  private inflight: Promise<void> | null = null;
  /** Whether the server compresses with lz4 (PostgreSQL 14+ built with it); null until asked. */
  private lz4: boolean | null = null;
  private addedMessages = 0;

  /**
   * `connection`: a PostgreSQL URL (the writer opens and closes its own pool)
   * or a pool the caller owns. `onWait` hears, once per wait, that another
   * writer holds the list.
   */
  constructor(connection: WriterConnection, private readonly onWait: (message: string) => void = () => {}, options: WriterOptions = {}) {
    this.ownsPool = typeof connection === "string";
    this.pool = typeof connection === "string" ? openPool(connection, { max: 2, applicationName: "mail-archive ingest" }) : connection;
    this.pipeline = options.pipeline ?? false;
  }

  async ensureList(list: ListInfo): Promise<number> {
    const address = list.address ?? null;
    const description = list.description ?? null;
    for (;;) {
      const found = (await this.pool.query<{ id: number }>(`SELECT id FROM "List" WHERE name = $1`, [list.name])).rows[0];
      if (found !== undefined) {
        if (address !== null || description !== null) {
          await this.pool.query(`UPDATE "List" SET address = coalesce($1, address), description = coalesce($2, description) WHERE id = $3`, [
            address, description, found.id,
          ]);
        }
        return found.id;
      }
      const inserted = (
        await this.pool.query<{ id: number }>(
          `INSERT INTO "List" (name, address, description) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id`,
          [list.name, address, description],
        )
      ).rows[0];
      if (inserted !== undefined) return inserted.id;
      // Another process created it between the two statements: read it again.
    }
  }

  /** Writes one batch in one transaction: a killed process leaves whole batches only. */
  async writeBatch(listId: number, batch: IncomingMessage[], counts: IngestCounts, logFailure: FailureLog): Promise<void> {
    await this.drain();
    // Hashing needs no database: done before the list is locked.
    const hashed = batch.map((message) => (message.parsed ? createHash("sha256").update(message.raw).digest("hex") : null));
    const work = this.transaction(listId, (client) => this.write(client, listId, batch, hashed)).then((done) => {
      // Counts and failures are told once the batch is committed: a batch that throws leaves nothing.
      for (const [position, reason] of done.failures) logFailure(position, reason);
      for (const key of Object.keys(done.counts) as (keyof IngestCounts)[]) counts[key] += done.counts[key];
      this.addedMessages += done.counts.added;
    });
    if (!this.pipeline) return work;
    this.inflight = work;
    work.catch(() => {}); // rethrown by the next call's drain()
  }

  /** Waits for the batch being written behind, rethrowing its failure. */
  private async drain(): Promise<void> {
    const inflight = this.inflight;
    this.inflight = null;
    if (inflight !== null) await inflight;
  }

  /**
   * Brings patch series up to date with everything written so far: first
   * messages stored before series existed, then every dirty thread. One
   * transaction per chunk, so other writers get turns.
   */
  async refreshSeries(): Promise<void> {
    await this.drain();
    while (await this.transaction(null, (client) => this.series.backfillChunk(client)));
    while (await this.transaction(null, (client) => this.series.rebuildChunk(client, (c, listId) => this.lockList(c, listId))));
  }

  /** Milliseconds spent on patch series so far (recording and rebuilding). */
  get seriesMs(): number {
    return this.series.elapsedMs;
  }

  async close(): Promise<void> {
    try {
      await this.drain();
      // After a bulk load, what autoanalyze would do some time later: fresh
      // statistics, from which search estimates a word's hits
      // (lib/store/postgres/search.ts), and the GIN index's pending entries
      // merged (every search reads them all). Not VACUUM: it reads every new
      // page, heap and TOAST, and added a third to a corpus-sized ingest.
      if (this.addedMessages >= ANALYZE_AFTER) await this.pool.query(`ANALYZE "Message"`);
    } finally {
      if (this.ownsPool) await this.pool.end();
    }
  }

  private transaction<T>(listId: number | null, work: (client: Client) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      if (listId !== null) await this.lockList(client, listId);
      return work(client);
    });
  }

  /** Takes the list's ingest lock for the current transaction, telling onWait when another writer holds it. */
  private async lockList(client: Client, listId: number): Promise<void> {
    const free = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1, $2) AS ok`, [LIST_LOCK, listId])).rows[0]?.ok;
    if (free) return;
    this.onWait("another writer holds the list; waiting for it to finish its batch");
    await client.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LIST_LOCK, listId]);
  }

  private async write(client: Client, listId: number, batch: IncomingMessage[], hashed: (string | null)[]) {
    // Raw mail, bodies and search vectors are mostly TOASTed: lz4 compresses
    // them several times faster than the default pglz (measured: the message
    // INSERTs about 15% faster). This session's, this transaction's only.
    this.lz4 ??= (
      await client.query<{ ok: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'`)
    ).rows[0]?.ok === true;
    if (this.lz4) await client.query(`SET LOCAL default_toast_compression = lz4`);
    const counts: IngestCounts = { added: 0, duplicate: 0, variant: 0, repaired: 0, failed: 0 };
    const failures: [string, string][] = [];
    const candidates: Incoming[] = [];
    batch.forEach((message, i) => {
      const { parsed } = message;
      if (!parsed) return;
      const references = parsed.references.map(wellFormed);
      candidates.push({
        message,
        parsed,
        rawHash: hashed[i] as string,
        mid: wellFormed(parsed.messageId ?? syntheticMid(message.raw)),
        references,
        inReplyTo: parsed.inReplyTo === null ? null : wellFormed(parsed.inReplyTo),
      });
    });

    // What the store has already: mails by raw hash, those in this list (duplicates), and Message-IDs (variants).
    const storedMails = new Map<string, number>();
    const seenHashes = new Set<string>();
    if (candidates.length > 0) {
      const stored = await client.query<{ id: number; rawHash: string; here: boolean }>(
        `SELECT ma.id, ma."rawHash", EXISTS (SELECT 1 FROM "Message" m WHERE m."listId" = $1 AND m."rawHash" = ma."rawHash") AS here
           FROM "Mail" ma WHERE ma."rawHash" = ANY($2::text[])`,
        [listId, [...new Set(candidates.map((c) => c.rawHash))]],
      );
      for (const row of stored.rows) {
        storedMails.set(row.rawHash, row.id);
        if (row.here) seenHashes.add(row.rawHash);
      }
    }
    const seenMids = new Set(
      candidates.length === 0
        ? []
        : (await client.query<{ messageId: string }>(`SELECT DISTINCT "messageId" FROM "Message" WHERE "listId" = $1 AND "messageId" = ANY($2::text[])`, [
            listId, [...new Set(candidates.map((c) => c.mid))],
          ])).rows.map((r) => r.messageId),
    );
    // The SQLite writer's checks, in batch order.
    const added: Incoming[] = [];
    let next = 0;
    for (const message of batch) {
      if (!message.parsed) {
        counts.failed++;
        failures.push([message.position, message.error ?? "unparseable message"]);
        continue;
      }
      const item = candidates[next++] as Incoming;
      if (seenHashes.has(item.rawHash)) {
        counts.duplicate++;
        continue;
      }
      seenHashes.add(item.rawHash);
      if (!item.parsed.messageId || !item.parsed.date) counts.repaired++;
      if (seenMids.has(item.mid)) counts.variant++;
      seenMids.add(item.mid);
      added.push(item);
    }
    counts.added = added.length;
    if (added.length === 0) return { counts, failures };

    const ids = await nextIds(client, "Message_id_seq", added.length);
    const threads = new BatchThreads(threadStore(client, listId));
    await threads.prepare(added.flatMap((m) => (m.inReplyTo === null ? [m.mid, ...m.references] : [m.mid, ...m.references, m.inReplyTo])));
    const seriesRows = new SeriesBatch();
    for (const [i, item] of added.entries()) {
      threads.add(ids[i] as number, item.mid, item.references, item.inReplyTo);
      this.series.record(seriesRows, ids[i] as number, item.parsed);
      if (threads.hasPending) await threads.recheck();
    }
    const result = threads.finish(await nextIds(client, "Thread_id_seq", threads.newThreadCount));

    // Threads first (messages name them), then merges, then messages and what hangs off them.
    if (result.newThreads.length > 0) {
      await client.query(`INSERT INTO "Thread" (id, "listId", "rootMid") SELECT id, $1, root FROM unnest($2::int[], $3::text[]) AS x(id, root)`, [
        listId, result.newThreads.map((t) => t.id), result.newThreads.map((t) => pgText(t.rootMid)),
      ]);
    }
    if (result.merged.length > 0) {
      const merge = [result.merged.map((m) => m.from), result.merged.map((m) => m.into)];
      await client.query(`UPDATE "Message" m SET "threadId" = x.i FROM unnest($1::int[], $2::int[]) AS x(f, i) WHERE m."threadId" = x.f`, merge);
      await client.query(`UPDATE "ThreadRef" r SET "threadId" = x.i FROM unnest($1::int[], $2::int[]) AS x(f, i) WHERE r."threadId" = x.f`, merge);
      await client.query(`DELETE FROM "Thread" WHERE id = ANY($1::int[])`, [merge[0]]);
    }
    const mailIds = await this.storeMails(client, added, storedMails);
    await this.insertMessages(client, listId, added, ids, mailIds, result.messageThreads, result.guarded);
    if (result.newRefs.length > 0) {
      await client.query(
        `INSERT INTO "ThreadRef" ("listId", mid, "threadId") SELECT $1, mid, t FROM unnest($2::text[], $3::int[]) AS x(mid, t) ON CONFLICT DO NOTHING`,
        [listId, result.newRefs.map((r) => r.mid), result.newRefs.map((r) => r.threadId)],
      );
    }
    if (result.guarded.size > 0) {
      const rows = [...result.guarded].flatMap(([id, mids]) => mids.map((mid) => [id, mid] as const));
      await client.query(
        `INSERT INTO "GuardedRef" ("messageId", "listId", mid) SELECT m, $1, mid FROM unnest($2::int[], $3::text[]) AS x(m, mid) ON CONFLICT DO NOTHING`,
        [listId, rows.map((r) => r[0]), rows.map((r) => r[1])],
      );
    }
    if (result.liftedStored.length > 0) {
      await client.query(`UPDATE "Message" SET "mergeGuarded" = false WHERE id = ANY($1::int[])`, [result.liftedStored]);
      await client.query(`DELETE FROM "GuardedRef" WHERE "messageId" = ANY($1::int[])`, [result.liftedStored]);
    }
    await this.series.write(client, listId, seriesRows);
    await refreshThreads(client, result.touched);
    await this.series.markDirty(client, result.touched);
    let lastDate = -Infinity;
    for (const item of added) lastDate = Math.max(lastDate, dateOf(item).getTime());
    // Counted up rather than recounted: under the list's lock nothing else adds to it.
    await client.query(`UPDATE "List" SET "messageCount" = "messageCount" + $2, "lastDate" = GREATEST("lastDate", $3::timestamptz) WHERE id = $1`, [
      listId, added.length, storedDate(new Date(lastDate)).toISOString(),
    ]);
    return { counts, failures };
  }

  private async insertMessages(
    client: Client,
    listId: number,
    added: Incoming[],
    ids: number[],
    mailIds: Map<string, number>,
    threadOf: Map<number, number>,
    guarded: Map<number, string[]>,
  ): Promise<void> {
    const COLUMNS = 16;
    const head = `INSERT INTO "Message" (id, "listId", "messageId", "mailId", "rawHash", subject, "fromName", "fromAddr", "toAddrs", "ccAddrs",
      date, "inReplyTo", "references", "threadId", "hasPatch", "mergeGuarded", fts) VALUES `;
    let pending: Promise<unknown> | null = null;
    for (let start = 0; start < added.length; ) {
      const params: unknown[] = [listId];
      const tuples: string[] = [];
      let bytes = 0;
      let i = start;
      for (; i < added.length && tuples.length < CHUNK_ROWS && (tuples.length === 0 || bytes < CHUNK_BYTES); i++) {
        const item = added[i] as Incoming;
        const { parsed } = item;
        const id = ids[i] as number;
        const fields = {
          subject: pgText(parsed.subject),
          fromName: pgText(parsed.fromName),
          fromAddr: pgText(parsed.fromAddr),
          toAddrs: pgText(parsed.to.join(", ")),
          ccAddrs: pgText(parsed.cc.join(", ")),
          bodyText: pgText(parsed.bodyText),
          date: storedDate(dateOf(item)),
        };
        const n = params.length;
        params.push(
          id, item.mid, mailIds.get(item.rawHash), item.rawHash, fields.subject, fields.fromName, fields.fromAddr, fields.toAddrs, fields.ccAddrs,
          fields.date.toISOString(), item.inReplyTo === null ? null : pgText(item.inReplyTo), pgText(item.references.join(" ")), threadOf.get(id),
          parsed.hasPatch, guarded.has(id), searchVectorBinary(fields),
        );
        const p = Array.from({ length: COLUMNS }, (_, k) => `$${n + k + 1}`);
        p[COLUMNS - 1] += "::tsvector";
        tuples.push(`(${p[0]}, $1, ${p.slice(1).join(", ")})`);
        // The search vector grows with the body text.
        bytes += fields.bodyText.length;
      }
      start = i;
      // The previous chunk is being stored meanwhile; one statement in flight at a time.
      if (pending !== null) await pending;
      pending = client.query(head + tuples.join(", "), params);
    }
    if (pending !== null) await pending;
  }

  /**
   * The Mail row of every added message, by raw hash: `stored` holds those
   * found at the start; the others are inserted here, with their attachments.
   * A mail another list's writer inserted meanwhile is left to it: its row
   * is read once that writer has committed.
   */
  private async storeMails(client: Client, added: Incoming[], stored: Map<string, number>): Promise<Map<string, number>> {
    const mailIds = new Map(stored);
    // Raw-hash order: see the header (two writers waiting on each other's mails).
    const missing = added.filter((item) => !stored.has(item.rawHash)).sort((a, b) => (a.rawHash < b.rawHash ? -1 : a.rawHash > b.rawHash ? 1 : 0));
    const rows = missing.map((item) => [item.rawHash, pgText(item.parsed.bodyText), item.message.raw, item.message.raw.length]);
    const created = new Set<string>();
    await insertChunked<{ id: number; rawHash: string }>(
      client,
      rows,
      (row) => (row[2] as Buffer).length + (row[1] as string).length,
      (tuples) => `INSERT INTO "Mail" ("rawHash", "bodyText", raw, size) VALUES ${tuples} ON CONFLICT ("rawHash") DO NOTHING RETURNING id, "rawHash"`,
      (inserted) => {
        for (const row of inserted) {
          mailIds.set(row.rawHash, row.id);
          created.add(row.rawHash);
        }
      },
    );
    const raced = missing.filter((item) => !created.has(item.rawHash)).map((item) => item.rawHash);
    if (raced.length > 0) {
      const found = await client.query<{ id: number; rawHash: string }>(`SELECT id, "rawHash" FROM "Mail" WHERE "rawHash" = ANY($1::text[])`, [raced]);
      for (const row of found.rows) mailIds.set(row.rawHash, row.id);
    }
    const attachments: unknown[][] = [];
    for (const item of missing) {
      if (!created.has(item.rawHash)) continue;
      item.parsed.attachments.forEach((a, position) => {
        // Bytes may arrive from a parse worker as a plain Uint8Array view.
        const content = Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);
        attachments.push([mailIds.get(item.rawHash), position, a.filename === null ? null : pgText(a.filename), pgText(a.contentType), a.size, content]);
      });
    }
    await insertChunked(client, attachments, (row) => (row[5] as Buffer).length, (tuples) =>
      `INSERT INTO "Attachment" ("mailId", position, filename, "contentType", size, content) VALUES ${tuples}`);
    return mailIds;
  }
}

/**
 * Multi-row INSERTs of `rows`, a chunk of at most CHUNK_ROWS rows (or
 * CHUNK_BYTES, by `bytesOf`) per statement; `received` gets each chunk's
 * RETURNING rows.
 */
async function insertChunked<R extends pg.QueryResultRow>(
  client: Client,
  rows: unknown[][],
  bytesOf: (row: unknown[]) => number,
  statement: (tuples: string) => string,
  received: (rows: R[]) => void = () => {},
): Promise<void> {
  for (let start = 0; start < rows.length; ) {
    const params: unknown[] = [];
    const tuples: string[] = [];
    let bytes = 0;
    let i = start;
    for (; i < rows.length && tuples.length < CHUNK_ROWS && (tuples.length === 0 || bytes < CHUNK_BYTES); i++) {
      const row = rows[i] as unknown[];
      const n = params.length;
      params.push(...row);
      tuples.push(`(${row.map((_, k) => `$${n + k + 1}`).join(", ")})`);
      bytes += bytesOf(row);
    }
    start = i;
    received((await client.query<R>(statement(tuples.join(", ")), params)).rows);
  }
}

function dateOf(item: Incoming): Date {
  return item.parsed.date ?? item.message.fallbackDate ?? EPOCH;
}

/**
 * The touched threads' index entries: count, first and last date, and the
 * face (root Message-ID, subject, sender) of the earliest message, ties broken
 * by Message-ID then raw hash in byte order, as SQLite compares text, so the
 * choice depends neither on ingest order nor on the database's collation.
 */
async function refreshThreads(client: Client, threadIds: number[]): Promise<void> {
  if (threadIds.length === 0) return;
  await client.query(
    `UPDATE "Thread" t SET "messageCount" = s.n, "firstDate" = s.first, "lastDate" = s.last,
            "rootMid" = f."messageId", subject = f.subject, "fromName" = f.face
       FROM (SELECT "threadId", count(*)::int AS n, min(date) AS first, max(date) AS last
               FROM "Message" WHERE "threadId" = ANY($1::int[]) GROUP BY "threadId") s,
            (SELECT DISTINCT ON ("threadId") "threadId", "messageId", subject,
                    CASE WHEN "fromName" <> '' THEN "fromName" ELSE "fromAddr" END AS face
               FROM "Message" WHERE "threadId" = ANY($1::int[])
              ORDER BY "threadId", date, "messageId" COLLATE "C", "rawHash" COLLATE "C") f
      WHERE t.id = s."threadId" AND f."threadId" = s."threadId"`,
    [threadIds],
  );
}

/** The batch's reads of the list's threading rows, on the batch's transaction. */
function threadStore(client: Client, listId: number): ThreadStore {
  return {
    async refs(mids) {
      return (await client.query<{ mid: string; threadId: number }>(`SELECT mid, "threadId" FROM "ThreadRef" WHERE "listId" = $1 AND mid = ANY($2::text[])`, [
        listId, mids,
      ])).rows;
    },
    async anyGuarded() {
      return (await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM "GuardedRef" WHERE "listId" = $1) AS any`, [listId])).rows[0]?.any === true;
    },
    async guardedByMid(mids) {
      return (await client.query<{ messageId: number; mid: string }>(`SELECT "messageId", mid FROM "GuardedRef" WHERE "listId" = $1 AND mid = ANY($2::text[])`, [
        listId, mids,
      ])).rows;
    },
    async guardedInThreads(threadIds) {
      return (
        await client.query<{ threadId: number; messageId: number }>(
          `SELECT DISTINCT r."threadId", g."messageId" FROM "ThreadRef" r JOIN "GuardedRef" g ON g."listId" = r."listId" AND g.mid = r.mid
            WHERE r."threadId" = ANY($1::int[])`,
          [threadIds],
        )
      ).rows;
    },
    async guardedMessages(ids) {
      const rows = (
        await client.query<{ id: number; mid: string; references: string }>(
          `SELECT id, "messageId" AS mid, "references" FROM "Message" WHERE id = ANY($1::int[]) AND "mergeGuarded"`,
          [ids],
        )
      ).rows;
      return rows.map((r) => ({ id: r.id, mid: r.mid, references: r.references === "" ? [] : r.references.split(" ") }));
    },
  };
}
