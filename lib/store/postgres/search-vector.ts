// The PostgreSQL search document of one message, built here and bound as
// `$n::tsvector`: in PostgreSQL's binary form (searchVectorBinary, what the
// writer sends) or as the text of a literal (buildSearchVector, the same
// vector, for tests and tools). Pure.
//
// Why not to_tsvector(): PostgreSQL's parser keeps e-mail addresses, host
// names, paths and version numbers whole ("zohar@linux.ibm.com" is one token)
// and its configurations stem and drop stop words, while search must find what
// SQLite FTS5 finds (lib/store/sqlite/query-compile.ts). So the tokens come
// from lib/mail/tokenizer.ts, as FTS5's unicode61 makes them, and PostgreSQL
// only receives the finished vector. Nor from arrays (array_to_tsvector,
// setweight): no function takes positions, which phrases need.
//
// Each field's tokens are stored under their own lexemes, the token behind a
// field prefix (":" is never a token character, so no token can equal one):
//
//   s:  subject            (weight A)
//   f:  fromName, fromAddr (weight B)
//   t:  toAddrs            (weight C)
//   cc: ccAddrs            (weight C)
//       bodyText, bare     (weight D)
//
// so that a field search is an exact GIN match (lib/store/postgres/query-compile.ts
// looks for 's:ima', a bare word for 's:ima' | 'ima'). Telling fields apart by
// weight alone ('ima':A) made every hit a recheck: PostgreSQL had to read each
// matching row's vector to see its weights, and a count of a common word read
// the whole table. The weights stay, for ts_rank_cd.
//
// Positions run through the fields in the order above, one position per token,
// and skip one after each field, so a phrase (`<->` wants exactly the next
// position) never joins the end of one field to the start of the next, as an
// FTS5 phrase never spans columns.
//
// One more lexeme, without positions, names the month of the message's date
// (UTC): `d:202612` (monthLexeme). A page of the newest hits of a common word
// reads, through GIN, only the months its window of the date index spans
// (lib/store/postgres/search.ts): without it, GIN hands over every hit of the
// word in the archive before the window can meet them.
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
// - a lexeme keeps at most 256 positions, its first: a phrase through a later
//   occurrence of a very frequent word (past its 256th in the field) is not
//   found, the word alone always is;
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
  /** The message's date, as stored: its month is a lexeme of its own. */
  date: Date;
}

export type Weight = "A" | "B" | "C" | "D";

type TextField = Exclude<keyof SearchFields, "date">;

/** Field → weight, for ts_rank_cd's weight array ({D, C, B, A}): a word in the subject ranks above one in the body. */
export const FIELD_WEIGHTS: Readonly<Record<TextField, Weight>> = {
  subject: "A",
  fromName: "B",
  fromAddr: "B",
  toAddrs: "C",
  ccAddrs: "C",
  bodyText: "D",
};

/** Field → the prefix of its lexemes ("" for the body). */
export const FIELD_PREFIXES: Readonly<Record<TextField, string>> = {
  subject: "s:",
  fromName: "f:",
  fromAddr: "f:",
  toAddrs: "t:",
  ccAddrs: "cc:",
  bodyText: "",
};

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

const FIELD_ORDER: readonly TextField[] = ["subject", "fromName", "fromAddr", "toAddrs", "ccAddrs", "bodyText"];

/** The month lexeme of a date: `d:` and the UTC year (four digits, as stored dates have) and month. */
export function monthLexeme(date: Date): string {
  const year = Math.min(9999, Math.max(1, date.getUTCFullYear()));
  return `d:${String(year).padStart(4, "0")}${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/**
 * The lexeme a token is stored and searched as: its field's prefix, then the
 * token, cut to PostgreSQL's lexeme size at a character boundary.
 */
export function toLexeme(token: string, prefix = ""): string {
  const lexeme = prefix + token;
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

/** Weight → the two bits PostgreSQL keeps above a position's 14 (WordEntryPos). */
const WEIGHT_BITS: Readonly<Record<Weight, number>> = { A: 3, B: 2, C: 1, D: 0 };
const POSITION_BITS = 0x3fff;

/**
 * A message's lexemes (first occurrence first) and their kept positions,
 * packed as PostgreSQL stores them: position | weight << 14, ascending. The
 * positions of lexeme i are packed[offsets[i]] up to packed[offsets[i + 1]].
 */
interface Collected {
  lexemes: string[];
  /** UTF-8 length of each lexeme. */
  bytes: number[];
  offsets: Uint32Array;
  packed: Uint16Array;
}

/** What Buffer.byteLength(s, "utf8") says (a lone surrogate is U+FFFD, 3 bytes), without a call into C++ per lexeme. */
function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** What collect() knows of a lexeme while it reads the tokens. */
interface Entry {
  index: number;
  lastPosition: number;
  count: number;
}

function collect(fields: SearchFields): Collected {
  const limits = SEARCH_VECTOR_LIMITS;
  const entries = new Map<string, Entry>();
  // Every kept occurrence, in token order: its lexeme's index and packed position.
  const occurrenceLexeme: number[] = [];
  const occurrencePacked: number[] = [];
  // The month first, so that no vector, however full, is without it.
  const month = monthLexeme(fields.date);
  const lexemes: string[] = [month];
  const bytes: number[] = [month.length];
  entries.set(month, { index: 0, lastPosition: 0, count: 0 });
  let budget = limits.maxVectorBytes - (month.length + 3);
  let next = 1;
  for (const field of FIELD_ORDER) {
    const weight = FIELD_WEIGHTS[field];
    const bits = WEIGHT_BITS[weight];
    const prefix = FIELD_PREFIXES[field];
    const tokens = tokenize(fields[field]);
    for (const token of tokens) {
      const position = next <= limits.maxPhrasePosition ? next++ : CLAMP_POSITION[weight];
      const lexeme = toLexeme(token, prefix);
      let entry = entries.get(lexeme);
      if (entry === undefined) {
        const size = utf8Length(lexeme);
        const cost = size + 3 + 2;
        if (cost > budget) continue;
        budget -= cost;
        entry = { index: lexemes.length, lastPosition: 0, count: 0 };
        entries.set(lexeme, entry);
        lexemes.push(lexeme);
        bytes.push(size);
      } else {
        if (entry.lastPosition === position) continue; // the clamp position, again
        // A lexeme is one field's (its prefix says which), so its first 256 are the ones to keep.
        if (entry.count >= limits.maxPositionsPerLexeme || budget < 2) continue;
        budget -= 2;
      }
      entry.lastPosition = position;
      entry.count++;
      occurrenceLexeme.push(entry.index);
      occurrencePacked.push(position | (bits << 14));
    }
    if (tokens.length > 0 && next <= limits.maxPhrasePosition) next++;
  }
  // Each lexeme's positions together, in token order (a counting sort).
  const n = lexemes.length;
  const offsets = new Uint32Array(n + 1);
  let i = 0;
  for (const entry of entries.values()) offsets[i + 1] = (offsets[i++] as number) + entry.count;
  const packed = new Uint16Array(occurrencePacked.length);
  const fill = offsets.slice(0, n);
  for (let k = 0; k < occurrencePacked.length; k++) packed[fill[occurrenceLexeme[k] as number]!++] = occurrencePacked[k] as number;
  return { lexemes, bytes, offsets, packed };
}

const WEIGHT_SUFFIX = ["", "C", "B", "A"];

/** The tsvector literal of one message. (The writer sends searchVectorBinary.) */
export function buildSearchVector(fields: SearchFields): string {
  const { lexemes, offsets, packed } = collect(fields);
  const parts: string[] = [];
  lexemes.forEach((lexeme, i) => {
    const positions: string[] = [];
    // D is the default weight: "5" is "5D".
    for (let k = offsets[i] as number; k < (offsets[i + 1] as number); k++) {
      const p = packed[k] as number;
      positions.push(`${p & POSITION_BITS}${WEIGHT_SUFFIX[p >> 14]}`);
    }
    parts.push(positions.length === 0 ? quoteLexeme(lexeme) : `${quoteLexeme(lexeme)}:${positions.join(",")}`);
  });
  return parts.join(" ");
}

/**
 * The same vector in PostgreSQL's binary form (tsvectorrecv): the lexeme
 * count, then each lexeme as UTF-8 ending in a NUL, its position count and
 * its packed positions, integers big-endian. Bound as a Buffer, node-postgres
 * sends it as a binary parameter, which the server reads without parsing
 * text (parsing the literal was a fifth of its ingest CPU). Lexemes need no
 * order: the server sorts them as it sorts a literal's.
 */
export function searchVectorBinary(fields: SearchFields): Buffer {
  const { lexemes, bytes, offsets, packed } = collect(fields);
  let size = 4;
  for (let i = 0; i < lexemes.length; i++) size += (bytes[i] as number) + 3;
  size += packed.length * 2;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(lexemes.length, 0);
  let at = 4;
  for (let i = 0; i < lexemes.length; i++) {
    const lexeme = lexemes[i] as string;
    const length = bytes[i] as number;
    // Most lexemes are short ASCII words: copied here rather than by a call into C++ each.
    if (length === lexeme.length && length <= 32) for (let c = 0; c < length; c++) out[at++] = lexeme.charCodeAt(c);
    else at += out.write(lexeme, at, length, "utf8");
    out[at++] = 0;
    const from = offsets[i] as number;
    const to = offsets[i + 1] as number;
    out[at++] = (to - from) >> 8;
    out[at++] = (to - from) & 0xff;
    for (let k = from; k < to; k++) {
      const p = packed[k] as number;
      out[at++] = p >> 8;
      out[at++] = p & 0xff;
    }
  }
  return out;
}
