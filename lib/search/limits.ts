// What one search may cost: page sizes, caps on counts, paging and
// downloads, the time budget, and the words a query may hold. Shared by the
// store's search, the search processes and the pages that explain the caps.

export const SEARCH_LIMITS = {
  pageSize: 50,
  maxPageSize: 200,
  /** Counts are exact up to here ("1,000+" beyond): counting costs a walk over every hit counted. */
  countCap: 1_000,
  /** Paging stops here: page N costs a walk over the hits before it. */
  pageCap: 10_000,
  /** Relevance (&r) ranks the newest this many hits, not every hit: bm25 costs per scored row. */
  rankCandidates: 1_000,
  /** A search still running after this long is stopped (lib/web/search-pool.ts) and answered 503. */
  budgetMs: 2_000,
  mboxMaxMessages: 10_000,
  mboxMaxBytes: 200 * 1024 * 1024,
  /** Words in one term: a phrase, an identifier like ima_appraise or a path. */
  maxPhraseWords: 32,
  maxWords: 96,
  /** Characters of a body searched for the snippet (96% of bodies are shorter). */
  snippetSource: 32_768,
} as const;

export type SearchOrder = "date" | "relevance";
export type SearchView = "list" | "threads" | "mbox";
