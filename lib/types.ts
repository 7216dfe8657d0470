// The archive's own types, returned by the store (lib/store/) to pages and route
// handlers: never Prisma rows or mailparser objects.

export interface ListSummary {
  name: string;
  address: string | null;
  description: string | null;
  messageCount: number;
  lastDate: Date | null;
}

export interface ThreadSummary {
  id: number;
  rootMid: string;
  subject: string;
  fromName: string;
  messageCount: number;
  firstDate: Date | null;
  lastDate: Date | null;
}

export interface ThreadPage {
  threads: ThreadSummary[];
  /** Cursor (lore's ?t=YYYYMMDDhhmmss) for the next older page, if any. */
  olderCursor: string | null;
  /** Cursor (?a=YYYYMMDDhhmmss) for the page of newer threads, if any. */
  newerCursor: string | null;
}

export interface AttachmentView {
  position: number;
  filename: string | null;
  contentType: string;
  size: number;
}

export interface MessageView {
  id: number;
  list: string;
  listAddress: string | null;
  mid: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  to: string;
  cc: string;
  date: Date;
  inReplyTo: string | null;
  references: string[];
  bodyText: string;
  hasPatch: boolean;
  threadId: number;
  rawHash: string;
  attachments: AttachmentView[];
  /** Other stored messages that reuse this Message-ID (lore keeps them all). */
  variantIds: number[];
}

export interface ThreadMember {
  id: number;
  mid: string;
  subject: string;
  fromName: string;
  date: Date;
  /** What the thread tree follows: a merge-guarded message keeps only its direct parent. */
  references: string[];
  /** Bytes of body text (UTF-8): what a thread page part is bounded by. SQLite reads a text's byte length from its header, not its characters. */
  textBytes: number;
}

export interface RawMessage {
  raw: Buffer;
  rawHash: string;
  date: Date;
}

export interface ThreadInfo {
  id: number;
  list: string;
  rootMid: string;
  subject: string;
  messageCount: number;
  lastDate: Date | null;
}

export interface MidSuggestion {
  list: string;
  mid: string;
  subject: string;
}

/** Review marks collected for one patch: how many of each trailer it got (the cover letter's count for every patch). */
export interface PatchMarks {
  reviewed: number;
  acked: number;
  tested: number;
}

/** One row of a list's series index: a series as its latest version shows it. */
export interface SeriesSummary {
  /** Message-ID of the latest version's cover letter (or first patch): the series page's address. */
  rootMid: string;
  title: string;
  fromName: string;
  revision: number;
  versionCount: number;
  present: number;
  total: number;
  /** Per patch 1..total of the latest version; null where the patch is missing. */
  patches: (PatchMarks | null)[];
  replyCount: number;
  lastDate: Date;
  rfc: boolean;
  resend: boolean;
  isPullRequest: boolean;
}

export interface SeriesIndexPage {
  series: SeriesSummary[];
  /** ?t= cursor of the next older page, if any. */
  olderCursor: string | null;
}

export interface SeriesVersionView {
  rootMid: string;
  revision: number;
  total: number;
  present: number;
  title: string;
  fromName: string;
  date: Date;
  lastDate: Date;
  replyCount: number;
  rfc: boolean;
  resend: boolean;
  isPullRequest: boolean;
  superseded: boolean;
}

/** A trailer someone gave in a reply, with that reply's Message-ID. */
export interface GivenTrailerView {
  name: string;
  value: string;
  by: string;
}

export interface SeriesPatchView {
  counter: number;
  mid: string;
  subject: string;
  fromName: string;
  date: Date;
  /** Collected from replies under the patch and on the cover letter, in arrival order. */
  trailers: GivenTrailerView[];
}

export interface SeriesDetail {
  versions: SeriesVersionView[];
  /** Index in `versions` of the version shown. */
  chosen: number;
  cover: { mid: string; subject: string; date: Date; trailers: GivenTrailerView[] } | null;
  /** Patches 1..total of the chosen version; null where one is missing. */
  patches: (SeriesPatchView | null)[];
}

/** For a patch's message page: where it sits in its series. */
export interface MessageSeriesInfo {
  title: string;
  revision: number;
  /** 0 for the cover letter. */
  counter: number;
  total: number;
  /** The version's root Message-ID: its series page. */
  rootMid: string;
  /** Every version of the series, oldest first, with this patch's counterpart (same number) if present. */
  versions: { revision: number; rootMid: string; counterpartMid: string | null; current: boolean }[];
}

/** One patch of a version, as the interdiff page names it. */
export interface InterdiffPatchView {
  counter: number;
  mid: string;
  subject: string;
}

export interface InterdiffPairView {
  /** The patch in the older version, null when the newer one added it. */
  old: InterdiffPatchView | null;
  /** The patch in the newer version, null when it was dropped. */
  new: InterdiffPatchView | null;
  /** How the two were matched: same git patch-id, same title, same position, or not at all. */
  how: "patch-id" | "title" | "position" | "none";
  /** Lines only in the old patch are "del", only in the new "add"; null when not compared (one side missing, or past the page's bound). */
  diff: { lines: { kind: "context" | "add" | "del" | "skip"; text: string }[]; truncated: boolean; identical: boolean } | null;
}

/** What changed between two versions of a series, patch by patch. */
export interface SeriesInterdiffView {
  title: string;
  versions: SeriesVersionView[];
  /** Indexes in `versions` of the older and the newer version compared. */
  from: number;
  to: number;
  pairs: InterdiffPairView[];
  /** Some pairs were left uncompared to bound the page's cost. */
  capped: boolean;
}
