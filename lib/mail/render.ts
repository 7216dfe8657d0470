// Turns a plain-text mail body into typed segments (quotes, diff parts, signature, links)
// so the UI can colour and fold mail without ever injecting HTML. The heuristics follow
// public-inbox's View.pm / ViewDiff.pm / Linkify.pm so pages look like lore.kernel.org.

export type SegmentKind = "text" | "quote" | "add" | "del" | "hunk" | "head" | "sig" | "link";

export interface Segment {
  kind: SegmentKind;
  text: string;
  href?: string;
  /** Quote depth (number of leading `>`), only on "quote" segments. */
  depth?: number;
}

/** Consecutive quoted lines form one "quote" block so the UI can fold long quotes. */
export interface Block {
  kind: "quote" | "plain";
  lines: number;
  segments: Segment[];
}

// Class names match public-inbox's stylesheets so lore users' custom CSS keeps working.
// Plain text and links get no class: text needs no wrapper, links render as <a>.
export const SEGMENT_CLASS: Record<SegmentKind, string> = {
  text: "",
  quote: "q",
  add: "add",
  del: "del",
  hunk: "hunk",
  head: "head",
  sig: "sig",
  link: "",
};

// ---------------------------------------------------------------------------
// Links

// The lookbehind stops "xhttp://" and "svn+http://" half-matches. Whitespace, quotes,
// angle brackets and control characters can never be inside a URL in running text, so
// the match is a single greedy character class: no backtracking, linear time.
const URL_RE = /(?<![A-Za-z0-9+.-])(?:https?|ftp):\/\/[^\s<>"\x00-\x1f\x7f]+/giu;
// A real host (or IPv6 literal) must follow "://"; "http://." is prose, not a link.
const HOST_START_RE = /^[a-z]+:\/\/[\p{L}\p{N}[]/iu;
const TRAILING_PUNCT = ".,;:!?'\"";

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

// Sentences often end right after a URL, and URLs are often written "(see URL)", so
// trailing punctuation is dropped, except closing brackets that balance an opening one
// inside the URL (Wikipedia's "Foo_(bar)").
function trimUrl(url: string): string {
  let end = url.length;
  let parens = count(url, ")") - count(url, "(");
  let squares = count(url, "]") - count(url, "[");
  while (end > 0) {
    const ch = url.charAt(end - 1);
    if (ch === ")") {
      if (parens <= 0) break;
      parens--;
    } else if (ch === "]") {
      if (squares <= 0) break;
      squares--;
    } else if (!TRAILING_PUNCT.includes(ch)) {
      break;
    }
    end--;
  }
  return url.slice(0, end);
}

/** Splits `text` into segments of `kind` and "link" segments; only http(s)/ftp become links. */
export function linkify(text: string, kind: SegmentKind): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(text); m !== null; m = URL_RE.exec(text)) {
    const start = m.index;
    let url = m[0];
    // RFC 3986 appendix C: in "<URL>" the brackets delimit, so keep trailing dots etc.
    const enclosed = text.charAt(start - 1) === "<" && text.charAt(start + url.length) === ">";
    if (!enclosed) url = trimUrl(url);
    if (!HOST_START_RE.test(url)) continue;
    if (start > last) out.push({ kind, text: text.slice(last, start) });
    const colon = url.indexOf(":");
    out.push({ kind: "link", text: url, href: url.slice(0, colon).toLowerCase() + url.slice(colon) });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind, text: text.slice(last) });
  return out;
}

// ---------------------------------------------------------------------------
// Lines

// Lines are kept as offsets into the body rather than as strings: a 5 MB patch has
// ~500k lines, and allocating two strings per line made garbage collection dominate.
// The final entry is text.length so line i spans starts[i]..starts[i + 1].
function lineStarts(text: string): number[] {
  const out: number[] = [];
  let start = 0;
  while (start < text.length) {
    out.push(start);
    const nl = text.indexOf("\n", start);
    start = nl === -1 ? text.length : nl + 1;
  }
  out.push(text.length);
  return out;
}

// Classification ignores the line ending so CRLF mail (Outlook, some gateways) behaves
// like LF mail; the raw line, ending included, is what goes into the segment text.
function lineContent(text: string, starts: number[], i: number): string | undefined {
  const start = starts[i];
  let end = starts[i + 1];
  if (start === undefined || end === undefined) return undefined;
  if (end > start && text.charCodeAt(end - 1) === 10) end--;
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  return text.slice(start, end);
}

/** Quote depth of a line (">", " > >", ">>"), or 0 if it is not quoted. */
function quoteDepth(s: string): number {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  if (s.charCodeAt(i) !== 62) return 0;
  let depth = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 62) depth++;
    else if (c !== 32) break;
  }
  return depth;
}

// Extended git headers (git-diff(1) "generated diff format") plus svn's "Index:" form.
// "--- " and "+++ " are handled separately because inside a hunk they can be content.
const HEAD_PREFIXES = [
  "diff --git ",
  "diff --cc ",
  "diff --combined ",
  "index ",
  "new file mode ",
  "deleted file mode ",
  "similarity index ",
  "dissimilarity index ",
  "rename from ",
  "rename to ",
  "copy from ",
  "copy to ",
  "old mode ",
  "new mode ",
  "Binary files ",
  "GIT binary patch",
  "Index: ",
];

function isHeadLine(s: string): boolean {
  for (const p of HEAD_PREFIXES) if (s.startsWith(p)) return true;
  return /^={5,}$/.test(s); // svn's separator under "Index:"
}

function startsDiff(s: string): boolean {
  return s.startsWith("diff --git ") || s.startsWith("diff --cc ") || s.startsWith("Index: ");
}

// "@@ -l,s +l,s @@": the counts tell exactly where a hunk ends, which is what lets a
// removed line "-- " or "--- foo" be told apart from the patch trailer or a new file.
const HUNK_RE = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

// git format-patch ends with "-- \n2.43.0\n" (git's version).
const VERSION_RE = /^\d+\.\d+/;

type State = "none" | "head" | "hunk" | "loose" | "sig";
// none:  ordinary prose
// head:  inside a diff, between hunks (file headers)
// hunk:  inside a hunk whose line counts are known
// loose: inside a hunk of unknown length (bad counts, hand-edited or combined diffs)
// sig:   after the signature separator; everything is signature

interface Classified {
  kinds: SegmentKind[];
  depths: number[];
}

function classify(text: string, starts: number[]): Classified {
  const n = starts.length - 1;
  const kinds = new Array<SegmentKind>(n);
  const depths = new Array<number>(n).fill(0);
  let state: State = "none";
  let oldLeft = 0;
  let newLeft = 0;

  const enterHunk = (s: string): State => {
    const m = HUNK_RE.exec(s);
    if (!m) return "loose";
    oldLeft = m[1] === undefined ? 1 : Number(m[1]);
    newLeft = m[2] === undefined ? 1 : Number(m[2]);
    return oldLeft > 0 || newLeft > 0 ? "hunk" : "head";
  };

  for (let i = 0; i < n; i++) {
    const s = lineContent(text, starts, i) ?? "";
    let kind: SegmentKind | undefined;
    // Each pass either classifies the line or falls back to a less specific state
    // (hunk -> loose/head -> none), so this loop runs at most four times per line.
    while (kind === undefined) {
      const c = s.charAt(0);
      switch (state) {
        case "sig":
          kind = "sig";
          break;
        case "hunk":
          if (c === "\\") kind = "text"; // "\ No newline at end of file"
          else if ((c === " " || s === "") && oldLeft > 0 && newLeft > 0) {
            // An empty line is a context line whose space a mailer stripped.
            kind = "text";
            oldLeft--;
            newLeft--;
          } else if (c === "-" && oldLeft > 0) {
            kind = "del";
            oldLeft--;
          } else if (c === "+" && newLeft > 0) {
            kind = "add";
            newLeft--;
          } else if (c === " " || c === "-" || c === "+" || s === "") {
            state = "loose"; // counts were wrong; keep colouring by first character
            break;
          } else {
            state = "head";
            break;
          }
          if (oldLeft <= 0 && newLeft <= 0) state = "head";
          break;
        case "head":
          if (s === "-- ") {
            kind = "sig";
            state = "sig";
          } else if (s.startsWith("@@")) {
            kind = "hunk";
            state = enterHunk(s);
          } else if (isHeadLine(s) || s.startsWith("--- ") || s.startsWith("+++ ")) {
            kind = "head";
          } else if (s === "" || c === "\\") {
            kind = "text";
          } else if (c === "+" || c === "-" || c === " ") {
            kind = c === "+" ? "add" : c === "-" ? "del" : "text";
            state = "loose";
          } else {
            state = "none";
          }
          break;
        case "loose":
          if (s.startsWith("@@")) {
            kind = "hunk";
            state = enterHunk(s);
          } else if (s === "-- " && isTrailerNext(lineContent(text, starts, i + 1))) {
            kind = "sig";
            state = "sig";
          } else if (s.startsWith("--- ") && text.startsWith("+++ ", starts[i + 1] ?? text.length)) {
            kind = "head";
            state = "head"; // the "+++ " line is a head line in that state
          } else if (c === "+") kind = "add";
          else if (c === "-") kind = "del";
          else if (c === " " || c === "\\" || s === "") kind = "text";
          else if (isHeadLine(s)) {
            kind = "head";
            state = "head";
          } else {
            state = "none";
          }
          break;
        case "none": {
          const depth = quoteDepth(s);
          if (s === "-- ") {
            kind = "sig";
            state = "sig";
          } else if (depth > 0) {
            kind = "quote";
            depths[i] = depth;
          } else if (startsDiff(s) || (s.startsWith("--- ") && text.startsWith("+++ ", starts[i + 1] ?? text.length))) {
            kind = "head";
            state = "head";
          } else {
            kind = "text";
          }
          break;
        }
      }
    }
    kinds[i] = kind;
  }
  return { kinds, depths };
}

// In a hunk of unknown length "-- " may be a removed "- " line; it is the format-patch
// trailer when git's version follows, or when what follows could not be diff anyway.
function isTrailerNext(next: string | undefined): boolean {
  if (next === undefined || VERSION_RE.test(next)) return true;
  if (next === "") return false;
  return !" +-@\\".includes(next.charAt(0)) && !next.startsWith("diff ");
}

// ---------------------------------------------------------------------------
// Blocks

/** Splits a mail body into quote/plain blocks of merged, linkified segments. */
export function renderBody(text: string): Block[] {
  const starts = lineStarts(text);
  const lineCount = starts.length - 1;
  const { kinds, depths } = classify(text, starts);
  const blocks: Block[] = [];
  let block: Block | undefined;
  let runStart = 0;

  // A run of same-kind lines is linkified as one string so a long patch yields a handful
  // of segments, not one per line; URLs never span lines, so nothing is lost.
  const flushRun = (end: number): void => {
    if (!block || end <= runStart) return;
    const kind = kinds[runStart] ?? "text";
    const segments = linkify(text.slice(starts[runStart], starts[end]), kind);
    // A loop, not push(...segments): a run with 100k links would overflow the call stack.
    for (const seg of segments) {
      if (seg.kind === "quote") seg.depth = depths[runStart];
      block.segments.push(seg);
    }
    runStart = end;
  };

  for (let i = 0; i < lineCount; i++) {
    const kind = kinds[i] ?? "text";
    const blockKind = kind === "quote" ? "quote" : "plain";
    const prevKind = kinds[i - 1];
    if (!block || block.kind !== blockKind) {
      flushRun(i);
      block = { kind: blockKind, lines: 0, segments: [] };
      blocks.push(block);
      runStart = i;
    } else if (prevKind !== kind || depths[i - 1] !== depths[i]) {
      flushRun(i);
    }
    block.lines++;
  }
  flushRun(lineCount);
  return blocks;
}
