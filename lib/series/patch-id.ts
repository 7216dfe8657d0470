// The patch-id of a patch mail: the key that says "this is the same change"
// across versions of a series, across lists, and after a rebase. It must be
// the number `git patch-id --stable` prints, so that ids computed here can be
// compared with ones from b4, patchwork or a developer's own git.
//
// The reading rules are git's (builtin/patch-id.c, as of git 2.39, which
// rewrote the binary handling): the diff is read as a state machine over
// lines, every byte of a line is hashed except git's four whitespace bytes,
// "index " lines and "@@" hunk headers (with their line numbers and function
// names) are left out, and the hunk line counts decide where the diff ends.
// With --stable each file's lines get their own SHA-1, and the 20-byte
// digests are added up, so reordering files does not change the sum. Not
// quite always, in git too: a file is only split off where a hunk ends, so a
// file without hunks (a mode change, an empty new file) is hashed together
// with the next one, and the file after a binary one loses its "diff --git"
// line; where those are involved, the order counts.
//
// Everything is line-based with anchored, fixed-length patterns: nothing here
// can backtrack over a hostile body.

import { createHash, type Hash } from "node:crypto";

// ---------------------------------------------------------------------------
// Lines. Split on LF only: a CR stays at the end of its line, because git
// sees it there too (it is whitespace to patch-id, but not to every rule).

interface Lines {
  /** Each line without its LF, with a CR of a CRLF still on it. */
  texts: string[];
  /** Offset of each line's first character, plus the body's length at the end. */
  starts: number[];
  /** Whether the last line ends with a LF. */
  finalNewline: boolean;
}

function splitLines(text: string): Lines {
  const texts: string[] = [];
  const starts: number[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    starts.push(start);
    if (newline === -1) {
      texts.push(text.slice(start));
      start = text.length;
      break;
    }
    texts.push(text.slice(start, newline));
    start = newline + 1;
  }
  starts.push(text.length);
  return { texts, starts, finalNewline: text.endsWith("\n") };
}

function withoutCr(text: string): string {
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

function isAsciiLetter(ch: string | undefined): boolean {
  return ch !== undefined && ((ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z"));
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

// ---------------------------------------------------------------------------
// Where the diff is.

/**
 * A unified diff without git's header ("diff -u", quilt): a "--- " line
 * directly followed by a "+++ " line. The "---" that ends a commit message
 * has no space after it and is followed by the diffstat.
 */
function isUnifiedHeaderPair(texts: readonly string[], index: number): boolean {
  return (texts[index] ?? "").startsWith("--- ") && (texts[index + 1] ?? "").startsWith("+++ ");
}

// git format-patch ends a mail with "-- " and the version of git that wrote
// it: "2.43.0", "2.31.1.windows.1", "2.39.3 (Apple Git-145)". Checking the
// next line tells this signature from a hunk line that removes "- ".
const GIT_VERSION = /^\d{1,4}\.\d/;

function isSignatureAt(texts: readonly string[], index: number): boolean {
  const text = withoutCr(texts[index] ?? "");
  // Some mailers strip the trailing space of "-- ".
  if (text !== "-- " && text !== "--") return false;
  const next = texts[index + 1];
  return next === undefined || GIT_VERSION.test(next);
}

/** Index of the line the diff starts on, or -1. */
function diffStart(texts: readonly string[]): number {
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i] as string;
    if (text.startsWith("diff --git ") || isUnifiedHeaderPair(texts, i)) return i;
  }
  return -1;
}

/**
 * The diff part of a patch mail body: from the first "diff --git " line (or
 * "--- "/"+++ " pair) to where the diff ends, that is the "-- " signature
 * git format-patch writes, or the first line after a complete hunk that
 * starts neither a hunk nor a file ("base-commit:", a list footer), which is
 * where git patch-id stops reading too. The text is the body's own, line
 * endings included (CRLF, LF or mixed). null if the body has no diff.
 */
export function extractDiff(body: string): string | null {
  if (typeof body !== "string") return null;
  const lines = splitLines(body);
  const start = diffStart(lines.texts);
  if (start === -1) return null;
  let end = walkDiff(lines, start, { lenient: true }, null);
  for (let i = start + 1; i < end; i++) {
    if (isSignatureAt(lines.texts, i)) {
      end = i;
      break;
    }
  }
  return body.slice(lines.starts[start], lines.starts[end]);
}

// ---------------------------------------------------------------------------
// git's reader (builtin/patch-id.c, get_one_patchid and scan_hunk_header).

interface WalkOptions {
  /**
   * Count an empty line inside a hunk as an empty context line, as git apply
   * does: mailers strip the lone space of such lines, and without this the
   * counts never reach zero and the end of the diff is missed. patch-id itself
   * does not, so ids stay git's.
   */
  lenient: boolean;
}

/** Receives what git would hash: the bytes of a line, and the end of a file's part. */
interface HashSink {
  update(text: string): void;
  flush(): void;
}

// A line starting with a full object name ("commit <sha>", "From <sha> Mon
// Sep 17 ...", or a bare one) is git log's start of the next commit.
const OBJECT_NAME = /^[0-9a-fA-F]{40}/;

// git's isspace() is its own, locale-free one: space, tab, LF and CR only
// (not VT, FF or anything non-ASCII).
const GIT_WHITESPACE = /[ \t\n\r]+/g;

// strlcpy into a GIT_MAX_HEXSZ + 1 buffer.
const MAX_OID_LENGTH = 64;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** C's atoi: optional whitespace and sign, then digits. */
function atoi(text: string, from: number): number {
  let pos = from;
  while (pos < text.length && " \t\n\v\f\r".includes(text[pos] as string)) pos++;
  let sign = 1;
  if (text[pos] === "+" || text[pos] === "-") {
    if (text[pos] === "-") sign = -1;
    pos++;
  }
  let value = 0;
  while (isDigit(text[pos])) value = value * 10 + Number(text[pos++]);
  return sign * value;
}

function digitRun(text: string, from: number): number {
  let pos = from;
  while (isDigit(text[pos])) pos++;
  return pos - from;
}

interface HunkCounts {
  before: number;
  after: number;
}

/**
 * "@@ -l[,n] +l[,m] @@": sets before = n and after = m (1 when left out). On
 * a malformed header it stops where git stops, keeping what it had set; the
 * line numbers themselves are never used.
 */
function scanHunkHeader(line: string, counts: HunkCounts): void {
  let q = 4;
  let n = digitRun(line, q);
  if (line[q + n] === ",") {
    q += n + 1;
    counts.before = atoi(line, q);
    n = digitRun(line, q);
  } else {
    counts.before = 1;
  }
  if (n === 0 || line[q + n] !== " " || line[q + n + 1] !== "+") return;
  let r = q + n + 2;
  n = digitRun(line, r);
  if (line[r + n] === ",") {
    r += n + 1;
    counts.after = atoi(line, r);
  } else {
    counts.after = 1;
  }
}

/**
 * Reads the diff starting at lines[start] the way git patch-id does, feeding
 * the sink what git hashes, and returns the index of the first line that is
 * not part of it (lines.length at the end).
 */
function walkDiff(lines: Lines, start: number, options: WalkOptions, sink: HashSink | null): number {
  const texts = lines.texts;
  // git only starts at a "diff " line; a plain unified diff starts at its
  // "--- " line, and a "--- "/"+++ " pair between hunks starts its next file
  // (git patch-id prints nothing at all for such a diff).
  const gitHeaders = (texts[start] ?? "").startsWith("diff ");
  const counts: HunkCounts = { before: -1, after: -1 };
  let binary = false;
  let preOid = "";
  let postOid = "";
  for (let i = start; i < texts.length; i++) {
    const line = texts[i] as string;
    // What git's fgets() gives: the line with its LF, if it had one.
    const full = i < texts.length - 1 || lines.finalNewline ? line + "\n" : line;

    // "\ No newline at end of file" is not part of the change.
    if (line.startsWith("\\ ") && utf8Length(full) > 12) continue;

    let name = line;
    if (line.startsWith("commit ")) name = line.slice(7);
    else if (line.startsWith("From ")) name = line.slice(5);
    if (OBJECT_NAME.test(name)) return i;

    if (counts.before === -1) {
      if (line.startsWith("GIT binary patch") || line.startsWith("Binary files")) {
        // A binary file is known by its blob names alone, without whitespace
        // removal, and its "diff --git" line was hashed just before.
        binary = true;
        counts.before = 0;
        sink?.update(preOid);
        sink?.update(postOid);
        sink?.flush();
        continue;
      }
      if (line.startsWith("index ")) {
        // "index 1234abc..5678def 100644": remembered for a binary file.
        const dots = full.indexOf("..");
        if (dots !== -1) {
          const space = full.indexOf(" ", dots);
          // Without a mode git cuts off the last character, meant to be the LF.
          const oidEnd = space !== -1 ? space : full.length - 1;
          preOid = full.slice(6, dots).slice(0, MAX_OID_LENGTH);
          postOid = full.slice(dots + 2, Math.max(dots + 2, oidEnd)).slice(0, MAX_OID_LENGTH);
        }
        continue;
      }
      if (line.startsWith("--- ")) {
        counts.before = 1;
        counts.after = 1;
      } else if (!isAsciiLetter(line[0])) {
        return i;
      }
    }

    if (binary) {
      // git skips everything up to the next file, that file's "diff " line
      // included: it is never hashed.
      if (line.startsWith("diff ")) {
        binary = false;
        counts.before = -1;
      }
      continue;
    }

    if (counts.before === 0 && counts.after === 0) {
      if (line.startsWith("@@ -")) {
        scanHunkHeader(line, counts);
        continue;
      }
      if (line.startsWith("diff ")) {
        sink?.flush();
        counts.before = -1;
        counts.after = -1;
      } else if (!gitHeaders && isUnifiedHeaderPair(texts, i)) {
        sink?.flush();
        counts.before = 1;
        counts.after = 1;
      } else {
        return i;
      }
    }

    const first = line[0];
    if (first === "-" || first === " ") counts.before--;
    if (first === "+" || first === " ") counts.after--;
    if (options.lenient && counts.before > 0 && counts.after > 0 && withoutCr(line) === "") {
      counts.before--;
      counts.after--;
    }
    sink?.update(full.replace(GIT_WHITESPACE, ""));
  }
  return texts.length;
}

// ---------------------------------------------------------------------------
// The stable sum.

/**
 * Hashes each file's part separately and adds the 20-byte digests as one
 * little-endian number (byte 0 lowest, the last carry dropped): git's
 * flush_one_hunk. git also flushes at the very end even when nothing was
 * hashed since the last flush (after a binary file), adding SHA-1 of nothing.
 */
class StableSum implements HashSink {
  readonly sum = new Uint8Array(20);
  private hash: Hash = createHash("sha1");

  update(text: string): void {
    this.hash.update(text, "utf8");
  }

  flush(): void {
    const digest = this.hash.digest();
    this.hash = createHash("sha1");
    let carry = 0;
    for (let i = 0; i < this.sum.length; i++) {
      carry += (this.sum[i] as number) + (digest[i] as number);
      this.sum[i] = carry & 0xff;
      carry >>= 8;
    }
  }
}

/** `git patch-id --stable` of the body's diff, as 40 hex chars, or null without a diff. */
export function patchId(body: string): string | null {
  const diff = extractDiff(body);
  if (diff === null) return null;
  const sink = new StableSum();
  walkDiff(splitLines(diff), 0, { lenient: false }, sink);
  sink.flush();
  return Buffer.from(sink.sum).toString("hex");
}
