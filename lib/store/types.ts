// The store's contract: what the archive (lib/archive/), ingest and the
// search processes may ask of a database, whatever the backend. SQLite
// (lib/store/sqlite/) answers synchronously underneath; PostgreSQL answers over
// the network: every read is async so one interface fits both.
import type { AmPatch } from "../series/am-mbox";
import type { SearchOrder } from "../search/limits";
import type { SnippetSegment } from "../mail/snippet";
import type { ParsedMessage } from "../mail/mime";
import type {
  ListSummary, MessageSeriesInfo, MessageView, MidSuggestion, RawMessage, SeriesDetail, SeriesIndexPage,
  SeriesInterdiffView, SeriesSummary, SeriesVersionView, ThreadMember, ThreadPage, ThreadSummary,
} from "../types";

/**
 * Threads on one page of a list's index: about what lore's index shows (its
 * newest 200 messages, grouped by topic), so the page weighs about the same.
 */
export const THREADS_PER_PAGE = 50;
/** Thread pages and t.mbox.gz hold at most this many messages. */
export const MAX_THREAD_MESSAGES = 2000;
/** An /all/ thread reads at most this many list copies (a mail in N lists is N copies). */
export const MAX_SPANNING_COPIES = 4 * MAX_THREAD_MESSAGES;
/** lore's /raw and message pages show at most this many messages sharing one Message-ID. */
export const MAX_VARIANTS = 20;
export const SERIES_PAGE_SIZE = 50;

export interface ListRow extends ListSummary {
  id: number;
}

/** What a cached page depends on: the message's thread and how far it has grown. */
export interface MessageState {
  id: number;
  threadId: number;
  rawHash: string;
  date: Date;
  threadCount: number;
  threadLastDate: Date | null;
  /** The thread's subject and root Message-ID as its index entry shows them. */
  threadSubject: string;
  threadRootMid: string;
  variants: number;
}

/** A list looked up by name with one message in it: what every message URL resolves first. */
export interface ResolvedMessage {
  list: ListRow;
  /** null: the list exists, the Message-ID is not in it. */
  message: MessageState | null;
}

/** A thread member as an /all/ thread sees it: which list's copy, of which stored mail. */
export interface SpanningMember extends ThreadMember {
  listId: number;
  /** The list's name: where the copy's page is. */
  list: string;
  mailId: number;
}

export interface StoredAttachment {
  filename: string | null;
  contentType: string;
  content: Buffer | null;
  messageRowId: number;
  rawHash: string;
  date: Date;
}

export interface ThreadCursor {
  before?: Date | null;
  after?: Date | null;
}

/** Patch series as pages read them (lib/series/ builds them at ingest). */
export interface SeriesReads {
  listSeries(listId: number, before: Date | null): Promise<SeriesIndexPage>;
  listSeriesOfRoots(listId: number, rootMids: readonly string[]): Promise<SeriesSummary[]>;
  listNewestVersions(listId: number, take: number): Promise<(SeriesVersionView & { fromAddr: string; versionCount: number })[]>;
  getSeries(listId: number, rootMid: string): Promise<SeriesDetail | null>;
  getInterdiff(listId: number, toRoot: string, fromRoot: string): Promise<SeriesInterdiffView | null>;
  getMessageSeries(listId: number, mid: string): Promise<MessageSeriesInfo | null>;
  /** Changes whenever the list's series change: part of cache keys. */
  getListSeriesState(listId: number): Promise<string>;
  /** Changes whenever the series holding this message change ("" when it is in none). */
  getMessageSeriesState(listId: number, mid: string): Promise<string>;
  listMboxPatches(listId: number, rootMid: string): Promise<AmPatch[] | null>;
}

/** Every read the web pages and machine routes make. Each is an indexed lookup bounded by a LIMIT. */
export interface ArchiveReader {
  readonly series: SeriesReads;
  /** Statements run since the reader was opened: how tests hold pages to their query budget. */
  readonly queryCount: number;
  listLists(): Promise<ListSummary[]>;
  getList(name: string): Promise<ListRow | null>;
  /** The list's id, remembered for a few seconds (lists only appear through ingest). */
  getListId(name: string): Promise<number | null>;
  /** The list and the first stored message with this Message-ID, with its thread's growth: one query. */
  resolveMessage(listName: string, mid: string): Promise<ResolvedMessage | null>;
  getMessageState(listId: number, mid: string): Promise<MessageState | null>;
  listRecentThreads(listId: number, cursor?: ThreadCursor): Promise<ThreadPage>;
  listMessageVariants(list: ListRow, mid: string): Promise<MessageView[]>;
  listRawVariants(listId: number, mid: string, take?: number): Promise<RawMessage[]>;
  getAttachment(listId: number, mid: string, position: number): Promise<StoredAttachment | null>;
  getRawById(id: number): Promise<Buffer | null>;
  getThread(threadId: number): Promise<ThreadSummary | null>;
  listThreadMembers(threadId: number): Promise<ThreadMember[]>;
  /**
   * The /all/ thread around a list's thread: the threads of every list joined
   * through the Message-IDs they share (present or referenced, as ThreadRef
   * records them), followed transitively; this thread first, at most `limit`.
   */
  listSpanningThreadIds(threadId: number, limit: number): Promise<number[]>;
  /** Every copy in these threads, oldest first, with its list and mail (lib/archive/ keeps one copy per mail). */
  listSpanningMembers(threadIds: number[]): Promise<SpanningMember[]>;
  /** Full messages with their attachments, in one query. */
  listMessagesById(list: ListRow, ids: number[]): Promise<Map<number, MessageView>>;
  listThreadRaws(threadId: number): Promise<RawMessage[]>;
  listThreadMessageIds(threadId: number): Promise<number[]>;
  listRawsById(ids: number[]): Promise<Buffer[]>;
  getThreadRawBytes(threadId: number): Promise<number>;
  listNewestMessages(list: ListRow, take: number): Promise<MessageView[]>;
  findListsWithMid(mid: string): Promise<string[]>;
  suggestMids(listId: number | null, mid: string): Promise<MidSuggestion[]>;
  close(): Promise<void>;
}

export interface IncomingMessage {
  raw: Buffer;
  parsed: ParsedMessage | null;
  /** Date of the mbox From_ line, used when the Date header is missing or bad. */
  fallbackDate: Date | null;
  /** Where the message came from, for error messages ("file.mbox, message 12 at byte 3456"). */
  position: string;
  error?: string;
}

export interface IngestCounts {
  added: number;
  duplicate: number;
  variant: number;
  repaired: number;
  failed: number;
}

export interface ListInfo {
  name: string;
  address?: string;
  description?: string;
}

export type FailureLog = (position: string, reason: string) => void;

export function emptyCounts(): IngestCounts {
  return { added: 0, duplicate: 0, variant: 0, repaired: 0, failed: 0 };
}

/** Ingest's only way into the database. */
export interface ArchiveWriter {
  ensureList(list: ListInfo): Promise<number>;
  /** One batch in one transaction: a killed process leaves whole batches only. */
  writeBatch(listId: number, batch: IncomingMessage[], counts: IngestCounts, logFailure: FailureLog): Promise<void>;
  /** Brings patch series up to date with everything written so far. */
  refreshSeries(): Promise<void>;
  /** Milliseconds spent on patch series so far. */
  readonly seriesMs: number;
  close(): Promise<void>;
}

export interface SearchHit {
  /** Row id: unique even when a Message-ID has variants. */
  id: number;
  list: string;
  mid: string;
  subject: string;
  /** The subject with query terms marked. */
  subjectMarked: SnippetSegment[];
  fromName: string;
  fromAddr: string;
  date: Date;
  threadId: number;
  threadSubject: string;
  /** Excerpt of the body around the first match, terms marked. */
  snippet: SnippetSegment[];
}

export interface SearchResult {
  hits: SearchHit[];
  /** Number of hits, exact up to SEARCH_LIMITS.countCap. */
  total: number;
  /** More hits than SEARCH_LIMITS.countCap exist (show "10,000+"). */
  totalCapped: boolean;
  offset: number;
  limit: number;
  /** The order used: relevance falls back to date when the query has no words. */
  order: SearchOrder;
  /** A readable message for a malformed or too costly query (HTTP 400 for machines). */
  error?: string;
}

export interface SearchOptions {
  /** List name, or null for every list (/all/). */
  list: string | null;
  q: string;
  offset?: number;
  limit?: number;
  order?: SearchOrder;
  /** The clock for relative dates (d:2.weeks.ago..). */
  now?: Date;
  /** Only the cover letters (or first patches) of patch-series versions: the series index's search. */
  seriesRoots?: boolean;
}

export type MboxRefusal = { ok: false; status: 400 | 404 | 413; message: string };

export type MboxPlan = MboxRefusal | { ok: true; ids: number[]; bytes: number };

export interface MboxOptions {
  list: string | null;
  q: string;
  /** Whole threads of the hits (lore's x=m with t=1), not only the hits. */
  threads: boolean;
  now?: Date;
}

/** Full-text search, run in the search processes (lib/web/search-process.ts), never on a web worker. */
export interface SearchIndex {
  search(options: SearchOptions): Promise<SearchResult>;
  /** Which messages an x=m download holds, refused when over its caps. */
  planMbox(options: MboxOptions): Promise<MboxPlan>;
  /** Those messages as gzipped mboxrd, read in batches. */
  streamMbox(ids: number[]): ReadableStream<Uint8Array>;
  close(): Promise<void>;
}
