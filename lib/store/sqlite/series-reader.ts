// Reading patch series: the per-list index, one series with a chosen
// version, where a patch sits in its series, and a version's patches for the
// series mbox. Trailers with who gave them are collected at read time from
// the stored replies (the index only needs the counts kept at ingest).
import type Database from "better-sqlite3";
import type { AmPatch } from "../../series/am-mbox";
import { collectReview, type VersionReview } from "../../series/review";
import { compareVersions } from "../../series/version-diff";
import { fromSqlDate, toSqlDate } from "./sql-date";
import { formatCursor } from "../../web/cursor";
import type {
  MessageSeriesInfo,
  PatchMarks,
  SeriesDetail,
  SeriesIndexPage,
  SeriesInterdiffView,
  SeriesPatchView,
  SeriesSummary,
  SeriesVersionView,
} from "../../types";
import { ThreadMailLoader } from "./thread-mails";
import { SERIES_PAGE_SIZE, type SeriesReads } from "../types";

type Row = Record<string, unknown>;

const VERSION_COLUMNS = `v.id, v.seriesId, v.position, v.revision, v.total, v.present, v.rootMid, v.coverMessageId, v.title,
  v.date, v.lastDate, v.replyCount, v.rfc, v.resend, v.isPullRequest, v.superseded,
  CASE WHEN r.fromName <> '' THEN r.fromName ELSE r.fromAddr END AS fromName`;

function toVersion(r: Row): SeriesVersionView {
  return {
    rootMid: r.rootMid as string, revision: r.revision as number, total: r.total as number, present: r.present as number,
    title: r.title as string, fromName: r.fromName as string, date: fromSqlDate(r.date as string) as Date,
    lastDate: fromSqlDate(r.lastDate as string) as Date, replyCount: r.replyCount as number, rfc: r.rfc === 1,
    resend: r.resend === 1, isPullRequest: r.isPullRequest === 1, superseded: r.superseded === 1,
  };
}

type Prepare = (sql: string) => Pick<Database.Statement, "get" | "all">;

export class SeriesReader implements SeriesReads {
  private readonly sql;
  private readonly threadMails: ThreadMailLoader;

  /** `prepare` is the reader's, so these statements count towards its queryCount. */
  constructor(db: Database.Database, prepare: Prepare = (sql) => db.prepare(sql)) {
    this.threadMails = new ThreadMailLoader(db, prepare);
    this.sql = {
      newest: prepare(
        `SELECT s.id AS sid, s.lastDate AS activity, s.versionCount, ${VERSION_COLUMNS}
           FROM "Series" s JOIN "SeriesVersion" v ON v.id = s.latestVersionId JOIN "Message" r ON r.id = v.rootMessageId
          WHERE s.listId = ? AND s.lastDate < ? ORDER BY s.lastDate DESC, s.id DESC LIMIT ?`,
      ),
      listState: prepare(`SELECT max(id) AS last, count(*) AS n FROM "Series" WHERE listId = ?`),
      newestVersions: prepare(
        `SELECT ${VERSION_COLUMNS}, r.fromAddr AS fromAddr, s.versionCount FROM "SeriesVersion" v JOIN "Message" r ON r.id = v.rootMessageId
           JOIN "Series" s ON s.id = v.seriesId WHERE v.listId = ? ORDER BY v.date DESC, v.id DESC LIMIT ?`,
      ),
      seriesOfRoot: prepare(
        `SELECT s.id AS sid, s.lastDate AS activity, s.versionCount, ${VERSION_COLUMNS}
           FROM "SeriesVersion" hit JOIN "Series" s ON s.id = hit.seriesId JOIN "SeriesVersion" v ON v.id = s.latestVersionId
           JOIN "Message" r ON r.id = v.rootMessageId
          WHERE hit.listId = ? AND hit.rootMid = ? LIMIT 1`,
      ),
      marks: prepare(`SELECT counter, reviewed, acked, tested FROM "SeriesPatch" WHERE versionId = ? ORDER BY counter`),
      versionByMid: prepare(`SELECT id, seriesId FROM "SeriesVersion" WHERE listId = ? AND rootMid = ? ORDER BY id LIMIT 1`),
      version: prepare(`SELECT ${VERSION_COLUMNS} FROM "SeriesVersion" v JOIN "Message" r ON r.id = v.rootMessageId WHERE v.id = ?`),
      versions: prepare(
        `SELECT ${VERSION_COLUMNS} FROM "SeriesVersion" v JOIN "Message" r ON r.id = v.rootMessageId WHERE v.seriesId = ? ORDER BY v.position`,
      ),
      patches: prepare(
        `SELECT p.counter, m.messageId AS mid, m.subject, m.date, m.threadId, m.fromAddr, mail.bodyText,
                CASE WHEN m.fromName <> '' THEN m.fromName ELSE m.fromAddr END AS fromName, m.fromName AS rawFromName
           FROM "SeriesPatch" p JOIN "Message" m ON m.id = p.messageId JOIN "Mail" mail ON mail.id = m.mailId
          WHERE p.versionId = ? ORDER BY p.counter`,
      ),
      message: prepare(`SELECT messageId AS mid, subject, date, threadId FROM "Message" WHERE id = ?`),
      // Any stored variant of the Message-ID: a version holds one of them.
      ofMessage: prepare(
        `SELECT v.id, v.seriesId, v.title, v.revision, v.total, v.rootMid, p.counter, s.versionCount, s.lastDate
           FROM "Message" m JOIN "PatchMail" p ON p.messageId = m.id JOIN "SeriesVersion" v ON v.id = p.versionId
           JOIN "Series" s ON s.id = v.seriesId
          WHERE m.listId = ? AND m.messageId = ? ORDER BY m.id LIMIT 1`,
      ),
      counterparts: prepare(
        `SELECT v.id, v.revision, v.rootMid, (SELECT m.messageId FROM "SeriesPatch" sp JOIN "Message" m ON m.id = sp.messageId
                  WHERE sp.versionId = v.id AND sp.counter = ?) AS counterpartMid,
                (SELECT m.messageId FROM "Message" m WHERE m.id = v.coverMessageId) AS coverMid
           FROM "SeriesVersion" v WHERE v.seriesId = ? ORDER BY v.position`,
      ),
    };
  }

  /** Newest activity first; `before` is the ?t= cursor (exclusive). */
  async listSeries(listId: number, before: Date | null): Promise<SeriesIndexPage> {
    const rows = this.sql.newest.all(listId, toSqlDate(before ?? new Date(8.64e15)), SERIES_PAGE_SIZE + 1) as Row[];
    const more = rows.length > SERIES_PAGE_SIZE;
    const shown = rows.slice(0, SERIES_PAGE_SIZE);
    const last = shown[shown.length - 1];
    return { series: shown.map((r) => this.toSummary(r)), olderCursor: more && last ? formatCursor(fromSqlDate(last.activity as string) as Date) : null };
  }

  /** The series of these version roots (search hits), each once, in the order of its first hit. */
  async listSeriesOfRoots(listId: number, rootMids: readonly string[]): Promise<SeriesSummary[]> {
    const seen = new Set<number>();
    const out: SeriesSummary[] = [];
    for (const mid of rootMids) {
      const row = this.sql.seriesOfRoot.get(listId, mid) as Row | undefined;
      if (row === undefined || seen.has(row.sid as number)) continue;
      seen.add(row.sid as number);
      out.push(this.toSummary(row));
    }
    return out;
  }

  private toSummary(r: Row): SeriesSummary {
    const version = toVersion(r);
    const patches: (PatchMarks | null)[] = Array.from({ length: version.total }, () => null);
    for (const m of this.sql.marks.all(r.id as number) as { counter: number; reviewed: number; acked: number; tested: number }[]) {
      if (m.counter >= 1 && m.counter <= patches.length) patches[m.counter - 1] = { reviewed: m.reviewed, acked: m.acked, tested: m.tested };
    }
    return {
      rootMid: version.rootMid, title: version.title, fromName: version.fromName, revision: version.revision,
      versionCount: r.versionCount as number, present: version.present, total: version.total, patches,
      replyCount: version.replyCount, lastDate: fromSqlDate(r.activity as string) as Date, rfc: version.rfc,
      resend: version.resend, isPullRequest: version.isPullRequest,
    };
  }

  /** The newest versions of the list's series (a new series is its first version), for the series feed. */
  async listNewestVersions(listId: number, take: number): Promise<(SeriesVersionView & { fromAddr: string; versionCount: number })[]> {
    return (this.sql.newestVersions.all(listId, take) as Row[]).map((r) => ({ ...toVersion(r), fromAddr: r.fromAddr as string, versionCount: r.versionCount as number }));
  }

  /** The series holding the version whose root is `rootMid`, with that version's patches and trailers. */
  async getSeries(listId: number, rootMid: string): Promise<SeriesDetail | null> {
    const found = this.findVersion(listId, rootMid);
    if (found === undefined) return null;
    const versionRows = this.sql.versions.all(found.seriesId) as Row[];
    const chosen = versionRows.findIndex((r) => r.id === found.id);
    const row = versionRows[chosen] as Row;
    const { review, patchRows, cover } = this.reviewOf(row);
    const patches: (SeriesPatchView | null)[] = Array.from({ length: row.total as number }, () => null);
    for (const p of patchRows) {
      patches[(p.counter as number) - 1] = {
        counter: p.counter as number, mid: p.mid as string, subject: p.subject as string, fromName: p.fromName as string,
        date: fromSqlDate(p.date as string) as Date, trailers: review.patches[(p.counter as number) - 1] ?? [],
      };
    }
    return {
      versions: versionRows.map(toVersion),
      chosen,
      cover: cover === null ? null : { mid: cover.mid as string, subject: cover.subject as string, date: fromSqlDate(cover.date as string) as Date, trailers: review.cover },
      patches,
    };
  }

  /** What changed from the version rooted at `fromRoot` to the one at `toRoot` (one series), patch by patch. */
  async getInterdiff(listId: number, toRoot: string, fromRoot: string): Promise<SeriesInterdiffView | null> {
    const to = this.findVersion(listId, toRoot);
    const from = this.findVersion(listId, fromRoot);
    if (to === undefined || from === undefined || to.seriesId !== from.seriesId || to.id === from.id) return null;
    const rows = this.sql.versions.all(to.seriesId) as Row[];
    const patchesOf = (versionId: number) =>
      (this.sql.patches.all(versionId) as Row[]).map((p) => ({ counter: p.counter as number, mid: p.mid as string, subject: p.subject as string, bodyText: p.bodyText as string }));
    const { pairs, capped } = compareVersions(patchesOf(from.id), patchesOf(to.id));
    const toIndex = rows.findIndex((r) => r.id === to.id);
    return {
      title: (rows[toIndex] as Row).title as string,
      versions: rows.map(toVersion),
      from: rows.findIndex((r) => r.id === from.id),
      to: toIndex,
      pairs,
      capped,
    };
  }

  /** A patch's (or cover letter's) place in its series, for its message page. */
  async getMessageSeries(listId: number, mid: string): Promise<MessageSeriesInfo | null> {
    const row = this.sql.ofMessage.get(listId, mid) as Row | undefined;
    if (row === undefined) return null;
    const counter = (row.counter as number | null) ?? 1;
    const versions = (this.sql.counterparts.all(counter, row.seriesId) as Row[]).map((v) => ({
      revision: v.revision as number,
      rootMid: v.rootMid as string,
      counterpartMid: (counter === 0 ? (v.coverMid as string | null) : (v.counterpartMid as string | null)) ?? null,
      current: v.id === row.id,
    }));
    return { title: row.title as string, revision: row.revision as number, counter, total: row.total as number, rootMid: row.rootMid as string, versions };
  }

  /**
   * Changes whenever a rebuild touched the list's series: a rebuild deletes
   * the series it redoes and inserts new rows, whose ids only grow.
   */
  async getListSeriesState(listId: number): Promise<string> {
    const row = this.sql.listState.get(listId) as { last: number | null; n: number };
    return `${row.n}:${row.last ?? 0}`;
  }

  /** What a message page's cache key must change with: its series' shape and activity. */
  async getMessageSeriesState(listId: number, mid: string): Promise<string> {
    const row = this.sql.ofMessage.get(listId, mid) as Row | undefined;
    return row === undefined ? "" : `${row.seriesId}:${row.versionCount}:${row.lastDate}`;
  }

  /** The patches of one version with every collected trailer, for the series mbox. */
  async listMboxPatches(listId: number, rootMid: string): Promise<AmPatch[] | null> {
    const found = this.findVersion(listId, rootMid);
    if (found === undefined) return null;
    const row = this.sql.version.get(found.id) as Row;
    const { review, patchRows } = this.reviewOf(row);
    return patchRows.map((p) => ({
      mid: p.mid as string, fromName: p.rawFromName as string, fromAddr: p.fromAddr as string,
      date: fromSqlDate(p.date as string) as Date, subject: p.subject as string, bodyText: p.bodyText as string,
      trailers: review.patches[(p.counter as number) - 1] ?? [],
    }));
  }

  private findVersion(listId: number, rootMid: string): { id: number; seriesId: number } | undefined {
    return this.sql.versionByMid.get(listId, rootMid) as { id: number; seriesId: number } | undefined;
  }

  private reviewOf(version: Row): { review: VersionReview; patchRows: Row[]; cover: Row | null } {
    const patchRows = this.sql.patches.all(version.id as number) as Row[];
    const cover = version.coverMessageId === null ? null : ((this.sql.message.get(version.coverMessageId as number) as Row | undefined) ?? null);
    const threads = patchRows.map((p) => p.threadId as number);
    if (cover !== null) threads.push(cover.threadId as number);
    const patchMids: (string | null)[] = Array.from({ length: version.total as number }, () => null);
    for (const p of patchRows) patchMids[(p.counter as number) - 1] = p.mid as string;
    const review = collectReview({ coverMid: (cover?.mid as string | undefined) ?? null, patchMids }, this.threadMails.load(threads));
    return { review, patchRows, cover };
  }
}
