// The series side of ingest. Each message leaves what series need to know of
// it (a "PatchMail" row for a patch or cover letter; its own
// trailers for a reply), and the threads it touched are marked dirty. The
// series and versions of dirty threads are then rebuilt from those rows by the
// pure grouping in lib/series/versions.ts, over the whole connected part of
// the archive they could link to (same thread, change-id, or author and
// title). Rebuilding from the stored set rather than patching the previous
// answer is what makes the result independent of arrival order and of how
// the mail was cut into batches and runs.
import type Database from "better-sqlite3";
import type { ParsedMessage } from "../../mail/mime";
import { seriesRecord, seriesRowsOf, toSeriesMail, type SeriesRows } from "../../series/store-rows";
import { groupSeries, type Series } from "../../series/versions";
import { fromSqlDate, toSqlDate } from "./sql-date";
import { ThreadMailLoader } from "./thread-mails";

export { patchMailSubject } from "../../series/store-rows";

// Dirty threads rebuilt per transaction: bounds how long ingest holds the write lock in one go.
const THREADS_PER_REBUILD = 500;
const BACKFILL_CHUNK = 2000;

interface PatchRow {
  id: number;
  mid: string;
  threadId: number;
  date: string | number;
  fromAddr: string;
  inReplyTo: string | null;
  subject: string;
  changeId: string | null;
  normalizedTitle: string;
  versionId: number | null;
}

export class SeriesWriter {
  private readonly sql;
  private readonly threadMails: ThreadMailLoader;
  /** Time spent on series, for bench:ingest's share of ingest. */
  elapsedMs = 0;

  constructor(db: Database.Database) {
    this.sql = prepareStatements(db);
    this.threadMails = new ThreadMailLoader(db);
  }

  /** What series need to know of one stored message. */
  recordMessage(listId: number, messageRowId: number, parsed: Pick<ParsedMessage, "subject" | "bodyText">): void {
    const started = performance.now();
    try {
      this.record(listId, messageRowId, parsed);
    } finally {
      this.elapsedMs += performance.now() - started;
    }
  }

  private record(listId: number, messageRowId: number, parsed: Pick<ParsedMessage, "subject" | "bodyText">): void {
    const { patchMail, trailers } = seriesRecord(parsed);
    if (patchMail !== undefined) {
      this.sql.insertPatchMail.run(
        messageRowId, listId, patchMail.revision, patchMail.counter, patchMail.total, patchMail.rfc ? 1 : 0, patchMail.resend ? 1 : 0,
        patchMail.isPullRequest ? 1 : 0, patchMail.prefixes, patchMail.normalizedTitle, patchMail.changeId,
      );
      return;
    }
    trailers.forEach((trailer, position) => this.sql.insertTrailer.run(messageRowId, position, trailer.name, trailer.value));
  }

  markDirty(threadIds: Iterable<number>): void {
    const started = performance.now();
    for (const threadId of threadIds) this.sql.markDirty.run(threadId);
    this.elapsedMs += performance.now() - started;
  }

  hasDirty(): boolean {
    return this.sql.anyDirty.get() !== undefined;
  }

  /**
   * Reads messages stored before series existed (the migration noted up to
   * which id) and marks their threads dirty; one chunk per call, so the
   * caller can commit between chunks. Returns false once nothing is left.
   */
  backfillChunk(): boolean {
    const row = this.sql.backfill.get() as { upToId: number } | undefined;
    if (row === undefined || row.upToId <= 0) return false;
    const rows = this.sql.backfillMessages.all(row.upToId, BACKFILL_CHUNK) as { id: number; listId: number; threadId: number; subject: string; bodyText: string }[];
    for (const message of rows) {
      if (this.sql.hasPatchMail.get(message.id) === undefined && this.sql.hasTrailer.get(message.id) === undefined) {
        this.record(message.listId, message.id, message);
      }
      this.sql.markDirty.run(message.threadId);
    }
    const next = rows.length < BACKFILL_CHUNK ? 0 : (rows[rows.length - 1] as { id: number }).id - 1;
    this.sql.setBackfill.run(next);
    return next > 0;
  }

  /** Rebuilds the series of up to THREADS_PER_REBUILD dirty threads; false when none are left. */
  rebuildChunk(): boolean {
    const started = performance.now();
    try {
      return this.rebuildSome();
    } finally {
      this.elapsedMs += performance.now() - started;
    }
  }

  private rebuildSome(): boolean {
    const dirty = this.sql.dirtyThreads.all(THREADS_PER_REBUILD) as { threadId: number; listId: number | null }[];
    if (dirty.length === 0) return false;
    const byList = new Map<number, number[]>();
    for (const { threadId, listId } of dirty) {
      this.sql.clearDirty.run(threadId);
      if (listId === null) continue; // merged into another thread since, which is dirty too
      const threads = byList.get(listId);
      if (threads) threads.push(threadId);
      else byList.set(listId, [threadId]);
    }
    for (const [listId, threads] of byList) this.rebuild(listId, threads);
    return true;
  }

  private rebuild(listId: number, seedThreads: number[]): void {
    const mails = this.closure(listId, seedThreads);
    const threads = new Set<number>();
    const oldVersions = new Set<number>();
    for (const row of mails.values()) {
      threads.add(row.threadId);
      if (row.versionId !== null) oldVersions.add(row.versionId);
      this.sql.clearVersion.run(row.id);
    }
    for (const versionId of oldVersions) {
      const version = this.sql.versionSeries.get(versionId) as { seriesId: number } | undefined;
      // Deleting the series takes its versions and their patches with it.
      if (version !== undefined) this.sql.deleteSeries.run(version.seriesId);
    }
    const seriesMails = [...mails.values()].map((row) => toSeriesMail(toStoredMail(row)));
    const members = this.threadMails.load(threads);
    const groups = groupSeries(seriesMails);
    seriesRowsOf(groups, members).forEach((rows, i) => this.insertSeries(listId, groups[i] as Series, rows));
  }

  /** Every patch mail the seed threads' series could be linked with, keyed by message id. */
  private closure(listId: number, seedThreads: number[]): Map<number, PatchRow> {
    const mails = new Map<number, PatchRow>();
    const threads = new Set<number>();
    const changeIds = new Set<string>();
    const titles = new Set<string>();
    const pendingThreads = [...seedThreads];
    const pendingRows: PatchRow[] = [];
    const add = (rows: PatchRow[]) => {
      for (const row of rows) {
        if (mails.has(row.id)) continue;
        mails.set(row.id, row);
        pendingRows.push(row);
      }
    };
    while (pendingThreads.length > 0 || pendingRows.length > 0) {
      const threadId = pendingThreads.pop();
      if (threadId !== undefined) {
        if (!threads.has(threadId)) {
          threads.add(threadId);
          add(this.sql.patchMailsInThread.all(threadId) as PatchRow[]);
        }
        continue;
      }
      const row = pendingRows.pop() as PatchRow;
      if (!threads.has(row.threadId)) pendingThreads.push(row.threadId);
      if (row.changeId !== null && !changeIds.has(row.changeId)) {
        changeIds.add(row.changeId);
        add(this.sql.patchMailsByChangeId.all(listId, row.changeId) as PatchRow[]);
      }
      const title = `${row.fromAddr}\n${row.normalizedTitle}`;
      if (!titles.has(title)) {
        titles.add(title);
        add(this.sql.patchMailsByTitle.all(listId, row.normalizedTitle, row.fromAddr) as PatchRow[]);
      }
    }
    return mails;
  }

  private insertSeries(listId: number, series: Series, rows: SeriesRows): void {
    const seriesId = Number(this.sql.insertSeries.run(listId, rows.versionCount, toSqlDate(rows.firstDate), toSqlDate(series.latest.lastDate)).lastInsertRowid);
    let latestVersionId = 0;
    for (const version of rows.versions) {
      const versionId = Number(
        this.sql.insertVersion.run(
          seriesId, listId, version.position, version.revision, version.total, version.present, version.rootMessageId, version.rootMid,
          version.coverMessageId, version.title, version.fromAddr, toSqlDate(version.date), toSqlDate(version.lastDate),
          version.replyCount, version.rfc ? 1 : 0, version.resend ? 1 : 0, version.isPullRequest ? 1 : 0, version.superseded ? 1 : 0,
        ).lastInsertRowid,
      );
      latestVersionId = versionId;
      for (const mailId of version.mailIds) this.sql.setVersion.run(versionId, mailId);
      for (const patch of version.patches) {
        this.sql.insertPatch.run(versionId, patch.counter, patch.messageId, patch.reviewed, patch.acked, patch.tested);
      }
    }
    this.sql.finishSeries.run(latestVersionId, toSqlDate(rows.lastDate), seriesId);
  }
}

function toStoredMail(row: PatchRow) {
  return { ...row, date: fromSqlDate(row.date) as Date };
}

const PATCH_COLUMNS = `m.id, m.messageId AS mid, m.threadId, m.date, m.fromAddr, m.inReplyTo, m.subject, p.changeId, p.normalizedTitle, p.versionId`;

function prepareStatements(db: Database.Database) {
  return {
    insertPatchMail: db.prepare(
      `INSERT OR IGNORE INTO "PatchMail" (messageId, listId, revision, counter, total, rfc, resend, isPullRequest, prefixes, normalizedTitle, changeId)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertTrailer: db.prepare(`INSERT OR IGNORE INTO "ReplyTrailer" (messageId, position, name, value) VALUES (?, ?, ?, ?)`),
    hasPatchMail: db.prepare(`SELECT 1 FROM "PatchMail" WHERE messageId = ?`),
    hasTrailer: db.prepare(`SELECT 1 FROM "ReplyTrailer" WHERE messageId = ? LIMIT 1`),
    markDirty: db.prepare(`INSERT OR IGNORE INTO "SeriesDirty" (threadId) VALUES (?)`),
    anyDirty: db.prepare(`SELECT 1 FROM "SeriesDirty" LIMIT 1`),
    dirtyThreads: db.prepare(
      `SELECT d.threadId, t.listId FROM "SeriesDirty" d LEFT JOIN "Thread" t ON t.id = d.threadId ORDER BY d.threadId LIMIT ?`,
    ),
    clearDirty: db.prepare(`DELETE FROM "SeriesDirty" WHERE threadId = ?`),
    backfill: db.prepare(`SELECT upToId FROM "SeriesBackfill" LIMIT 1`),
    setBackfill: db.prepare(`UPDATE "SeriesBackfill" SET upToId = ?`),
    backfillMessages: db.prepare(
      `SELECT m.id, m.listId, m.threadId, m.subject, mail.bodyText FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId
        WHERE m.id <= ? ORDER BY m.id DESC LIMIT ?`,
    ),
    patchMailsInThread: db.prepare(`SELECT ${PATCH_COLUMNS} FROM "Message" m JOIN "PatchMail" p ON p.messageId = m.id WHERE m.threadId = ?`),
    patchMailsByChangeId: db.prepare(
      `SELECT ${PATCH_COLUMNS} FROM "PatchMail" p JOIN "Message" m ON m.id = p.messageId WHERE p.listId = ? AND p.changeId = ?`,
    ),
    patchMailsByTitle: db.prepare(
      `SELECT ${PATCH_COLUMNS} FROM "PatchMail" p JOIN "Message" m ON m.id = p.messageId
        WHERE p.listId = ? AND p.normalizedTitle = ? AND lower(m.fromAddr) = lower(?)`,
    ),
    clearVersion: db.prepare(`UPDATE "PatchMail" SET versionId = NULL WHERE messageId = ?`),
    versionSeries: db.prepare(`SELECT seriesId FROM "SeriesVersion" WHERE id = ?`),
    deleteSeries: db.prepare(`DELETE FROM "Series" WHERE id = ?`),
    insertSeries: db.prepare(`INSERT INTO "Series" (listId, versionCount, firstDate, lastDate) VALUES (?, ?, ?, ?)`),
    finishSeries: db.prepare(`UPDATE "Series" SET latestVersionId = ?, lastDate = ? WHERE id = ?`),
    insertVersion: db.prepare(
      `INSERT INTO "SeriesVersion" (seriesId, listId, position, revision, total, present, rootMessageId, rootMid, coverMessageId,
         title, fromAddr, date, lastDate, replyCount, rfc, resend, isPullRequest, superseded)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setVersion: db.prepare(`UPDATE "PatchMail" SET versionId = ? WHERE messageId = ?`),
    insertPatch: db.prepare(
      `INSERT INTO "SeriesPatch" (versionId, counter, messageId, reviewed, acked, tested) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
  };
}
