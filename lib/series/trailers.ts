// Commit-message trailers (Reviewed-by:, Acked-by:, ...) the way b4 collects
// and applies them: a reviewer's reply carries "Reviewed-by: Name <email>",
// and `b4 am` adds it under the patch's own Signed-off-by chain.
//
// The rules, learned from b4 (LoreMessage.find_trailers/get_body_parts/
// fix_trailers) and git (interpret-trailers, mailinfo), re-expressed here:
// - a reply's trailer is a "Key: value" line at the very start of a line;
//   quoted text, an inline patch and the signature are never the sender's
//   own word;
// - a patch's trailer block is the last paragraph of its commit message, the
//   message ending at the "---" line git format-patch writes before the
//   diffstat (or at the diff, or at the "-- " signature);
// - new trailers go under the existing chain, in arrival order, once each.
//
// Everything is line-based with a few anchored, bounded regexes: no pattern
// here can backtrack over a whole hostile body.

export interface Trailer {
  name: string;
  value: string;
}

/** The trailers a reviewer can give in a reply, in their canonical spelling. */
export const TRAILER_NAMES = [
  "Reviewed-by",
  "Acked-by",
  "Tested-by",
  "Reported-by",
  "Suggested-by",
  "Co-developed-by",
  "Signed-off-by",
  "Link",
  "Fixes",
] as const;

export type TrailerName = (typeof TRAILER_NAMES)[number];

const CANONICAL_NAME: ReadonlyMap<string, TrailerName> = new Map(TRAILER_NAMES.map((name) => [name.toLowerCase(), name]));

/** The known name in its canonical casing ("reviewed-BY" -> "Reviewed-by"); other names as given. */
export function canonicalTrailerName(name: string): string {
  return CANONICAL_NAME.get(name.toLowerCase()) ?? name;
}

// ---------------------------------------------------------------------------
// Lines with their exact offsets, so that applyTrailers can splice without
// touching anything else. A body may be LF, CRLF, or both: the corpus has a
// patch whose message is LF and everything from its "---" on CRLF.

interface Line {
  /** The line without its end of line (and without the CR of a CRLF). */
  text: string;
  /** Offset of the first character of the line in the body. */
  start: number;
  /** "\r\n", "\n", or "" for a last line without one. */
  eol: string;
}

function splitLines(body: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < body.length) {
    const newline = body.indexOf("\n", start);
    if (newline === -1) {
      lines.push({ text: body.slice(start), start, eol: "" });
      break;
    }
    const crlf = newline > start && body[newline - 1] === "\r";
    lines.push({ text: body.slice(start, crlf ? newline - 1 : newline), start, eol: crlf ? "\r\n" : "\n" });
    start = newline + 1;
  }
  return lines;
}

function isBlank(text: string): boolean {
  return text.trim() === "";
}

function collapseWhitespace(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------------------
// One "Key: value" line.

// A trailer key as git reads one: letters, digits and dashes. Long enough for
// "Co-developed-by" and anything real, short enough to bound the scan. \s
// after the colon, not just a space: Evolution sends "Reviewed-by:" followed
// by two no-break spaces (in the corpus).
const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]{0,39}):\s*(\S.*)$/;

function parseTrailerLine(text: string): Trailer | null {
  const match = TRAILER_LINE.exec(text);
  if (match === null) return null;
  return { name: match[1] as string, value: collapseWhitespace(match[2] as string) };
}

// b4 takes a person trailer only with an address in it: "Reviewed-by: is not
// necessary, but ..." and "Suggested-by: Matthew Garrett <...>" are prose.
// [^\s<>@] excludes "@", so each attempt stops at the next "@": linear.
const EMAIL = /[^\s<>@]@[^\s<>@]+\.[^\s<>@]/;

// checkpatch's rule for Fixes: an abbreviated commit id first.
const COMMIT_ID = /^[0-9a-f]{7,40}\b/i;

const URL_SCHEME = /^[a-z][a-z0-9+.-]{0,15}:\/\//i;

function isPersonTrailer(name: TrailerName): boolean {
  return name !== "Link" && name !== "Fixes";
}

/** Whether a known trailer's value is what such a trailer carries, so that prose starting "Fixes:" is not taken. */
function hasPlausibleValue(name: TrailerName, value: string): boolean {
  if (name === "Fixes") return COMMIT_ID.test(value);
  if (name === "Link") return URL_SCHEME.test(value);
  return EMAIL.test(value);
}

// ---------------------------------------------------------------------------
// Trailers a reviewer gives in a reply.

// The signature separator of RFC 3676 §4.3 (and Usenet): "-- " alone.
const SIGNATURE_SEPARATOR = "-- ";

/**
 * Where an unquoted patch starts: "diff --git", or a "---"/"+++" pair of
 * unified-diff file headers (b4's DIFF_RE). A bare "---" is not enough: in a
 * reply it is as often a horizontal rule.
 */
function startsUnquotedDiff(lines: readonly Line[], index: number): boolean {
  const text = (lines[index] as Line).text;
  if (text.startsWith("diff --git ")) return true;
  return text.startsWith("--- ") && (lines[index + 1]?.text.startsWith("+++ ") ?? false);
}

/**
 * The trailers the sender of a reply gives: known "Key: value" lines at the
 * start of a line, above any unquoted diff and above the "-- " signature.
 * Quoted lines never count: they are someone else's words (often the patch's
 * own Signed-off-by chain). An unquoted diff ends the search for good, even
 * though a reviewer sometimes writes "Tested-by" under a hack they pasted:
 * lines after a diff cannot be told from a second patch's own trailers.
 */
export function extractReplyTrailers(body: string): Trailer[] {
  const lines = splitLines(body);
  const trailers: Trailer[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] as Line).text;
    if (text === SIGNATURE_SEPARATOR) break;
    if (startsUnquotedDiff(lines, i)) break;
    // Quoted lines (">", "> >", ">>") never parse: a key starts the line.
    const parsed = parseTrailerLine(text);
    if (parsed === null) continue;
    const name = CANONICAL_NAME.get(parsed.name.toLowerCase());
    if (name === undefined) continue;
    let value = parsed.value;
    // Mailers wrap long lines: "Signed-off-by: A Very Long Name\n<a@b.c>" (b4 rejoins them too).
    const next = lines[i + 1]?.text.trim();
    if (isPersonTrailer(name) && !EMAIL.test(value) && next !== undefined && isWrappedAddress(next)) {
      value = `${value} ${next}`;
      i++;
    }
    if (!hasPlausibleValue(name, value)) continue;
    trailers.push({ name, value });
  }
  return trailers;
}

function isWrappedAddress(text: string): boolean {
  return text.startsWith("<") && text.endsWith(">") && EMAIL.test(text);
}

// ---------------------------------------------------------------------------
// The patch's own trailer block.

/**
 * git mailinfo's patchbreak(): a "---" line (optionally followed by
 * whitespace) separates the message from the diffstat; "--- file" and
 * "diff -" start a diff without one.
 */
function isPatchBreak(text: string): boolean {
  if (text.startsWith("diff -")) return true;
  if (!text.startsWith("---")) return false;
  const rest = text.slice(3);
  if (rest[0] === " " && rest[1] !== undefined && !/\s/.test(rest[1])) return true;
  return rest.trim() === "";
}

/** Index of the first line after the commit message (the "---" line), or lines.length. */
function messageEnd(lines: readonly Line[]): number {
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] as Line).text;
    if (text === SIGNATURE_SEPARATOR || isPatchBreak(text)) return i;
  }
  return lines.length;
}

interface TrailerBlock {
  /** Index of the last line of the block. */
  last: number;
  trailers: Trailer[];
}

/**
 * The last paragraph of the message, if git interpret-trailers would call it
 * a trailer block: all of its lines are trailers, or it has a known trailer
 * and at least a quarter of its lines are trailers (so "Fix foo.\n
 * Signed-off-by: ..." with no blank line between still has a block, and a
 * prose paragraph that happens to hold "Note: ..." does not). Indented
 * lines continue the trailer above them.
 */
function findTrailerBlock(lines: readonly Line[], end: number): TrailerBlock | null {
  let last = end - 1;
  while (last >= 0 && isBlank((lines[last] as Line).text)) last--;
  if (last < 0) return null;
  let first = last;
  while (first > 0 && !isBlank((lines[first - 1] as Line).text)) first--;

  // Each trailer's value as its pieces, joined once at the end: thousands of
  // continuation lines must not cost a quadratic string rebuild.
  const pieces: Array<{ name: string; parts: string[] }> = [];
  let otherLines = 0;
  let recognized = false;
  let continues = false;
  for (let i = first; i <= last; i++) {
    const text = (lines[i] as Line).text;
    if (continues && (text.startsWith(" ") || text.startsWith("\t"))) {
      (pieces[pieces.length - 1] as { parts: string[] }).parts.push(text);
      continue;
    }
    const parsed = parseTrailerLine(text);
    continues = parsed !== null;
    if (parsed === null) {
      otherLines++;
      continue;
    }
    // git trusts Signed-off-by and configured trailers; ours are TRAILER_NAMES.
    if (CANONICAL_NAME.has(parsed.name.toLowerCase())) recognized = true;
    pieces.push({ name: canonicalTrailerName(parsed.name), parts: [parsed.value] });
  }
  const trailerLines = pieces.length;
  const isBlock = (trailerLines > 0 && otherLines === 0) || (recognized && trailerLines * 3 >= otherLines);
  if (!isBlock) return null;
  const trailers = pieces.map(({ name, parts }) => ({ name, value: collapseWhitespace(parts.join(" ")) }));
  return { last, trailers };
}

/**
 * The patch's own trailers: the trailer block closing its commit message,
 * right above the "---" line (so never the changelog under it). All keys
 * count here ("Cc:", "Closes:", ...): the chain is kept as the author wrote it.
 */
export function extractPatchTrailers(body: string): Trailer[] {
  const lines = splitLines(body);
  return findTrailerBlock(lines, messageEnd(lines))?.trailers ?? [];
}

// ---------------------------------------------------------------------------
// Merging and applying.

/**
 * What makes two trailers the same: the name in any case, the value with
 * whitespace collapsed and addresses in any case (local parts are
 * case-sensitive by the RFC, never in practice).
 */
function trailerIdentity(trailer: Trailer): string {
  const words = collapseWhitespace(trailer.value)
    .split(" ")
    .map((word) => (word.includes("@") ? word.toLowerCase() : word));
  return `${trailer.name.toLowerCase()}\n${words.join(" ")}`;
}

/**
 * b4's order: the existing chain untouched (its own repeats included), then
 * each added trailer in arrival order unless the chain, or an earlier
 * arrival, already has it.
 */
export function mergeTrailers(existing: readonly Trailer[], added: readonly Trailer[]): Trailer[] {
  const seen = new Set(existing.map(trailerIdentity));
  const merged = existing.map((trailer) => ({ ...trailer }));
  for (const trailer of added) {
    const identity = trailerIdentity(trailer);
    if (seen.has(identity)) continue;
    seen.add(identity);
    merged.push({ name: canonicalTrailerName(trailer.name), value: trailer.value });
  }
  return merged;
}

/** One trailer as a single line: a hostile value must not smuggle in lines of its own. */
function formatTrailer(trailer: Trailer): string {
  return `${collapseWhitespace(trailer.name)}: ${collapseWhitespace(trailer.value)}`;
}

/**
 * The patch body with the trailers it lacks added under its trailer block,
 * as `b4 am` writes them: right above the "---" line, or as a new paragraph
 * when the message has no block yet. Trailers it already has are skipped, so
 * applying twice changes nothing. Every other byte stays as it was, and the
 * new lines end the way the line they follow ends (LF or CRLF).
 */
export function applyTrailers(patchBody: string, trailers: readonly Trailer[]): string {
  const lines = splitLines(patchBody);
  const end = messageEnd(lines);
  const block = findTrailerBlock(lines, end);
  const existing = block?.trailers ?? [];
  const missing = mergeTrailers(existing, trailers).slice(existing.length);
  if (missing.length === 0) return patchBody;

  let anchor = block?.last ?? end - 1;
  while (block === null && anchor >= 0 && isBlank((lines[anchor] as Line).text)) anchor--;
  const eol = lineEnding(lines, anchor);
  let insertion = missing.map((trailer) => formatTrailer(trailer) + eol).join("");
  // A message without a block gets its trailers as a paragraph of their own.
  if (block === null && anchor >= 0) insertion = eol + insertion;

  if (anchor < 0) {
    const at = lines[end]?.start ?? patchBody.length;
    return patchBody.slice(0, at) + insertion + patchBody.slice(at);
  }
  const anchorLine = lines[anchor] as Line;
  const at = anchorLine.start + anchorLine.text.length + anchorLine.eol.length;
  // A last line without an end of line gets one before the trailers.
  const prefix = anchorLine.eol === "" ? eol : "";
  return patchBody.slice(0, at) + prefix + insertion + patchBody.slice(at);
}

/** The end of line of the given line, else the body's first one, else LF. */
function lineEnding(lines: readonly Line[], index: number): string {
  const own = lines[index]?.eol;
  if (own !== undefined && own !== "") return own;
  return lines.find((line) => line.eol !== "")?.eol ?? "\n";
}
