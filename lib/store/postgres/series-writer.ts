// The series side of ingest on PostgreSQL: the same rows and the same rebuild
// as the SQLite series writer (lib/store/sqlite/series-writer.ts, which says
// why series are rebuilt from the stored set), in set-wise statements. Each
// message's PatchMail row or reply trailers are collected while a batch is
// threaded and written with it in two statements; the closure of a rebuild
// (every patch mail its dirty threads could link to through a thread, a
// change-id, or an author's title) is read in rounds, a few statements per
// round for all rows found in the previous one, instead of one per row; and
// new Series, SeriesVersion and SeriesPatch rows go in with ids taken from the
// sequences up front, so a chunk of 500 dirty threads costs a few dozen
// round trips whatever it holds.
//
// Concurrency: a rebuild reads and rewrites a whole list's worth of series
// rows across several statements, so it holds the list's ingest lock (the
// caller's `lockList`, lib/store/postgres/archive-writer.ts) for its
// transaction: no batch of that list commits in between, and two processes
// never rebuild one list's series at once.
import type pg from "pg";
import type { ThreadMail } from "../../series/review";
import { seriesRecord, seriesRowsOf, toSeriesMail, type PatchMailFields, type StoredPatchMail } from "../../series/store-rows";
import type { Trailer } from "../../series/trailers";
import { groupSeries } from "../../series/versions";
import { directParent } from "../../threading/merge-guard";

// Dirty threads rebuilt per transaction, as on SQLite: bounds how long a rebuild holds a list's lock.
const THREADS_PER_REBUILD = 500;
const BACKFILL_CHUNK = 2000;
// SeriesBackfill is one row for the whole store: its chunks take this lock (a lock space of their own).
const BACKFILL_LOCK = [0x73657269, 0] as const; // "seri"

type Client = pg.ClientBase;

/**
 * Text as PostgreSQL can hold it: a text value cannot contain U+0000, which
 * mail does (SQLite keeps it), so it becomes U+FFFD, as a lone surrogate does
 * on its way to UTF-8. The raw message keeps every byte.
 */
export function pgText(s: string): string {
  return s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s;
}

/** The series rows of one batch's messages, written with the batch. */
export class SeriesBatch {
  readonly patchMails: { messageId: number; fields: PatchMailFields }[] = [];
  readonly trailers: { messageId: number; position: number; trailer: Trailer }[] = [];
}

interface PatchRow extends StoredPatchMail {
  normalizedTitle: string;
  versionId: number | null;
}

const PATCH_COLUMNS = `m.id, m."messageId" AS mid, m."threadId", m.date, m."fromAddr", m."inReplyTo", m.subject, p."changeId", p."normalizedTitle", p."versionId"`;

/** SQLite's lower(): ASCII letters only, which is what the SQLite writer's title match folds. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export class PostgresSeriesWriter {
  /** Time spent on series, for the ingest bench's share of ingest. */
  elapsedMs = 0;

  /** What series need to know of one message about to be stored (row id `messageRowId`). */
  record(batch: SeriesBatch, messageRowId: number, message: { subject: string; bodyText: string }): void {
    const started = performance.now();
    const { patchMail, trailers } = seriesRecord(message);
    if (patchMail !== undefined) batch.patchMails.push({ messageId: messageRowId, fields: patchMail });
    else trailers.forEach((trailer, position) => batch.trailers.push({ messageId: messageRowId, position, trailer }));
    this.elapsedMs += performance.now() - started;
  }

  /** Writes a batch's PatchMail and ReplyTrailer rows (their messages are in already). */
  async write(client: Client, listId: number, batch: SeriesBatch): Promise<void> {
    const started = performance.now();
    if (batch.patchMails.length > 0) {
      const rows = batch.patchMails;
      await client.query(
        `INSERT INTO "PatchMail" ("messageId", "listId", revision, counter, total, rfc, resend, "isPullRequest", prefixes, "normalizedTitle", "changeId")
         SELECT m, $1, r, c, t, rfc, resend, pull, pre, title, cid
           FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::boolean[], $7::boolean[], $8::boolean[], $9::text[], $10::text[], $11::text[])
             AS x(m, r, c, t, rfc, resend, pull, pre, title, cid)
         ON CONFLICT DO NOTHING`,
        [
          listId,
          rows.map((r) => r.messageId),
          rows.map((r) => r.fields.revision),
          rows.map((r) => r.fields.counter),
          rows.map((r) => r.fields.total),
          rows.map((r) => r.fields.rfc),
          rows.map((r) => r.fields.resend),
          rows.map((r) => r.fields.isPullRequest),
          rows.map((r) => pgText(r.fields.prefixes)),
          rows.map((r) => pgText(r.fields.normalizedTitle)),
          rows.map((r) => (r.fields.changeId === null ? null : pgText(r.fields.changeId))),
        ],
      );
    }
    if (batch.trailers.length > 0) {
      const rows = batch.trailers;
      await client.query(
        `INSERT INTO "ReplyTrailer" ("messageId", position, name, value)
         SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
        [rows.map((r) => r.messageId), rows.map((r) => r.position), rows.map((r) => pgText(r.trailer.name)), rows.map((r) => pgText(r.trailer.value))],
      );
    }
    this.elapsedMs += performance.now() - started;
  }

  async markDirty(client: Client, threadIds: readonly number[]): Promise<void> {
    if (threadIds.length === 0) return;
    const started = performance.now();
    await client.query(`INSERT INTO "SeriesDirty" ("threadId") SELECT unnest($1::int[]) ON CONFLICT DO NOTHING`, [[...threadIds]]);
    this.elapsedMs += performance.now() - started;
  }

  /**
   * Reads messages stored before series existed (SeriesBackfill says up to
   * which id) and marks their threads dirty; one chunk per call, in the
   * caller's transaction. Returns false once nothing is left.
   */
  async backfillChunk(client: Client): Promise<boolean> {
    const started = performance.now();
    try {
      await client.query(`SELECT pg_advisory_xact_lock($1, $2)`, [...BACKFILL_LOCK]);
      const mark = (await client.query<{ upToId: number }>(`SELECT "upToId" FROM "SeriesBackfill" LIMIT 1`)).rows[0];
      if (mark === undefined || mark.upToId <= 0) return false;
      const rows = (
        await client.query<{ id: number; listId: number; threadId: number; subject: string; bodyText: string }>(
          `SELECT m.id, m."listId", m."threadId", m.subject, ma."bodyText" FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId"
            WHERE m.id <= $1 ORDER BY m.id DESC LIMIT $2`,
          [mark.upToId, BACKFILL_CHUNK],
        )
      ).rows;
      const ids = rows.map((r) => r.id);
      const recorded = new Set(
        (
          await client.query<{ id: number }>(
            `SELECT "messageId" AS id FROM "PatchMail" WHERE "messageId" = ANY($1::int[])
             UNION SELECT "messageId" FROM "ReplyTrailer" WHERE "messageId" = ANY($1::int[])`,
            [ids],
          )
        ).rows.map((r) => r.id),
      );
      const byList = new Map<number, SeriesBatch>();
      for (const row of rows) {
        if (recorded.has(row.id)) continue;
        let batch = byList.get(row.listId);
        if (batch === undefined) byList.set(row.listId, (batch = new SeriesBatch()));
        this.record(batch, row.id, row);
      }
      for (const [listId, batch] of byList) await this.write(client, listId, batch);
      await this.markDirty(client, [...new Set(rows.map((r) => r.threadId))]);
      const next = rows.length < BACKFILL_CHUNK ? 0 : (rows[rows.length - 1] as { id: number }).id - 1;
      await client.query(`UPDATE "SeriesBackfill" SET "upToId" = $1`, [next]);
      return next > 0;
    } finally {
      this.elapsedMs += performance.now() - started;
    }
  }

  /**
   * Rebuilds the series of up to THREADS_PER_REBUILD dirty threads of one
   * list, in the caller's transaction, under that list's lock (`lockList`);
   * false when no dirty thread is left.
   */
  async rebuildChunk(client: Client, lockList: (client: Client, listId: number) => Promise<void>): Promise<boolean> {
    const started = performance.now();
    try {
      // Rows of threads merged away since they were marked: their target is dirty too.
      await client.query(`DELETE FROM "SeriesDirty" d WHERE NOT EXISTS (SELECT 1 FROM "Thread" t WHERE t.id = d."threadId")`);
      const first = (
        await client.query<{ listId: number }>(
          `SELECT t."listId" FROM "SeriesDirty" d JOIN "Thread" t ON t.id = d."threadId" ORDER BY d."threadId" LIMIT 1`,
        )
      ).rows[0];
      if (first === undefined) return false;
      await lockList(client, first.listId);
      // Read again under the lock: another process may have rebuilt some meanwhile.
      const threads = (
        await client.query<{ threadId: number }>(
          `DELETE FROM "SeriesDirty" WHERE "threadId" IN (
             SELECT d."threadId" FROM "SeriesDirty" d JOIN "Thread" t ON t.id = d."threadId"
              WHERE t."listId" = $1 ORDER BY d."threadId" LIMIT $2)
           RETURNING "threadId"`,
          [first.listId, THREADS_PER_REBUILD],
        )
      ).rows.map((r) => r.threadId);
      if (threads.length > 0) await this.rebuild(client, first.listId, threads);
      return true;
    } finally {
      this.elapsedMs += performance.now() - started;
    }
  }

  private async rebuild(client: Client, listId: number, seedThreads: number[]): Promise<void> {
    const mails = await this.closure(client, listId, seedThreads);
    const rows = [...mails.values()];
    const threads = new Set(rows.map((r) => r.threadId));
    const oldVersions = [...new Set(rows.flatMap((r) => (r.versionId === null ? [] : [r.versionId])))];
    if (oldVersions.length > 0) {
      await client.query(`UPDATE "PatchMail" SET "versionId" = NULL WHERE "versionId" = ANY($1::int[])`, [oldVersions]);
      // Deleting the series takes its versions and their patches with it.
      await client.query(`DELETE FROM "Series" WHERE id IN (SELECT "seriesId" FROM "SeriesVersion" WHERE id = ANY($1::int[]))`, [oldVersions]);
    }
    const groups = groupSeries(rows.map(toSeriesMail));
    if (groups.length === 0) return;
    const members = await loadThreadMails(client, threads);
    const planned = seriesRowsOf(groups, members);
    const seriesIds = await nextIds(client, "Series_id_seq", planned.length);
    const versionIds = await nextIds(client, "SeriesVersion_id_seq", planned.reduce((n, s) => n + s.versions.length, 0));
    const series: unknown[][] = Array.from({ length: 5 }, () => []);
    const versions: unknown[][] = Array.from({ length: 18 }, () => []);
    const patches: unknown[][] = Array.from({ length: 6 }, () => []);
    const versionOf: [number[], number[]] = [[], []];
    const push = (columns: unknown[][], values: unknown[]) => values.forEach((value, i) => columns[i]!.push(value));
    let v = 0;
    planned.forEach((plan, s) => {
      const seriesId = seriesIds[s] as number;
      for (const version of plan.versions) {
        const versionId = versionIds[v++] as number;
        push(versions, [
          versionId, seriesId, version.position, version.revision, version.total, version.present, version.rootMessageId,
          pgText(version.rootMid), version.coverMessageId, pgText(version.title), pgText(version.fromAddr), version.date.toISOString(),
          version.lastDate.toISOString(), version.replyCount, version.rfc, version.resend, version.isPullRequest, version.superseded,
        ]);
        for (const mailId of version.mailIds) push(versionOf, [mailId, versionId]);
        for (const p of version.patches) push(patches, [versionId, p.counter, p.messageId, p.reviewed, p.acked, p.tested]);
      }
      // The last version is the latest.
      push(series, [seriesId, versionIds[v - 1], plan.versionCount, plan.firstDate.toISOString(), plan.lastDate.toISOString()]);
    });
    await client.query(
      `INSERT INTO "Series" (id, "listId", "latestVersionId", "versionCount", "firstDate", "lastDate")
       SELECT id, $1, latest, n, f, l FROM unnest($2::int[], $3::int[], $4::int[], $5::timestamptz[], $6::timestamptz[]) AS x(id, latest, n, f, l)`,
      [listId, ...series],
    );
    await client.query(
      `INSERT INTO "SeriesVersion" (id, "seriesId", "listId", position, revision, total, present, "rootMessageId", "rootMid", "coverMessageId",
         title, "fromAddr", date, "lastDate", "replyCount", rfc, resend, "isPullRequest", superseded)
       SELECT id, sid, $1, pos, rev, total, present, root, rmid, cover, title, addr, d, l, replies, rfc, resend, pull, superseded
         FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::text[], $10::int[], $11::text[], $12::text[],
                     $13::timestamptz[], $14::timestamptz[], $15::int[], $16::boolean[], $17::boolean[], $18::boolean[], $19::boolean[])
           AS x(id, sid, pos, rev, total, present, root, rmid, cover, title, addr, d, l, replies, rfc, resend, pull, superseded)`,
      [listId, ...versions],
    );
    if (patches[0]!.length > 0) {
      await client.query(
        `INSERT INTO "SeriesPatch" ("versionId", counter, "messageId", reviewed, acked, tested)
         SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[])`,
        patches,
      );
    }
    await client.query(
      `UPDATE "PatchMail" p SET "versionId" = x.v FROM unnest($1::int[], $2::int[]) AS x(m, v) WHERE p."messageId" = x.m`,
      versionOf,
    );
  }

  /**
   * Every patch mail the seed threads' series could be linked with, keyed by
   * message id: the SQLite writer's closure, read a round at a time.
   */
  private async closure(client: Client, listId: number, seedThreads: number[]): Promise<Map<number, PatchRow>> {
    const mails = new Map<number, PatchRow>();
    const threads = new Set<number>();
    const changeIds = new Set<string>();
    // normalizedTitle -> lowercased authors asked for
    const titles = new Map<string, Set<string>>();
    let threadQueue = [...new Set(seedThreads)];
    let changeIdQueue: string[] = [];
    let titleQueue = new Map<string, Set<string>>();
    const add = (rows: PatchRow[]) => {
      for (const row of rows) {
        if (mails.has(row.id)) continue;
        mails.set(row.id, row);
        if (!threads.has(row.threadId)) {
          threads.add(row.threadId);
          threadQueue.push(row.threadId);
        }
        if (row.changeId !== null && !changeIds.has(row.changeId)) {
          changeIds.add(row.changeId);
          changeIdQueue.push(row.changeId);
        }
        const author = asciiLower(row.fromAddr);
        let asked = titles.get(row.normalizedTitle);
        if (asked === undefined) titles.set(row.normalizedTitle, (asked = new Set()));
        if (!asked.has(author)) {
          asked.add(author);
          let queued = titleQueue.get(row.normalizedTitle);
          if (queued === undefined) titleQueue.set(row.normalizedTitle, (queued = new Set()));
          queued.add(author);
        }
      }
    };
    for (const t of threadQueue) threads.add(t);
    while (threadQueue.length > 0 || changeIdQueue.length > 0 || titleQueue.size > 0) {
      const inThreads = threadQueue;
      const byChangeId = changeIdQueue;
      const byTitle = titleQueue;
      threadQueue = [];
      changeIdQueue = [];
      titleQueue = new Map();
      if (inThreads.length > 0) {
        add((await client.query<PatchRow>(
          `SELECT ${PATCH_COLUMNS} FROM "Message" m JOIN "PatchMail" p ON p."messageId" = m.id WHERE m."threadId" = ANY($1::int[])`,
          [inThreads],
        )).rows);
      }
      if (byChangeId.length > 0) {
        add((await client.query<PatchRow>(
          `SELECT ${PATCH_COLUMNS} FROM "PatchMail" p JOIN "Message" m ON m.id = p."messageId" WHERE p."listId" = $1 AND p."changeId" = ANY($2::text[])`,
          [listId, byChangeId],
        )).rows);
      }
      if (byTitle.size > 0) {
        const found = (await client.query<PatchRow>(
          `SELECT ${PATCH_COLUMNS} FROM "PatchMail" p JOIN "Message" m ON m.id = p."messageId" WHERE p."listId" = $1 AND p."normalizedTitle" = ANY($2::text[])`,
          [listId, [...byTitle.keys()]],
        )).rows;
        // The author is compared as SQLite's lower() does (ASCII only), here rather than in SQL.
        add(found.filter((row) => byTitle.get(row.normalizedTitle)?.has(asciiLower(row.fromAddr))));
      }
    }
    return mails;
  }
}

/** `count` ids from a table's sequence, ascending. */
export async function nextIds(client: Client, sequence: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  const rows = (await client.query<{ id: number }>(`SELECT nextval($1::regclass)::int AS id FROM generate_series(1, $2::int)`, [`"${sequence}"`, count])).rows;
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** The messages of these threads as the review walk needs them (lib/store/sqlite/thread-mails.ts on SQLite). */
async function loadThreadMails(client: Client, threadIds: Iterable<number>): Promise<ThreadMail[]> {
  const ids = [...new Set(threadIds)];
  if (ids.length === 0) return [];
  const given = new Map<number, Trailer[]>();
  const trailers = await client.query<{ messageId: number; name: string; value: string }>(
    `SELECT r."messageId", r.name, r.value FROM "Message" m JOIN "ReplyTrailer" r ON r."messageId" = m.id
      WHERE m."threadId" = ANY($1::int[]) ORDER BY r."messageId", r.position`,
    [ids],
  );
  for (const t of trailers.rows) {
    const list = given.get(t.messageId);
    if (list) list.push({ name: t.name, value: t.value });
    else given.set(t.messageId, [{ name: t.name, value: t.value }]);
  }
  const members = await client.query<{ id: number; mid: string; inReplyTo: string | null; references: string; date: Date; isPatchMail: boolean }>(
    `SELECT m.id, m."messageId" AS mid, m."inReplyTo", m."references", m.date, (p."messageId" IS NOT NULL) AS "isPatchMail"
       FROM "Message" m LEFT JOIN "PatchMail" p ON p."messageId" = m.id WHERE m."threadId" = ANY($1::int[])`,
    [ids],
  );
  return members.rows.map((row) => {
    const references = row.references === "" ? [] : row.references.split(" ");
    return {
      id: row.id,
      mid: row.mid,
      parentMid: directParent(references, row.inReplyTo, row.mid),
      date: row.date,
      isPatchMail: row.isPatchMail,
      trailers: given.get(row.id) ?? [],
    };
  });
}
