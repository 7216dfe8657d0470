// Reading patch series on PostgreSQL: the SQLite series reader
// (lib/store/sqlite/series-reader.ts) ported, with the same answers and the
// same pure logic (collectReview, compareVersions). Where SQLite runs one
// cheap lookup per row (review marks per index row, a series per search hit),
// this runs one statement for the whole page, since each costs a round trip.
import type { AmPatch } from "../../series/am-mbox";
import { collectReview, type VersionReview } from "../../series/review";
import { compareVersions } from "../../series/version-diff";
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
import { PostgresThreadMailLoader } from "./thread-mails";
import { SERIES_PAGE_SIZE, type SeriesReads } from "../types";
import type { Row, Run } from "./reader";

const VERSION_COLUMNS = `v.id, v."seriesId", v.position, v.revision, v.total, v.present, v."rootMid", v."coverMessageId", v.title,
  v.date, v."lastDate", v."replyCount", v.rfc, v.resend, v."isPullRequest", v.superseded,
  CASE WHEN r."fromName" <> '' THEN r."fromName" ELSE r."fromAddr" END AS "fromName"`;

/** The series reader's statements, by name: what the contract test EXPLAINs. */
export const SERIES_SQL = {
  newest: `SELECT s.id AS sid, s."lastDate" AS activity, s."versionCount", ${VERSION_COLUMNS}
    FROM "Series" s JOIN "SeriesVersion" v ON v.id = s."latestVersionId" JOIN "Message" r ON r.id = v."rootMessageId"
    WHERE s."listId" = $1 AND s."lastDate" < $2 ORDER BY s."lastDate" DESC, s.id DESC LIMIT $3`,
  listState: `SELECT max(id) AS last, count(*) AS n FROM "Series" WHERE "listId" = $1`,
  newestVersions: `SELECT ${VERSION_COLUMNS}, r."fromAddr" AS "fromAddr", s."versionCount"
    FROM "SeriesVersion" v JOIN "Message" r ON r.id = v."rootMessageId" JOIN "Series" s ON s.id = v."seriesId"
    WHERE v."listId" = $1 ORDER BY v.date DESC, v.id DESC LIMIT $2`,
  // Every hit's series at once; per root the first version row, as SQLite's (listId, rootMid) index gives it.
  seriesOfRoots: `SELECT DISTINCT ON (hit."rootMid") hit."rootMid" AS "hitMid", s.id AS sid, s."lastDate" AS activity, s."versionCount", ${VERSION_COLUMNS}
    FROM "SeriesVersion" hit JOIN "Series" s ON s.id = hit."seriesId" JOIN "SeriesVersion" v ON v.id = s."latestVersionId"
    JOIN "Message" r ON r.id = v."rootMessageId"
    WHERE hit."listId" = $1 AND hit."rootMid" = ANY($2::text[]) ORDER BY hit."rootMid", hit.id`,
  // The review marks of every version on a page.
  marks: `SELECT "versionId", counter, reviewed, acked, tested FROM "SeriesPatch" WHERE "versionId" = ANY($1::int[]) ORDER BY "versionId", counter`,
  versionByMid: `SELECT id, "seriesId" FROM "SeriesVersion" WHERE "listId" = $1 AND "rootMid" = $2 ORDER BY id LIMIT 1`,
  version: `SELECT ${VERSION_COLUMNS} FROM "SeriesVersion" v JOIN "Message" r ON r.id = v."rootMessageId" WHERE v.id = $1`,
  versions: `SELECT ${VERSION_COLUMNS} FROM "SeriesVersion" v JOIN "Message" r ON r.id = v."rootMessageId"
    WHERE v."seriesId" = $1 ORDER BY v.position`,
  patches: `SELECT p.counter, m."messageId" AS mid, m.subject, m.date, m."threadId", m."fromAddr", ma."bodyText",
      CASE WHEN m."fromName" <> '' THEN m."fromName" ELSE m."fromAddr" END AS "fromName", m."fromName" AS "rawFromName"
    FROM "SeriesPatch" p JOIN "Message" m ON m.id = p."messageId" JOIN "Mail" ma ON ma.id = m."mailId"
    WHERE p."versionId" = $1 ORDER BY p.counter`,
  message: `SELECT "messageId" AS mid, subject, date, "threadId" FROM "Message" WHERE id = $1`,
  // Any stored variant of the Message-ID: a version holds one of them.
  ofMessage: `SELECT v.id, v."seriesId", v.title, v.revision, v.total, v."rootMid", p.counter, s."versionCount", s."lastDate"
    FROM "Message" m JOIN "PatchMail" p ON p."messageId" = m.id JOIN "SeriesVersion" v ON v.id = p."versionId"
    JOIN "Series" s ON s.id = v."seriesId"
    WHERE m."listId" = $1 AND m."messageId" = $2 ORDER BY m.id LIMIT 1`,
  counterparts: `SELECT v.id, v.revision, v."rootMid",
      (SELECT m."messageId" FROM "SeriesPatch" sp JOIN "Message" m ON m.id = sp."messageId"
        WHERE sp."versionId" = v.id AND sp.counter = $1) AS "counterpartMid",
      (SELECT m."messageId" FROM "Message" m WHERE m.id = v."coverMessageId") AS "coverMid"
    FROM "SeriesVersion" v WHERE v."seriesId" = $2 ORDER BY v.position`,
} as const;

function toVersion(r: Row): SeriesVersionView {
  return {
    rootMid: r.rootMid as string, revision: r.revision as number, total: r.total as number, present: r.present as number,
    title: r.title as string, fromName: r.fromName as string, date: r.date as Date,
    lastDate: r.lastDate as Date, replyCount: r.replyCount as number, rfc: r.rfc === true,
    resend: r.resend === true, isPullRequest: r.isPullRequest === true, superseded: r.superseded === true,
  };
}

const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

/** The index's first-page cursor ("before the end of time") as PostgreSQL reads it: year 9999, as SQLite's clamp. */
function beforeParam(before: Date | null): string {
  return new Date(Math.max(MIN_TIME, Math.min(before?.getTime() ?? MAX_TIME, MAX_TIME))).toISOString();
}

/** A date as the SQLite store writes it (lib/store/sqlite/sql-date.ts), so state strings read the same on both. */
function storedDateText(d: Date): string {
  return d.toISOString().replace("Z", "+00:00");
}

type Marks = { versionId: number; counter: number; reviewed: number; acked: number; tested: number };

export class PostgresSeriesReader implements SeriesReads {
  private readonly threadMails: PostgresThreadMailLoader;

  /** `run` is the reader's, so these statements count towards its queryCount. */
  constructor(private readonly run: Run) {
    this.threadMails = new PostgresThreadMailLoader((sql, params) => run(sql, params));
  }

  /** Newest activity first; `before` is the ?t= cursor (exclusive). */
  async listSeries(listId: number, before: Date | null): Promise<SeriesIndexPage> {
    const rows = await this.run(SERIES_SQL.newest, [listId, beforeParam(before), SERIES_PAGE_SIZE + 1]);
    const more = rows.length > SERIES_PAGE_SIZE;
    const shown = rows.slice(0, SERIES_PAGE_SIZE);
    const last = shown[shown.length - 1];
    return {
      series: await this.toSummaries(shown),
      olderCursor: more && last ? formatCursor(last.activity as Date) : null,
    };
  }

  /** The series of these version roots (search hits), each once, in the order of its first hit. */
  async listSeriesOfRoots(listId: number, rootMids: readonly string[]): Promise<SeriesSummary[]> {
    const wanted = [...new Set(rootMids)];
    if (wanted.length === 0) return [];
    const byMid = new Map((await this.run(SERIES_SQL.seriesOfRoots, [listId, wanted])).map((r) => [r.hitMid as string, r]));
    const seen = new Set<number>();
    const rows: Row[] = [];
    for (const mid of wanted) {
      const row = byMid.get(mid);
      if (row === undefined || seen.has(row.sid as number)) continue;
      seen.add(row.sid as number);
      rows.push(row);
    }
    return this.toSummaries(rows);
  }

  private async toSummaries(rows: Row[]): Promise<SeriesSummary[]> {
    if (rows.length === 0) return [];
    const marks = new Map<number, Marks[]>();
    for (const m of await this.run<Marks>(SERIES_SQL.marks, [rows.map((r) => r.id as number)])) {
      const list = marks.get(m.versionId);
      if (list) list.push(m);
      else marks.set(m.versionId, [m]);
    }
    return rows.map((r) => {
      const version = toVersion(r);
      const patches: (PatchMarks | null)[] = Array.from({ length: version.total }, () => null);
      for (const m of marks.get(r.id as number) ?? []) {
        if (m.counter >= 1 && m.counter <= patches.length) patches[m.counter - 1] = { reviewed: m.reviewed, acked: m.acked, tested: m.tested };
      }
      return {
        rootMid: version.rootMid, title: version.title, fromName: version.fromName, revision: version.revision,
        versionCount: r.versionCount as number, present: version.present, total: version.total, patches,
        replyCount: version.replyCount, lastDate: r.activity as Date, rfc: version.rfc,
        resend: version.resend, isPullRequest: version.isPullRequest,
      };
    });
  }

  async listNewestVersions(listId: number, take: number): Promise<(SeriesVersionView & { fromAddr: string; versionCount: number })[]> {
    return (await this.run(SERIES_SQL.newestVersions, [listId, take])).map((r) => ({
      ...toVersion(r), fromAddr: r.fromAddr as string, versionCount: r.versionCount as number,
    }));
  }

  async getSeries(listId: number, rootMid: string): Promise<SeriesDetail | null> {
    const found = await this.findVersion(listId, rootMid);
    if (found === undefined) return null;
    const versionRows = await this.run(SERIES_SQL.versions, [found.seriesId]);
    const chosen = versionRows.findIndex((r) => r.id === found.id);
    const row = versionRows[chosen] as Row;
    const { review, patchRows, cover } = await this.reviewOf(row);
    const patches: (SeriesPatchView | null)[] = Array.from({ length: row.total as number }, () => null);
    for (const p of patchRows) {
      patches[(p.counter as number) - 1] = {
        counter: p.counter as number, mid: p.mid as string, subject: p.subject as string, fromName: p.fromName as string,
        date: p.date as Date, trailers: review.patches[(p.counter as number) - 1] ?? [],
      };
    }
    return {
      versions: versionRows.map(toVersion),
      chosen,
      cover: cover === null ? null : { mid: cover.mid as string, subject: cover.subject as string, date: cover.date as Date, trailers: review.cover },
      patches,
    };
  }

  async getInterdiff(listId: number, toRoot: string, fromRoot: string): Promise<SeriesInterdiffView | null> {
    const to = await this.findVersion(listId, toRoot);
    const from = await this.findVersion(listId, fromRoot);
    if (to === undefined || from === undefined || to.seriesId !== from.seriesId || to.id === from.id) return null;
    const rows = await this.run(SERIES_SQL.versions, [to.seriesId]);
    const patchesOf = async (versionId: number) =>
      (await this.run(SERIES_SQL.patches, [versionId])).map((p) => ({
        counter: p.counter as number, mid: p.mid as string, subject: p.subject as string, bodyText: p.bodyText as string,
      }));
    const { pairs, capped } = compareVersions(await patchesOf(from.id), await patchesOf(to.id));
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

  async getMessageSeries(listId: number, mid: string): Promise<MessageSeriesInfo | null> {
    const [row] = await this.run(SERIES_SQL.ofMessage, [listId, mid]);
    if (row === undefined) return null;
    const counter = (row.counter as number | null) ?? 1;
    const versions = (await this.run(SERIES_SQL.counterparts, [counter, row.seriesId])).map((v) => ({
      revision: v.revision as number,
      rootMid: v.rootMid as string,
      counterpartMid: (counter === 0 ? (v.coverMid as string | null) : (v.counterpartMid as string | null)) ?? null,
      current: v.id === row.id,
    }));
    return { title: row.title as string, revision: row.revision as number, counter, total: row.total as number, rootMid: row.rootMid as string, versions };
  }

  /** Changes whenever a rebuild touched the list's series (new rows get new, higher ids). */
  async getListSeriesState(listId: number): Promise<string> {
    const [row] = await this.run<{ last: number | null; n: number }>(SERIES_SQL.listState, [listId]);
    return `${row?.n ?? 0}:${row?.last ?? 0}`;
  }

  async getMessageSeriesState(listId: number, mid: string): Promise<string> {
    const [row] = await this.run(SERIES_SQL.ofMessage, [listId, mid]);
    return row === undefined ? "" : `${row.seriesId}:${row.versionCount}:${storedDateText(row.lastDate as Date)}`;
  }

  async listMboxPatches(listId: number, rootMid: string): Promise<AmPatch[] | null> {
    const found = await this.findVersion(listId, rootMid);
    if (found === undefined) return null;
    const [row] = await this.run(SERIES_SQL.version, [found.id]);
    const { review, patchRows } = await this.reviewOf(row as Row);
    return patchRows.map((p) => ({
      mid: p.mid as string, fromName: p.rawFromName as string, fromAddr: p.fromAddr as string,
      date: p.date as Date, subject: p.subject as string, bodyText: p.bodyText as string,
      trailers: review.patches[(p.counter as number) - 1] ?? [],
    }));
  }

  private async findVersion(listId: number, rootMid: string): Promise<{ id: number; seriesId: number } | undefined> {
    const [row] = await this.run<{ id: number; seriesId: number }>(SERIES_SQL.versionByMid, [listId, rootMid]);
    return row;
  }

  private async reviewOf(version: Row): Promise<{ review: VersionReview; patchRows: Row[]; cover: Row | null }> {
    const patchRows = await this.run(SERIES_SQL.patches, [version.id as number]);
    const cover = version.coverMessageId === null ? null : ((await this.run(SERIES_SQL.message, [version.coverMessageId as number]))[0] ?? null);
    const threads = patchRows.map((p) => p.threadId as number);
    if (cover !== null) threads.push(cover.threadId as number);
    const patchMids: (string | null)[] = Array.from({ length: version.total as number }, () => null);
    for (const p of patchRows) patchMids[(p.counter as number) - 1] = p.mid as string;
    const review = collectReview({ coverMid: (cover?.mid as string | undefined) ?? null, patchMids }, await this.threadMails.load(threads));
    return { review, patchRows, cover };
  }
}
