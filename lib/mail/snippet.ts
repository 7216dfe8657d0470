// Search-result excerpts with the matched terms marked. Pure: returns typed
// segments that pages render as text and <mark> elements, never HTML.
//
// Matching follows the FTS5 index (unicode61 tokenizer, remove_diacritics 2):
// a term is a run of letters/numbers; `ima_appraise` is the tokens "ima" then
// "appraise" with any separators between them, case and accents ignored. So
// what is marked is what the index matched.

export interface SnippetSegment {
  text: string;
  match: boolean;
}

export const SNIPPET_WIDTH = 200;

// Bounds on hostile input: terms come from a parsed query (at most 64), but a
// caller may pass anything.
const MAX_TERMS = 64;
const MAX_TOKENS_PER_TERM = 32;

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const TOKEN_CHAR = "\\p{L}\\p{N}\\p{Co}";
const QUOTED_LINE = /^[ \t]*>/;
const LATIN_ACCENTED = /[\u00c0-\u024f\u1e00-\u1eff]/;
const LATIN_ACCENTED_ALL = /[\u00c0-\u024f\u1e00-\u1eff]/g;

/** The index's tokens of one query term, lower-cased and without accents. */
export function termTokens(term: string): string[] {
  return (fold(term).toLowerCase().match(TOKEN) ?? []).slice(0, MAX_TOKENS_PER_TERM);
}

/**
 * One regex matching any of the terms at token boundaries, or null when no
 * term has a token. The terms are merged into a trie (`ima(?:SEP(?:appraise|
 * policy))?`), so the work at each position is bounded by the longest term,
 * not by the number of terms times their length: 64 near-identical 30-word
 * phrases over a body of "a_a_a_…" took seconds as a flat alternation.
 * Tokens are letters and numbers only, so they need no escaping; separators
 * are a class disjoint from token characters, so nothing backtracks badly.
 */
export function termPattern(terms: readonly string[]): RegExp | null {
  const root: TrieNode = { end: false, next: new Map() };
  for (const term of terms.slice(0, MAX_TERMS)) {
    const tokens = termTokens(term);
    if (tokens.length === 0) continue;
    let node = root;
    for (const token of tokens) {
      let child = node.next.get(token);
      if (child === undefined) {
        child = { end: false, next: new Map() };
        node.next.set(token, child);
      }
      node = child;
    }
    node.end = true;
  }
  if (root.next.size === 0) return null;
  return new RegExp(`(?<![${TOKEN_CHAR}])${alternatives(root)}(?![${TOKEN_CHAR}])`, "giu");
}

interface TrieNode {
  end: boolean;
  next: Map<string, TrieNode>;
}

const SEP = `[^${TOKEN_CHAR}]+`;

function alternatives(node: TrieNode): string {
  // Longer tokens first, so "imaappraise" is tried before "ima" at one spot.
  const branches = [...node.next.entries()]
    .sort(([a], [b]) => b.length - a.length || (a < b ? -1 : 1))
    .map(([token, child]) => {
      if (child.next.size === 0) return token;
      const rest = `${SEP}${alternatives(child)}`;
      // Greedy: the longer phrase is tried first, the shorter one is the fallback.
      return child.end ? `${token}(?:${rest})?` : `${token}${rest}`;
    });
  return branches.length === 1 ? branches[0]! : `(?:${branches.join("|")})`;
}

/** All of `text`, split into marked and unmarked segments. */
export function markTerms(text: string, terms: readonly string[]): SnippetSegment[] {
  const pattern = termPattern(terms);
  if (pattern === null || text === "") return text === "" ? [] : [{ text, match: false }];
  return segment(text, fold(text), pattern, 0, text.length);
}

/**
 * About `width` characters of `body` around the first match (preferring one
 * outside quoted lines), all matches in it marked; without a match, the start
 * of the body's own text (quotes and attribution lines skipped).
 */
export function makeSnippet(body: string, terms: readonly string[], width = SNIPPET_WIDTH): SnippetSegment[] {
  const pattern = termPattern(terms);
  const folded = pattern === null ? body : fold(body);
  const first = pattern === null ? null : firstMatch(body, folded, pattern);
  if (first === null || pattern === null) {
    const text = leadText(body, width);
    return text === "" ? [] : [{ text, match: false }];
  }
  // A third of the window before the match gives it some context.
  let start = Math.max(0, first.index - Math.floor(width / 3));
  let end = Math.min(body.length, Math.max(start + width, first.index + first.length));
  if (start > 0) start = wordStart(body, start, first.index);
  if (end < body.length) end = wordEnd(body, end, first.index + first.length);
  const segments = segment(body, folded, pattern, start, end).map((s) => ({ ...s, text: squash(s.text) }));
  const out = segments.filter((s) => s.text !== "");
  if (out.length === 0) return [];
  trimEdge(out, 0, "start");
  trimEdge(out, out.length - 1, "end");
  if (start > 0) out.unshift({ text: "… ", match: false });
  if (end < body.length) out.push({ text: " …", match: false });
  return mergeText(out.filter((s) => s.text !== ""));
}

// Accents off, one code unit in, one out, so offsets in the folded copy are
// offsets in the original. Characters whose base form is longer (or outside
// the BMP) stay as they are: the marking may miss them, the text never shifts.
function fold(text: string): string {
  // Only Latin letters carry diacritics unicode61 removes; CJK and the rest
  // pass untouched (and fast).
  if (!LATIN_ACCENTED.test(text)) return text;
  return text.replace(LATIN_ACCENTED_ALL, (ch) => {
    const base = ch.normalize("NFD").replace(/\p{M}/gu, "");
    return base.length === 1 ? base : ch;
  });
}

function firstMatch(body: string, folded: string, pattern: RegExp): { index: number; length: number } | null {
  pattern.lastIndex = 0;
  let fallback: { index: number; length: number } | null = null;
  for (let m = pattern.exec(folded); m !== null; m = pattern.exec(folded)) {
    const hit = { index: m.index, length: m[0].length };
    const lineStart = body.lastIndexOf("\n", m.index - 1) + 1;
    const lineEnd = body.indexOf("\n", m.index);
    const line = body.slice(lineStart, lineEnd < 0 ? body.length : lineEnd);
    if (!QUOTED_LINE.test(line)) return hit;
    fallback ??= hit;
    if (m[0].length === 0) pattern.lastIndex++;
  }
  return fallback;
}

function segment(text: string, folded: string, pattern: RegExp, start: number, end: number): SnippetSegment[] {
  const out: SnippetSegment[] = [];
  let pos = start;
  pattern.lastIndex = start;
  for (let m = pattern.exec(folded); m !== null && m.index < end; m = pattern.exec(folded)) {
    const matchEnd = Math.min(end, m.index + m[0].length);
    if (m.index > pos) out.push({ text: text.slice(pos, m.index), match: false });
    out.push({ text: text.slice(m.index, matchEnd), match: true });
    pos = matchEnd;
    if (m[0].length === 0) pattern.lastIndex++;
  }
  if (pos < end) out.push({ text: text.slice(pos, end), match: false });
  return out;
}

// Move a cut to a whitespace boundary (never past the match), so the excerpt
// neither starts nor ends inside a word or a surrogate pair.
function wordStart(text: string, start: number, limit: number): number {
  for (let i = start; i < limit; i++) if (/\s/.test(text[i] ?? "")) return i + 1;
  return isLowSurrogate(text.charCodeAt(start)) ? start + 1 : start;
}

function wordEnd(text: string, end: number, limit: number): number {
  for (let i = end; i > limit; i--) if (/\s/.test(text[i - 1] ?? "")) return i - 1;
  return isLowSurrogate(text.charCodeAt(end)) ? end + 1 : end;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

// Line breaks and runs of blanks read as one space in a one-paragraph excerpt.
function squash(text: string): string {
  return text.replace(/\s+/g, " ");
}

function trimEdge(segments: SnippetSegment[], index: number, side: "start" | "end"): void {
  const seg = segments[index];
  if (seg === undefined || seg.match) return;
  seg.text = side === "start" ? seg.text.trimStart() : seg.text.trimEnd();
}

function mergeText(segments: SnippetSegment[]): SnippetSegment[] {
  const out: SnippetSegment[] = [];
  for (const seg of segments) {
    const last = out[out.length - 1];
    if (last !== undefined && !last.match && !seg.match) last.text += seg.text;
    else out.push({ ...seg });
  }
  return out;
}

// The first lines the author wrote: quoted text and "On … wrote:" attributions
// say nothing about this message.
function leadText(body: string, width: number): string {
  let text = "";
  let start = 0;
  while (start < body.length && text.length < width) {
    const nl = body.indexOf("\n", start);
    const line = body.slice(start, nl < 0 ? body.length : nl).trim();
    start = nl < 0 ? body.length : nl + 1;
    if (line === "" || QUOTED_LINE.test(line) || /wrote:$/.test(line)) continue;
    if (line === "--" || line === "-- ") break; // signature
    text += (text === "" ? "" : " ") + squash(line);
  }
  if (text.length <= width) return text;
  let cut = text.lastIndexOf(" ", width);
  if (cut < width / 2) cut = width;
  if (isLowSurrogate(text.charCodeAt(cut))) cut--;
  return text.slice(0, cut).trimEnd() + " …";
}
