// The search help: served as plain text at /<list>/_/text/help/ (like lore's)
// and, in short, next to every search box. One table of prefixes feeds both,
// so they cannot disagree with each other (or with lib/search/query-parse.ts).
import { QUERY_LIMITS } from "./query-parse";
import { SEARCH_LIMITS } from "./limits";

export interface SearchPrefix {
  prefix: string;
  meaning: string;
  example: string;
}

export const SEARCH_PREFIXES: readonly SearchPrefix[] = [
  { prefix: "s:", meaning: "match within Subject", example: 's:"ima: fix"' },
  { prefix: "f:", meaning: "match within From (name or address)", example: "f:zohar@linux.ibm.com" },
  { prefix: "t:", meaning: "match within To", example: "t:linux-integrity" },
  { prefix: "c:", meaning: "match within Cc", example: "c:jarkko" },
  { prefix: "a:", meaning: "match within From, To and Cc", example: "a:keyrings" },
  { prefix: "b:", meaning: "match within the message body (patches included)", example: "b:ima_appraise" },
  { prefix: "bs:", meaning: "match within Subject and body", example: "bs:evmctl" },
  { prefix: "m:", meaning: "Message-ID (mid: also works)", example: "m:<20190623.1@example.org>" },
  { prefix: "d:", meaning: "date range, UTC (rt: is the same here)", example: "d:2019-06-01..2019-07-01" },
];

// Words that are not prefixes, in the order people reach for them.
const SYNTAX: readonly [string, string][] = [
  ["word", "bare words match Subject and body"],
  ['"a phrase"', "words next to each other, in this order"],
  ["ima_appraise", "identifiers and paths are phrases: ima_appraise, security/integrity/ima, CONFIG_IMA"],
  ["a b", "both (same as a AND b)"],
  ["a OR b", "either one"],
  ["a NOT b, a -b", "a without b"],
  ["(a OR b) c", "parentheses group"],
  ['s:(a OR "b c")', "a prefix applies to a whole group"],
];

const DATES: readonly [string, string][] = [
  ["d:2019-06-23", "that day"],
  ["d:20190623..", "that day and later (b4 and lei send this form)"],
  ["d:..2019-07", "until the end of July 2019"],
  ["d:2019-06-01..2019-06-30", "both days included"],
  ["d:2.weeks.ago..", "relative, git approxidate style: N.days/weeks/months/years.ago, yesterday, today"],
];

const PARAMS: readonly [string, string][] = [
  ["?q=…", `the query; results are newest first, ${SEARCH_LIMITS.pageSize} a page`],
  ["&r", "order by relevance instead of date"],
  [`&o=${SEARCH_LIMITS.pageSize}`, `skip the first ${SEARCH_LIMITS.pageSize} results (paging)`],
  ["&x=t", "show the hits grouped into their threads"],
  ["&x=A", "the results as an Atom feed"],
  ["&x=m", "download every hit as a gzipped mboxrd (POST; &t=1 adds the whole threads)"],
];

function n(value: number): string {
  return value.toLocaleString("en-US");
}

function table(rows: readonly (readonly [string, string])[], indent = "  "): string {
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}${b}`).join("\n");
}

/** The plain-text help page; `list` is the list it is served under ("all" for every list). */
export function searchHelpText(list: string): string {
  const base = `/${list}/`;
  return `Search help for ${base}

The search box takes lore.kernel.org's (public-inbox's) query language, so
queries written for lore, b4 and lei work here unchanged.

Prefixes:

${table(SEARCH_PREFIXES.map((p) => [p.prefix, `${p.meaning}, e.g. ${p.example}`]))}

Words and operators:

${table(SYNTAX)}

  Matching is by whole words, ignoring case and accents. Punctuation splits
  words, so "ima-evm-utils", ima_appraise and security/integrity/ima each
  match those words in that order. There is no wildcard: * and NEAR are
  ordinary characters.

Dates (d:), always UTC:

${table(DATES)}

Examples:

  s:"ima-evm-utils: Convert v2 signatures" f:vt@altlinux.org d:20190623..
  f:zohar s:PATCH d:2019-01-01..2019-12-31
  b:security/integrity/ima -s:Re
  m:<message-id@example.org>

URL parameters (${base}?q=…):

${table(PARAMS)}

  The query stays in the URL, so a result page can be shared and reloaded.
  \`lei q -I <url>\` and \`b4 am -c\` POST ${base}?q=…&x=m and get mboxrd back.

Limits: a query is at most ${QUERY_LIMITS.maxLength} characters, ${QUERY_LIMITS.maxTerms} terms and ${SEARCH_LIMITS.maxWords} words
(${SEARCH_LIMITS.maxPhraseWords} in one phrase or identifier); counts are exact up to ${n(SEARCH_LIMITS.countCap)},
paging stops at ${n(SEARCH_LIMITS.pageCap)} results (narrow the query, e.g. with d:), and relevance
(&r) ranks the newest ${n(SEARCH_LIMITS.rankCandidates)} hits; a search that takes longer than
${SEARCH_LIMITS.budgetMs / 1000} s is stopped (HTTP 503); a download (x=m) holds at most
${n(SEARCH_LIMITS.mboxMaxMessages)} messages and ${SEARCH_LIMITS.mboxMaxBytes / 1048576} MB.
`;
}
