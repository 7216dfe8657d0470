// The words of a text as SQLite FTS5 sees them with
// `tokenize='unicode61 remove_diacritics 2'` (prisma/sqlite/migrations/
// 20261125000001_fts/migration.sql), for the stores that have no FTS5: the
// PostgreSQL search vector (lib/store/postgres/search-vector.ts) and its query
// compiler (lib/store/postgres/query-compile.ts) tokenize documents and queries
// with this one function, so what one writes the other finds. Pure.
//
// Rules, as unicode61 applies them:
// - token characters are letters, numbers and private-use characters (Unicode
//   categories L*, N*, Co); everything else separates, NUL included;
// - the 25 combining marks FTS5 counts as diacritics (U+0300–U+0331, the ones
//   precomposed Latin letters decompose to) belong to the token and vanish, so
//   a decomposed "cafe\u0301" is "cafe" as the precomposed "café" is;
// - each character is case-folded on its own (simple folding: "Σ", "ς" and
//   "σ" are all "σ", "ſ" is "s", "µ" is "μ"), never by context;
// - Latin letters (U+00C0–U+024F, U+1E00–U+1EFF) lose their diacritics
//   ("é" → "e", "ấ" → "a"); other scripts keep theirs ("й" stays "й"), as
//   FTS5 does;
// - no stemming, no stop words, no length limit (the PostgreSQL limits are
//   lib/store/postgres/search-vector.ts's business).
//
// Known differences from FTS5, all from its Unicode tables being older than
// Node's (checked over every code point against SQLite 3.53): FTS5 treats code
// points that were unassigned in its tables as token characters, so newer emoji
// ("🤔", while "😀" separates), currency signs ("₽", "₿") and marks join the
// word next to them there and separate here; and FTS5 does not case-fold the
// scripts and letters that gained case mappings since (Cherokee, Georgian
// Mtavruli, Osage, Adlam, a few Latin and Cyrillic additions), which fold here.
//
// Hostile input: one pass over the text with a table lookup per character
// (a regex with \p{...} classes took seconds on 2M characters of CJK), so
// linear in the text; each distinct character is classified and folded once.

const DIACRITICS = "\\u0300-\\u0304\\u0306-\\u030c\\u030f\\u0311\\u031b\\u0323-\\u0328\\u032d\\u032e\\u0330\\u0331";
const DIACRITIC_MARK = new RegExp(`^[${DIACRITICS}]$`, "u");
const TOKEN_CHAR = /^[\p{L}\p{N}\p{Co}]$/u;
const MARKS = /\p{M}/gu;

// Letters in the Latin ranges whose diacritics FTS5 keeps (its table maps none
// of them), and the dotted and dotless i, which Unicode folds only for Turkish.
const FOLD_EXCEPTIONS: ReadonlyMap<number, string> = new Map([
  [0x01e0, "\u01e1"], [0x01e1, "\u01e1"], // ǡ
  [0x01e2, "\u01e3"], [0x01e3, "\u01e3"], // ǣ
  [0x01ee, "\u01ef"], [0x01ef, "\u01ef"], // ǯ
  [0x01fc, "\u01fd"], [0x01fd, "\u01fd"], // ǽ
  [0x01fe, "\u01ff"], [0x01ff, "\u01ff"], // ǿ
  [0x0130, "i"], // İ
  [0x0131, "\u0131"], // ı
]);

// What a UTF-16 unit of the Basic Multilingual Plane is, filled in as the
// characters are met. Code points beyond it go to a bounded map instead (a
// hostile message may hold every one there is).
const UNKNOWN = 0;
const SEPARATOR = 1;
const SAME = 2; // a token character that folds to itself
const LOWER = 3; // folds to what String#toLowerCase makes of it, in any context
const FOLDS = 4; // folds to the one unit in foldUnit
const FOLDS_LONG = 5; // folds to the string in foldLong
const DROPPED = 6; // one of the diacritics: in the token, but no character of it
const HIGH_SURROGATE = 7;
const kind = new Uint8Array(0x10000);
const foldUnit = new Uint16Array(0x10000);
const foldLong = new Map<number, string>();
for (let u = 0xd800; u <= 0xdfff; u++) kind[u] = u <= 0xdbff ? HIGH_SURROGATE : SEPARATOR;

// Astral code point → its fold, or null for a separator.
const astral = new Map<number, string | null>();
const ASTRAL_MAX = 4096;

function classify(unit: number): number {
  const ch = String.fromCharCode(unit);
  let k: number;
  if (DIACRITIC_MARK.test(ch)) k = DROPPED;
  else if (!TOKEN_CHAR.test(ch)) k = SEPARATOR;
  else {
    const folded = foldChar(ch, unit);
    if (folded === ch) k = SAME;
    else if (folded.length === 1) {
      // Σ is the one letter toLowerCase maps by context (ς at the end of a word).
      k = folded === ch.toLowerCase() && unit !== 0x03a3 ? LOWER : FOLDS;
      foldUnit[unit] = folded.charCodeAt(0);
    } else {
      k = FOLDS_LONG;
      foldLong.set(unit, folded);
    }
  }
  kind[unit] = k;
  return k;
}

function classifyAstral(cp: number): string | null {
  let folded = astral.get(cp);
  if (folded === undefined) {
    const ch = String.fromCodePoint(cp);
    folded = TOKEN_CHAR.test(ch) ? foldChar(ch, cp) : null;
    if (astral.size >= ASTRAL_MAX) astral.clear();
    astral.set(cp, folded);
  }
  return folded;
}

// The folded units of the current token, once it differs from the text.
const BUF_SIZE = 256;
let buf = new Uint16Array(BUF_SIZE);

function put(len: number, unit: number): number {
  if (len === buf.length) {
    const bigger = new Uint16Array(buf.length * 2);
    bigger.set(buf);
    buf = bigger;
  }
  buf[len] = unit;
  return len + 1;
}

function decode(len: number): string {
  let s = "";
  for (let i = 0; i < len; i += 4096) {
    s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(len, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** The tokens of `text`, folded, in order; separators and empty tokens are gone. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = -1; // where the current token began in text, -1 between tokens
  let changed = false; // whether the token is in buf (folded) rather than a slice of text
  let lower = false; // whether the slice needs toLowerCase
  let len = 0;
  let i = 0;
  while (i < n) {
    const unit = text.charCodeAt(i);
    let k = kind[unit] as number;
    if (k === UNKNOWN) k = classify(unit);
    let folded: string | null = null;
    let width = 1;
    if (k === HIGH_SURROGATE) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) k = SEPARATOR; // a lone surrogate
      else {
        const cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        folded = classifyAstral(cp);
        width = 2;
        if (folded === null) k = SEPARATOR;
        else k = folded.length === 2 && folded.charCodeAt(0) === unit && folded.charCodeAt(1) === next ? SAME : FOLDS_LONG;
      }
    }
    if (k === SEPARATOR) {
      if (start >= 0) {
        if (!changed) out.push(lower ? text.slice(start, i).toLowerCase() : text.slice(start, i));
        else if (len > 0) out.push(decode(len));
        start = -1;
      }
      i += width;
      continue;
    }
    if (start < 0) {
      start = i;
      changed = false;
      lower = false;
    }
    if (k === LOWER) {
      if (!changed) {
        lower = true;
        i++;
        continue;
      }
      k = FOLDS;
    }
    if (k !== SAME && !changed) {
      changed = true;
      len = 0;
      const head = lower ? text.slice(start, i).toLowerCase() : text.slice(start, i);
      for (let j = 0; j < head.length; j++) len = put(len, head.charCodeAt(j));
    }
    if (changed) {
      if (k === SAME) for (let j = 0; j < width; j++) len = put(len, text.charCodeAt(i + j));
      else if (k === FOLDS) len = put(len, foldUnit[unit] as number);
      else if (k === FOLDS_LONG) {
        const s = folded ?? foldLong.get(unit) ?? "";
        for (let j = 0; j < s.length; j++) len = put(len, s.charCodeAt(j));
      }
    }
    i += width;
  }
  if (start >= 0) {
    if (!changed) out.push(lower ? text.slice(start, n).toLowerCase() : text.slice(start, n));
    else if (len > 0) out.push(decode(len));
  }
  if (buf.length > 64 * BUF_SIZE) buf = new Uint16Array(BUF_SIZE); // one huge token need not hold memory for good
  return out;
}

function isOneChar(s: string): boolean {
  return s.length === 1 || (s.length === 2 && (s.codePointAt(0) ?? 0) > 0xffff);
}

function foldChar(ch: string, cp: number): string {
  const exception = FOLD_EXCEPTIONS.get(cp);
  if (exception !== undefined) return exception;
  // Upper then lower approximates simple case folding (ς → Σ → σ, ſ → S → s);
  // where either step makes several characters (ß → SS) the plain lower case
  // is used, and the character itself where even that grows (FTS5 folds one
  // character to one).
  const upper = ch.toUpperCase();
  let folded = isOneChar(upper) ? upper.toLowerCase() : ch.toLowerCase();
  if (!isOneChar(folded)) folded = isOneChar(ch.toLowerCase()) ? ch.toLowerCase() : ch;
  const f = folded.codePointAt(0) ?? 0;
  // The Latin ranges of FTS5's diacritic table; the test is on the folded
  // letter, so the Ångström sign (U+212B → å) loses its ring too.
  if ((f >= 0xc0 && f <= 0x24f) || (f >= 0x1e00 && f <= 0x1eff)) {
    const base = folded.normalize("NFD").replace(MARKS, "");
    if (isOneChar(base)) folded = base;
  }
  return folded;
}
