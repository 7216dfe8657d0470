// Reading a patch mail's Subject the way kernel tooling (b4, patchwork, lore)
// does: "Re: [RFC PATCH net-next v3 02/17] tcp: fix foo" says it is a reply,
// an RFC, version 3, patch 2 of 17, for the net-next tree, about "tcp: fix foo".
//
// Why a hand-written scanner and no library: npm has nothing for kernel patch
// subjects that we would trust (the few "parse-patch" packages read
// git-format-patch files, not the bracket dialect people actually type), and
// b4's own parser is a handful of Python regexes. Ours is one left-to-right
// pass over the subject with no backtracking regex on unbounded input, so a
// 100 KB hostile subject costs linear time, and it never throws.
//
// The input is a decoded header value (RFC 2047 words already decoded by the
// caller); folded lines are unfolded here.

export interface PatchSubject {
  /** Re:/Fwd:/Aw:/... anywhere among the leading tags: not a new submission. */
  isReply: boolean;
  /** A PATCH tag, or a counter together with RFC/RESEND/vN (e.g. "[RFC 3/3]", "[LTP v2 1/1]"). */
  isPatch: boolean;
  /** "[GIT PULL]", "[PULL]", "[GIT-PULL]". */
  isPullRequest: boolean;
  /** The series version: "v3" -> 3; 1 when no version tag is given. */
  revision: number;
  /** "2/7" -> 2; null without a counter. */
  counter: number | null;
  /** "2/7" -> 7; null without a counter. */
  total: number | null;
  rfc: boolean;
  resend: boolean;
  /** Every other bracket word, in order and as written ("net-next", "5.10", "AUTOSEL", "syzbot"). */
  prefixes: string[];
  /** The subject without the leading Re:/Fwd:/[tags]. */
  title: string;
  /** The title lowercased with whitespace collapsed: the key for matching one series' versions. */
  normalizedTitle: string;
  /** Patch 0 of a series: the cover letter. */
  isCover: boolean;
}

// Reply and forward markers of the mail clients seen on kernel lists: English
// Re/Fw/Fwd, German Aw/Wg (Outlook's "Antwort"/"Weitergeleitet"), Nordic Sv,
// Dutch Antw, Polish Odp. Compared case-insensitively.
const REPLY_MARKERS: ReadonlySet<string> = new Set(["re", "fw", "fwd", "aw", "wg", "sv", "antw", "odp"]);
// "Ping: [PATCH] foo" nudges a patch, it does not resend it. "ping" is also a
// kernel subsystem ("ping: fix ..."), so it only counts right before a bracket.
const PING_MARKER = "ping";
const LONGEST_MARKER = 4;

// Counters of up to 5 digits and versions of up to 6: anything longer is
// garbage, not a number anyone typed, and the bound keeps parseInt exact.
const COUNTER = /^(\d{1,5})\/(\d{1,5})$/;
const VERSION = /^v(\d{1,6})$/;
// "v2-resend", "v11-ima": a version glued to another tag word.
const VERSION_WITH_SUFFIX = /^v(\d{1,6})-(.+)$/i;
// "PATCHv2", "PATCH-v2", "PATCH_v2", "RFCv2", "RFC-v2".
const GLUED_VERSION = /^[-_]?v(\d{1,6})$/;

/** Parse state while reading the leading tags. */
interface TagState {
  isReply: boolean;
  hasPatchWord: boolean;
  isPullRequest: boolean;
  revision: number | null;
  counter: number | null;
  total: number | null;
  rfc: boolean;
  resend: boolean;
  prefixes: string[];
}

export function parsePatchSubject(subject: string): PatchSubject {
  const text = typeof subject === "string" ? unfold(subject) : "";
  const state: TagState = {
    isReply: false,
    hasPatchWord: false,
    isPullRequest: false,
    revision: null,
    counter: null,
    total: null,
    rfc: false,
    resend: false,
    prefixes: [],
  };
  const titleStart = readLeadingTags(text, state);
  const title = text.slice(titleStart).trim();
  const hasVersionHint = state.rfc || state.resend || state.revision !== null;
  return {
    isReply: state.isReply,
    // b4 only trusts a PATCH word; kernel lists also carry "[RFC 3/3]" and
    // "[LTP v2 1/1]" series, while a bare counter is a robot report
    // ("[integrity:next-integrity-testing 5/5] ...: warning").
    isPatch: state.hasPatchWord || (state.counter !== null && hasVersionHint),
    isPullRequest: state.isPullRequest,
    revision: state.revision ?? 1,
    counter: state.counter,
    total: state.total,
    rfc: state.rfc,
    resend: state.resend,
    prefixes: state.prefixes,
    title,
    normalizedTitle: collapseWhitespace(title).toLowerCase(),
    isCover: state.counter === 0,
  };
}

/** RFC 5322 §2.2.3 unfolding: a line break followed by whitespace is just the whitespace. */
function unfold(value: string): string {
  return value.replace(/\r?\n/g, "");
}

function collapseWhitespace(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\u00a0";
}

function skipSpaces(text: string, pos: number): number {
  while (pos < text.length && isSpace(text[pos])) pos++;
  return pos;
}

function isAsciiLetter(ch: string | undefined): boolean {
  return ch !== undefined && ((ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z"));
}

/**
 * Consumes reply markers and [tag] groups in any order and mix
 * ("Re: [PATCH v2 1/3] Re: foo", "[EXT] Re: [PATCH]", "[RFC][PATCH v2 1/2]"),
 * returning where the title starts. Every step consumes input, and a failed
 * bracket search ends the loop, so the whole scan is linear.
 */
function readLeadingTags(text: string, state: TagState): number {
  let pos = skipSpaces(text, 0);
  while (pos < text.length) {
    const afterMarker = replyMarkerEnd(text, pos);
    if (afterMarker !== -1) {
      state.isReply = true;
      pos = skipSpaces(text, afterMarker);
      continue;
    }
    if (text[pos] !== "[") break;
    const close = text.indexOf("]", pos + 1);
    if (close === -1) break;
    const inner = text.slice(pos + 1, close);
    // "[tytso@mit.edu: Re: [PATCH v4 03/16] fs-verity: ...]" is mutt's
    // forward format, a whole subject in brackets, not a tag list: keep it
    // as the title.
    if (inner.includes("[")) break;
    readTagGroup(inner, state);
    pos = skipSpaces(text, close + 1);
    // "[PROBLEM]: WARNING: ..." -- the colon belongs to the tag, not the title.
    if (text[pos] === ":") pos = skipSpaces(text, pos + 1);
  }
  return pos;
}

/** End of a "Re:" / "AW :" / "Ping: [" marker starting at pos, or -1. */
function replyMarkerEnd(text: string, pos: number): number {
  let end = pos;
  while (end < text.length && end - pos <= LONGEST_MARKER && isAsciiLetter(text[end])) end++;
  if (end === pos || end - pos > LONGEST_MARKER) return -1;
  const word = text.slice(pos, end).toLowerCase();
  let colon = end;
  if (isSpace(text[colon])) colon++; // French-style "RE : foo"
  if (text[colon] !== ":") return -1;
  if (REPLY_MARKERS.has(word)) return colon + 1;
  if (word === PING_MARKER && text[skipSpaces(text, colon + 1)] === "[") return colon + 1;
  return -1;
}

/** Reads the words of one "[...]" group into the state. */
function readTagGroup(inner: string, state: TagState): void {
  // Commas separate tags too: "[PATCH v2,RESEND]", "[PATCH v4 0/3,RESEND 2]".
  const words = inner.split(/[\s,]+/);
  for (let i = 0; i < words.length; i++) {
    const word = trimTagPunctuation(words[i] ?? "");
    if (word === "") continue;
    const lower = word.toLowerCase();
    // "[GIT PULL]": GIT is only part of the pull-request tag.
    if (lower === "git" && trimTagPunctuation(words[i + 1] ?? "").toLowerCase() === "pull") continue;
    readTagWord(word, state);
  }
}

// "v2:" "v2-" "HBK:" "ima-evm-utils:" "=v2": punctuation around a tag word is
// typing noise. A leading "-" stays: "-next" is a tree name.
function trimTagPunctuation(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && word[start] === "=") start++;
  while (end > start && (word[end - 1] === ":" || word[end - 1] === ";" || word[end - 1] === "-")) end--;
  return word.slice(start, end);
}

function readTagWord(word: string, state: TagState): void {
  const versionWithSuffix = VERSION_WITH_SUFFIX.exec(word);
  if (versionWithSuffix !== null) {
    state.revision = Number.parseInt(versionWithSuffix[1] as string, 10);
    // Split once only: "v1-v1-v1-..." must not turn into deep recursion.
    readPlainTagWord(versionWithSuffix[2] as string, state);
    return;
  }
  readPlainTagWord(word, state);
}

function readPlainTagWord(word: string, state: TagState): void {
  const lower = word.toLowerCase();
  const counter = COUNTER.exec(lower);
  if (counter !== null) {
    // The first counter wins; "[PATCH 1/3][V2]" has one, robots sometimes two.
    if (state.counter === null) {
      state.counter = Number.parseInt(counter[1] as string, 10);
      state.total = Number.parseInt(counter[2] as string, 10);
    }
    return;
  }
  const version = VERSION.exec(lower);
  if (version !== null) {
    state.revision = Number.parseInt(version[1] as string, 10);
    return;
  }
  if (readKeywordWithGluedVersion(lower, state)) return;
  if (lower === "pull" || lower === "git-pull") {
    state.isPullRequest = true;
    return;
  }
  state.prefixes.push(word);
}

/** PATCH/PATCHES/PATCHSET, RFC (also "RFC/RFT"), RESEND, each possibly with a glued "v2". */
function readKeywordWithGluedVersion(lower: string, state: TagState): boolean {
  for (const keyword of ["patchset", "patches", "patch", "resend", "rfc"] as const) {
    if (!lower.startsWith(keyword)) continue;
    const rest = lower.slice(keyword.length);
    const glued = GLUED_VERSION.exec(rest);
    // "RFC/RFT" is still an RFC: request for comments and for testing.
    const isKeyword = rest === "" || glued !== null || (keyword === "rfc" && rest.startsWith("/"));
    if (!isKeyword) return false;
    if (glued !== null) state.revision = Number.parseInt(glued[1] as string, 10);
    if (keyword === "rfc") state.rfc = true;
    else if (keyword === "resend") state.resend = true;
    else state.hasPatchWord = true;
    return true;
  }
  return false;
}
