// What every backend's search does around its SQL: read the page request
// within its bounds, refuse what may not be paged, and put a result page
// together, so SQLite and PostgreSQL answer alike (lib/store/*/search.ts).
import { makeSnippet, markTerms } from "../mail/snippet";
import type { SearchHit, SearchOptions, SearchResult } from "../store/types";
import { SEARCH_LIMITS, type SearchOrder } from "./limits";

export interface PageRequest {
  limit: number;
  offset: number;
  /** The order asked for; relevance falls back to date when the query has no words. */
  requested: SearchOrder;
}

/** The shown message when the index rejects a query the compiler wrote: never SQL in a 500. */
export const INDEX_REFUSAL = "The search index could not run this query; try simpler words.";

export function readPageRequest(options: Pick<SearchOptions, "limit" | "offset" | "order">): PageRequest {
  return {
    limit: clampInt(options.limit, 1, SEARCH_LIMITS.maxPageSize, SEARCH_LIMITS.pageSize),
    offset: clampInt(options.offset, 0, Number.MAX_SAFE_INTEGER, 0),
    requested: options.order ?? "date",
  };
}

/** A page with no hits that says why. */
export function refusedPage(page: PageRequest, error: string): SearchResult {
  return { hits: [], total: 0, totalCapped: false, offset: page.offset, limit: page.limit, order: page.requested, error };
}

/** Why this offset may not be paged to, or null. */
export function pagingRefusal(page: PageRequest): string | null {
  if (page.offset < SEARCH_LIMITS.pageCap) return null;
  return `Only the first ${SEARCH_LIMITS.pageCap.toLocaleString("en-US")} results can be paged through; narrow the query (for example with d:).`;
}

/** The result page, from the hits and a count that walked at most countCap + 1 of them. */
export function resultPage(page: PageRequest, order: SearchOrder, hits: SearchHit[], counted: number): SearchResult {
  return {
    hits,
    total: Math.min(counted, SEARCH_LIMITS.countCap),
    totalCapped: counted > SEARCH_LIMITS.countCap,
    offset: page.offset,
    limit: page.limit,
    order,
  };
}

export interface HitFields {
  list: string;
  mid: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  date: Date;
  threadId: number;
  threadSubject: string;
  /** The start of the body the snippet is cut from. */
  body: string;
}

/** One hit with its subject and snippet marked for the query's terms. */
export function toSearchHit(id: number, r: HitFields, terms: { subjectTerms: string[]; bodyTerms: string[] }): SearchHit {
  return {
    id,
    list: r.list,
    mid: r.mid,
    subject: r.subject,
    subjectMarked: markTerms(r.subject, terms.subjectTerms),
    fromName: r.fromName,
    fromAddr: r.fromAddr,
    date: r.date,
    threadId: r.threadId,
    threadSubject: r.threadSubject,
    snippet: makeSnippet(r.body, terms.bodyTerms),
  };
}

function clampInt(value: number | undefined, min: number, max: number, dflt: number): number {
  if (value === undefined || !Number.isFinite(value)) return dflt;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
