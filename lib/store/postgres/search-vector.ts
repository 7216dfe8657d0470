// The PostgreSQL search document of one message: the text of a tsvector
// literal, which the writer binds as `$n::tsvector`. Pure.
//
// Why a literal and not to_tsvector(): PostgreSQL's parser keeps e-mail
// addresses, host names, paths and version numbers whole ("zohar@linux.ibm.com"
// is one token) and its configurations stem and drop stop words, while search
// must find what SQLite FTS5 finds (lib/store/sqlite/query-compile.ts). So the
// tokens come from lib/mail/tokenizer.ts, as FTS5's unicode61 makes them, and
// PostgreSQL only parses the finished vector, which costs little at ingest.
//
// Fields are told apart by tsvector weights, the one per-position tag a GIN
// index can filter on (lib/store/postgres/query-compile.ts writes `'ima':A`):
//
//   A  subject
//   B  fromName, fromAddr (f:)
//   C  toAddrs (t:), and ccAddrs (c:) under their own lexemes: "cc:" + token
//   D  bodyText
//
// Four weights for five fields: To and Cc would be one field, so c: and t:
// could not be told apart. Cc tokens are therefore written as "cc:zohar", a
// lexeme no token can equal (":" is never a token character); t: looks for
// 'zohar':C, c: for 'cc:zohar', a: for either.
//
// Positions run through the fields in the order above, one position per token,
// and skip one after each field, so a phrase (`<->` wants exactly the next
// position) never joins the end of one field to the start of the next, as an
// FTS5 phrase never spans columns.
//
// PostgreSQL's limits, and what is given up to stay within them (never an
// error at ingest):
// - a lexeme has at most 2046 bytes: longer tokens are cut at a character
//   boundary, here and in the query compiler alike, so a search for the whole
//   token still finds it (and also finds a token with the same first 2046 bytes);
// - positions end at 16383 (PostgreSQL silently piles later ones onto 16383):
//   tokens after position 16375 keep their word and field but lose phrase
//   matching; they all go to one position per weight, 16377 (A), 16379 (B),
//   16381 (C) and 16383 (D), two apart so that no phrase can match across them;
// - a lexeme keeps at most 256 positions: the first of each weight, then the
//   earliest; a phrase through a later occurrence of a very frequent word
//   (past its 256th in the message) is not found, the word alone always is;
// - a vector holds at most 1 MB of lexemes and positions: once that is spent,
//   new words that no longer fit are not indexed at all (in field order, so
//   the end of a huge body goes first). Bodies are capped at 4M characters by
//   lib/mail/mime.ts; kernel mail uses a few kilobytes.

import { tokenize } from "../../mail/tokenizer";

export interface SearchFields {
  subject: string;
  fromName: string;
  fromAddr: string;
  toAddrs: string;
  ccAddrs: string;
  bodyText: string;
}

export type Weight = "A" | "B" | "C" | "D";

/** Field → weight, for the query compiler and for ts_rank's weight array ({D, C, B, A}). */
export const FIELD_WEIGHTS: Readonly<Record<keyof SearchFields, Weight>> = {
  subject: "A",
  fromName: "B",
  fromAddr: "B",
  toAddrs: "C",
  ccAddrs: "C",
  bodyText: "D",
};

/** Cc tokens are stored as CC_PREFIX + token, apart from To's (same weight C). */
export const CC_PREFIX = "cc:";

export const SEARCH_VECTOR_LIMITS = {
  /** PostgreSQL: "word is too long (2047 bytes, max 2046 bytes)". */
  maxLexemeBytes: 2046,
  /** The last position that keeps its place; later tokens go to CLAMP_POSITION of their weight. */
  maxPhrasePosition: 16375,
  /** PostgreSQL keeps the first 256 positions of a lexeme and drops the rest. */
  maxPositionsPerLexeme: 256,
  /**
   * PostgreSQL refuses a vector whose lexemes and positions pass 1,048,575
   * bytes; counted here as the lexeme's bytes + 3 (alignment, count) + 2 per
   * position, an upper bound of PostgreSQL's own sum.
   */
  maxVectorBytes: 1_048_000,
} as const;

const CLAMP_POSITION: Readonly<Record<Weight, number>> = { A: 16377, B: 16379, C: 16381, D: 16383 };

const FIELD_ORDER: readonly (keyof SearchFields)[] = ["subject", "fromName", "fromAddr", "toAddrs", "ccAddrs", "bodyText"];

/**
 * The lexeme a token is stored and searched as: with the Cc prefix when it
 * comes from (or is looked for in) Cc, cut to PostgreSQL's lexeme size at a
 * character boundary.
 */
export function toLexeme(token: string, cc = false): string {
  const lexeme = cc ? CC_PREFIX + token : token;
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short lexemes skip the count.
  if (lexeme.length * 3 <= SEARCH_VECTOR_LIMITS.maxLexemeBytes) return lexeme;
  return cutUtf8(lexeme, SEARCH_VECTOR_LIMITS.maxLexemeBytes);
}

function cutUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * A lexeme as a quoted tsvector/tsquery element: PostgreSQL reads `''` as a
 * quote and a backslash as an escape. (Tokens hold neither; this is for
 * whatever a caller passes.)
 */
export function quoteLexeme(lexeme: string): string {
  return "'" + lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''") + "'";
}

interface Entry {
  positions: number[];
  weights: Weight[];
  /** How many of the last positions have the last weight (weights come in field order). */
  run: number;
}

/** The tsvector literal of one message; "" when it has no token. */
export function buildSearchVector(fields: SearchFields): string {
  const entries = new Map<string, Entry>();
  let budget = SEARCH_VECTOR_LIMITS.maxVectorBytes;
  let next = 1;
  for (const field of FIELD_ORDER) {
    const weight = FIELD_WEIGHTS[field];
    const cc = field === "ccAddrs";
    const tokens = tokenize(fields[field]);
    for (const token of tokens) {
      const position = next <= SEARCH_VECTOR_LIMITS.maxPhrasePosition ? next++ : CLAMP_POSITION[weight];
      const lexeme = toLexeme(token, cc);
      let entry = entries.get(lexeme);
      if (entry === undefined) {
        const cost = Buffer.byteLength(lexeme, "utf8") + 3 + 2;
        if (cost > budget) continue;
        budget -= cost;
        entry = { positions: [position], weights: [weight], run: 1 };
        entries.set(lexeme, entry);
        continue;
      }
      const n = entry.positions.length;
      if (entry.positions[n - 1] === position) continue; // the clamp position, again
      const run = entry.weights[n - 1] === weight ? entry.run + 1 : 1;
      // Up to 256 of each weight, so that every field keeps its first one
      // when the 256 are chosen (positionList); only the first 256 are paid for.
      if (run > SEARCH_VECTOR_LIMITS.maxPositionsPerLexeme) continue;
      if (n < SEARCH_VECTOR_LIMITS.maxPositionsPerLexeme) {
        if (budget < 2) continue;
        budget -= 2;
      }
      entry.positions.push(position);
      entry.weights.push(weight);
      entry.run = run;
    }
    if (tokens.length > 0 && next <= SEARCH_VECTOR_LIMITS.maxPhrasePosition) next++;
  }
  const parts: string[] = [];
  for (const [lexeme, entry] of entries) parts.push(quoteLexeme(lexeme) + ":" + positionList(entry));
  return parts.join(" ");
}

function positionList(entry: Entry): string {
  const max = SEARCH_VECTOR_LIMITS.maxPositionsPerLexeme;
  let keep: number[];
  if (entry.positions.length <= max) {
    keep = entry.positions.map((_, i) => i);
  } else {
    // The first position of each weight, then the earliest others.
    const chosen = new Set<number>();
    entry.weights.forEach((w, i) => {
      if (i === 0 || entry.weights[i - 1] !== w) chosen.add(i);
    });
    for (let i = 0; i < entry.positions.length && chosen.size < max; i++) chosen.add(i);
    keep = [...chosen].sort((a, b) => a - b);
  }
  // D is the default weight: "5" is "5D".
  return keep.map((i) => `${entry.positions[i]}${entry.weights[i] === "D" ? "" : entry.weights[i]}`).join(",");
}
