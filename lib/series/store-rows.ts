// What a store keeps of patch series, as plain rows, whatever the backend:
// what one message leaves at ingest (a PatchMail row, or the trailers a reply
// gives), and the Series / SeriesVersion / SeriesPatch rows one grouped series
// (./versions.ts groupSeries) becomes, with the review marks and activity
// dates from its threads (./review.ts). The SQLite and PostgreSQL series
// writers (lib/store/*/series-writer.ts) both write exactly these. Pure.
import { collectReview, reviewMark, type ThreadMail } from "./review";
import { parsePatchSubject, type PatchSubject } from "./subject";
import { extractReplyTrailers, type Trailer } from "./trailers";
import { extractChangeId, type Series, type SeriesMail } from "./versions";

/** A reply giving more trailers than this is not a review: the rest are dropped. */
export const MAX_TRAILERS_PER_REPLY = 64;

/**
 * A subject that starts a patch mail: a patch or cover letter, not a reply to
 * one. A pull request ("[GIT PULL]") has nothing to review patch by patch or
 * to apply with git am, so it stays a thread.
 */
export function patchMailSubject(subject: string): PatchSubject | null {
  const parsed = parsePatchSubject(subject);
  return parsed.isPatch && !parsed.isPullRequest && !parsed.isReply ? parsed : null;
}

/** The PatchMail row of one message, without its ids. */
export interface PatchMailFields {
  revision: number;
  counter: number | null;
  total: number | null;
  rfc: boolean;
  resend: boolean;
  isPullRequest: boolean;
  /** Space-joined. */
  prefixes: string;
  normalizedTitle: string;
  changeId: string | null;
}

/** What series need to know of one stored message: a patch mail, else the trailers it gives (maybe none). */
export type SeriesRecord = { patchMail: PatchMailFields; trailers?: undefined } | { patchMail?: undefined; trailers: Trailer[] };

export function seriesRecord(message: { subject: string; bodyText: string }): SeriesRecord {
  const subject = patchMailSubject(message.subject);
  if (subject !== null) {
    return {
      patchMail: {
        revision: subject.revision,
        counter: subject.counter,
        total: subject.total,
        rfc: subject.rfc,
        resend: subject.resend,
        isPullRequest: subject.isPullRequest,
        prefixes: subject.prefixes.join(" "),
        normalizedTitle: subject.normalizedTitle,
        changeId: extractChangeId(message.bodyText),
      },
    };
  }
  return { trailers: extractReplyTrailers(message.bodyText).slice(0, MAX_TRAILERS_PER_REPLY) };
}

/** A patch mail as the series rebuild reads it back from the store. */
export interface StoredPatchMail {
  id: number;
  mid: string;
  threadId: number;
  date: Date;
  fromAddr: string;
  inReplyTo: string | null;
  subject: string;
  changeId: string | null;
}

export function toSeriesMail(row: StoredPatchMail): SeriesMail {
  return {
    id: row.id,
    mid: row.mid,
    threadId: row.threadId,
    date: row.date,
    fromAddr: row.fromAddr.toLowerCase(),
    inReplyTo: row.inReplyTo,
    subject: parsePatchSubject(row.subject),
    changeId: row.changeId,
  };
}

export interface SeriesPatchRow {
  /** 1-based. */
  counter: number;
  messageId: number;
  reviewed: number;
  acked: number;
  tested: number;
}

export interface SeriesVersionRow {
  /** 1-based, oldest first. */
  position: number;
  revision: number;
  total: number;
  present: number;
  rootMessageId: number;
  rootMid: string;
  coverMessageId: number | null;
  title: string;
  fromAddr: string;
  date: Date;
  lastDate: Date;
  replyCount: number;
  rfc: boolean;
  resend: boolean;
  isPullRequest: boolean;
  superseded: boolean;
  patches: SeriesPatchRow[];
  /** Message row ids of the version's mails (cover, then patches): their PatchMail.versionId. */
  mailIds: number[];
}

export interface SeriesRows {
  versionCount: number;
  firstDate: Date;
  /** Activity includes the replies: a series under review rises on the index. */
  lastDate: Date;
  /** Oldest first; the last is the series' latestVersionId. */
  versions: SeriesVersionRow[];
}

/**
 * The rows of each series of one rebuild; `members` are the messages of their
 * threads (the ThreadMail loaders). The same as seriesRows for each with all
 * of `members`, in time linear in what each series reaches rather than in
 * all members once per version (a rebuild of 500 threads holds thousands):
 * the review walk only ever looks at replies below a version's mails, so each
 * series gets just the members reachable from its mails, in the given order.
 */
export function seriesRowsOf(groups: readonly Series[], members: readonly ThreadMail[]): SeriesRows[] {
  // Parent Message-ID -> indexes of its replies in `members`.
  const children = new Map<string, number[]>();
  members.forEach((mail, i) => {
    if (mail.parentMid === null || mail.parentMid === mail.mid) return;
    const list = children.get(mail.parentMid);
    if (list) list.push(i);
    else children.set(mail.parentMid, [i]);
  });
  return groups.map((series) => {
    const seen = new Set<string>();
    const reached: number[] = [];
    const stack: string[] = [];
    for (const version of series.versions) {
      for (const mail of [version.cover, ...version.patches]) {
        if (mail !== null && !seen.has(mail.mid)) {
          seen.add(mail.mid);
          stack.push(mail.mid);
        }
      }
    }
    while (stack.length > 0) {
      for (const i of children.get(stack.pop() as string) ?? []) {
        reached.push(i);
        const mid = (members[i] as ThreadMail).mid;
        if (!seen.has(mid)) {
          seen.add(mid);
          stack.push(mid);
        }
      }
    }
    // Every index is reached once: a member has one parent.
    return seriesRows(series, reached.sort((a, b) => a - b).map((i) => members[i] as ThreadMail));
  });
}

/** The rows of one series; `members` are the messages of its threads (ThreadMail loaders). */
export function seriesRows(series: Series, members: readonly ThreadMail[]): SeriesRows {
  let lastDate = series.latest.lastDate;
  const versions = series.versions.map((version, index): SeriesVersionRow => {
    const review = collectReview({ coverMid: version.cover?.mid ?? null, patchMids: version.patches.map((p) => p?.mid ?? null) }, members);
    if (version.lastDate > lastDate) lastDate = version.lastDate;
    if (review.lastReplyDate !== null && review.lastReplyDate > lastDate) lastDate = review.lastReplyDate;
    const patches: SeriesPatchRow[] = [];
    const mailIds: number[] = version.cover !== null ? [version.cover.id] : [];
    version.patches.forEach((patch, i) => {
      if (patch === null) return;
      mailIds.push(patch.id);
      const marks = { reviewed: 0, acked: 0, tested: 0 };
      for (const trailer of review.patches[i] ?? []) {
        const mark = reviewMark(trailer);
        if (mark !== null) marks[mark]++;
      }
      patches.push({ counter: i + 1, messageId: patch.id, ...marks });
    });
    return {
      position: index + 1,
      revision: version.revision,
      total: version.total,
      present: patches.length,
      rootMessageId: version.root.id,
      rootMid: version.root.mid,
      coverMessageId: version.cover?.id ?? null,
      title: version.title,
      fromAddr: version.fromAddr,
      date: version.date,
      lastDate: version.lastDate,
      replyCount: review.replyCount,
      rfc: version.rfc,
      resend: version.resend,
      isPullRequest: version.isPullRequest,
      superseded: version.superseded,
      patches,
      mailIds,
    };
  });
  return { versionCount: series.versions.length, firstDate: series.versions[0]!.date, lastDate, versions };
}
