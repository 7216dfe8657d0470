// How one patch changed between two versions of a series, shown the way
// `git range-diff` shows it: the two patches are compared as text (commit
// message and diff), lines only in the old version's patch are "del", lines
// only in the new one's are "add". It renders as plain lines on a page that
// needs no JavaScript.
//
// Index lines and hunk line numbers are left out before comparing, as
// range-diff does: a patch rebased onto a newer tree changes exactly those,
// and a reviewer wants to see that nothing else did.
//
// A hostile pair must not cost unbounded time or memory, so the line diff
// gives up past a size, an edit distance and a work budget, and then says
// so (truncated) with a coarse answer.

import { extractDiff } from "./patch-id";

export interface InterdiffLine {
  /** "add"/"del": the line is only in the new/old version's patch; "skip": unchanged lines left out. */
  kind: "context" | "add" | "del" | "skip";
  /** The line; for "skip", "… 37 unchanged lines". */
  text: string;
}

/** The bodies of one patch in two versions of a series; null when it is absent from that version. */
export interface PatchPair {
  oldBody: string | null;
  newBody: string | null;
}

export interface InterdiffOptions {
  /** Unchanged lines shown around each change (3, like diff -u). */
  context?: number;
  /** Most lines read from each patch, and most lines returned (20,000). */
  maxLines?: number;
}

export interface Interdiff {
  lines: InterdiffLine[];
  /** The line diff gave up or the result was cut at maxLines: the lines are not the whole story. */
  truncated: boolean;
  /** Equal but for index lines and hunk line numbers: a rebased, unchanged patch. */
  identical: boolean;
}

const DEFAULT_CONTEXT = 3;
const DEFAULT_MAX_LINES = 20_000;
// Past this many changed lines a line-by-line view helps nobody, and the diff
// costs O((N + M) * D) time: the cap bounds D.
const MAX_EDIT_DISTANCE = 5_000;
// Diagonals visited and snake steps, all calls together: measured at about
// 0.3 s for 20,000-line inputs built to exhaust it (on a busy 2-core machine).
const MAX_WORK = 50_000_000;

// ---------------------------------------------------------------------------
// The text that is compared.

function toLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

function isBlank(text: string): boolean {
  return text.trim() === "";
}

/**
 * Where the commit message ends, as git mailinfo sees it: at the "---" line
 * above the diffstat, at the diff itself when there is no such line, or at
 * a "-- " signature (a cover letter has neither).
 */
function messageEnd(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("---") && isBlank(line.slice(3))) return i;
    if (line === "-- " || line.startsWith("diff --git ")) return i;
    if (line.startsWith("--- ") && (lines[i + 1] ?? "").startsWith("+++ ")) return i;
  }
  return lines.length;
}

/** "@@ -12,7 +14,8 @@ static int foo(void)" -> "@@ static int foo(void)": the numbers move on every rebase. */
function withoutLineNumbers(line: string): string {
  const close = line.indexOf(" @@", 4);
  return close === -1 ? line : "@@" + line.slice(close + 3);
}

/** The commit message (trimmed of blank lines around it) and the diff, without what a rebase changes. */
function comparedLines(body: string): string[] {
  const lines = toLines(body);
  let start = 0;
  let end = messageEnd(lines);
  while (start < end && isBlank(lines[start] as string)) start++;
  while (end > start && isBlank(lines[end - 1] as string)) end--;
  const compared = lines.slice(start, end);
  const diff = extractDiff(body);
  if (diff === null) return compared;
  for (const line of toLines(diff)) {
    // Hunk lines start with " ", "+" or "-", so "index " is only ever the header line.
    if (line.startsWith("index ")) continue;
    compared.push(line.startsWith("@@ -") ? withoutLineNumbers(line) : line);
  }
  return compared;
}

// ---------------------------------------------------------------------------
// A bounded line diff.
//
// Written here rather than taken from the npm package "diff" (jsdiff): the
// project does not depend on it and this change adds no dependency, and all
// that is needed is the middle-snake core of Myers' O(ND) algorithm, with
// hard limits on D and on total work so a hostile pair stays cheap.

interface DiffState {
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** removed[i]: old line i is not in the new patch. */
  readonly removed: Uint8Array;
  /** added[j]: new line j is not in the old patch. */
  readonly added: Uint8Array;
  readonly halfEditLimit: number;
  work: number;
}

/** Lines as small integers, so that comparing two costs the same however long they are. */
function intern(oldLines: readonly string[], newLines: readonly string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const toIds = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    lines.forEach((line, i) => {
      let id = ids.get(line);
      if (id === undefined) {
        id = ids.size;
        ids.set(line, id);
      }
      out[i] = id;
    });
    return out;
  };
  return [toIds(oldLines), toIds(newLines)];
}

/**
 * Marks removed/added lines of a[aLo, aHi) against b[bLo, bHi). false when a
 * limit was hit. The common head and tail are taken off first, so every
 * split below works on a strictly smaller problem.
 */
function diffRange(state: DiffState, aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  const { a, b } = state;
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
    aLo++;
    bLo++;
  }
  while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) {
    aHi--;
    bHi--;
  }
  state.work += aHi - aLo + (bHi - bLo);
  if (state.work > MAX_WORK) return false;
  if (aLo === aHi || bLo === bHi) {
    state.removed.fill(1, aLo, aHi);
    state.added.fill(1, bLo, bHi);
    return true;
  }
  const split = middleSnake(state, aLo, aHi, bLo, bHi);
  if (split === null) return false;
  if (split === "disjoint") {
    state.removed.fill(1, aLo, aHi);
    state.added.fill(1, bLo, bHi);
    return true;
  }
  const [x, y] = split;
  return diffRange(state, aLo, x, bLo, y) && diffRange(state, x, aHi, y, bHi);
}

/**
 * Myers' middle snake (1986, section 4b): forward and backward searches, one
 * edit further each round, until they overlap on an optimal path; returns a
 * point on it. Linear memory. "disjoint" when the ranges share no line, null
 * when the edit distance is over the limit or the work budget is spent.
 */
function middleSnake(state: DiffState, aLo: number, aHi: number, bLo: number, bHi: number): [number, number] | "disjoint" | null {
  const { a, b } = state;
  const n = aHi - aLo;
  const m = bHi - bLo;
  const maxD = Math.ceil((n + m) / 2);
  const limit = Math.min(maxD, state.halfEditLimit);
  const offset = limit + 2;
  const size = 2 * offset + 1;
  // vf[offset + k]: furthest x on diagonal k going forward; vb the same
  // counted from the ends going backward; -1 where not reached yet.
  const vf = new Int32Array(size).fill(-1);
  const vb = new Int32Array(size).fill(-1);
  vf[offset + 1] = 0;
  vb[offset + 1] = 0;
  const delta = n - m;
  const forwardMeets = delta % 2 !== 0;
  // Diagonals that ran off the edge of the grid are not searched again.
  let fStart = 0;
  let fEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  for (let d = 0; d < limit; d++) {
    for (let k = -d + fStart; k <= d - fEnd; k += 2) {
      const at = offset + k;
      let x = k === -d || (k !== d && (vf[at - 1] as number) < (vf[at + 1] as number)) ? (vf[at + 1] as number) : (vf[at - 1] as number) + 1;
      let y = x - k;
      const x0 = x;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      state.work += 1 + x - x0;
      if (state.work > MAX_WORK) return null;
      vf[at] = x;
      if (x > n) fEnd += 2;
      else if (y > m) fStart += 2;
      else if (forwardMeets) {
        const back = offset + delta - k;
        if (back >= 0 && back < size && vb[back] !== -1 && x >= n - (vb[back] as number)) return [aLo + x, bLo + y];
      }
    }
    for (let k = -d + bStart; k <= d - bEnd; k += 2) {
      const at = offset + k;
      let x = k === -d || (k !== d && (vb[at - 1] as number) < (vb[at + 1] as number)) ? (vb[at + 1] as number) : (vb[at - 1] as number) + 1;
      let y = x - k;
      const x0 = x;
      while (x < n && y < m && a[aHi - 1 - x] === b[bHi - 1 - y]) {
        x++;
        y++;
      }
      state.work += 1 + x - x0;
      if (state.work > MAX_WORK) return null;
      vb[at] = x;
      if (x > n) bEnd += 2;
      else if (y > m) bStart += 2;
      else if (!forwardMeets) {
        const front = offset + delta - k;
        if (front >= 0 && front < size && vf[front] !== -1) {
          const fx = vf[front] as number;
          const fy = fx - (delta - k);
          if (fx >= n - x) return [aLo + fx, bLo + fy];
        }
      }
    }
  }
  // Searching every round up to (N + M) / 2 without an overlap means the
  // only path is all deletions and insertions.
  return limit === maxD ? "disjoint" : null;
}

type Edit = "context" | "add" | "del";

/** The edit script, old lines before new ones within each change, or null when a limit was hit. */
function diffLines(oldLines: readonly string[], newLines: readonly string[]): { kind: Edit; text: string }[] | null {
  const [a, b] = intern(oldLines, newLines);
  const state: DiffState = {
    a,
    b,
    removed: new Uint8Array(a.length),
    added: new Uint8Array(b.length),
    halfEditLimit: Math.ceil(MAX_EDIT_DISTANCE / 2),
    work: 0,
  };
  if (!diffRange(state, 0, a.length, 0, b.length)) return null;
  const edits: { kind: Edit; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && state.removed[i] === 1) edits.push({ kind: "del", text: oldLines[i++] as string });
    while (j < b.length && state.added[j] === 1) edits.push({ kind: "add", text: newLines[j++] as string });
    if (i < a.length && j < b.length) {
      edits.push({ kind: "context", text: oldLines[i] as string });
      i++;
      j++;
    }
  }
  return edits;
}

// ---------------------------------------------------------------------------
// Rendering.

function skipLine(count: number): InterdiffLine {
  return { kind: "skip", text: `… ${count} unchanged line${count === 1 ? "" : "s"}` };
}

/**
 * Keeps `context` unchanged lines next to each change and folds the rest of
 * a run into one "skip" line. A run that would fold a single line is shown
 * whole: the marker would take the same room as the line it hides.
 */
function withContext(edits: readonly { kind: Edit; text: string }[], context: number): InterdiffLine[] {
  const lines: InterdiffLine[] = [];
  let i = 0;
  while (i < edits.length) {
    if ((edits[i] as { kind: Edit }).kind !== "context") {
      lines.push(edits[i] as InterdiffLine);
      i++;
      continue;
    }
    let end = i;
    while (end < edits.length && (edits[end] as { kind: Edit }).kind === "context") end++;
    const keepHead = i === 0 ? 0 : context;
    const keepTail = end === edits.length ? 0 : context;
    const hidden = end - i - keepHead - keepTail;
    if (hidden > 1) {
      for (let k = i; k < i + keepHead; k++) lines.push(edits[k] as InterdiffLine);
      lines.push(skipLine(hidden));
      for (let k = end - keepTail; k < end; k++) lines.push(edits[k] as InterdiffLine);
    } else {
      for (let k = i; k < end; k++) lines.push(edits[k] as InterdiffLine);
    }
    i = end;
  }
  return lines;
}

/**
 * What a diff too large or too different to compute shows instead: the old
 * lines removed and the new ones added, as many of each as fit in maxLines.
 */
function coarse(oldLines: readonly string[], newLines: readonly string[], maxLines: number): Interdiff {
  const dels = Math.min(oldLines.length, Math.max(Math.ceil(maxLines / 2), maxLines - newLines.length));
  const adds = Math.min(newLines.length, maxLines - dels);
  const lines: InterdiffLine[] = [];
  for (let i = 0; i < dels; i++) lines.push({ kind: "del", text: oldLines[i] as string });
  for (let i = 0; i < adds; i++) lines.push({ kind: "add", text: newLines[i] as string });
  return { lines, truncated: true, identical: false };
}

function sameLines(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((line, i) => line === y[i]);
}

function wholeNumber(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}

/** The two versions of one patch compared line by line, commit message and diff. */
export function interdiff(oldBody: string, newBody: string, options: InterdiffOptions = {}): Interdiff {
  const context = wholeNumber(options.context, DEFAULT_CONTEXT);
  const maxLines = Math.max(1, wholeNumber(options.maxLines, DEFAULT_MAX_LINES));
  const oldLines = comparedLines(oldBody);
  const newLines = comparedLines(newBody);
  if (sameLines(oldLines, newLines)) {
    const lines = oldLines.length > 0 ? [skipLine(oldLines.length)] : [];
    return { lines, truncated: false, identical: true };
  }
  if (oldLines.length > maxLines || newLines.length > maxLines) return coarse(oldLines, newLines, maxLines);
  const edits = diffLines(oldLines, newLines);
  if (edits === null) return coarse(oldLines, newLines, maxLines);
  const lines = withContext(edits, context);
  if (lines.length > maxLines) return { lines: lines.slice(0, maxLines), truncated: true, identical: false };
  return { lines, truncated: false, identical: false };
}

// ---------------------------------------------------------------------------
// Which patch of v1 became which patch of v2.

export interface MatchedPatch<T> {
  old: T | null;
  new: T | null;
  /** What paired them; "none" for a patch only in one version. */
  how: "patch-id" | "title" | "position" | "none";
}

function normalizeTitle(title: string): string {
  return title.trim().split(/\s+/).join(" ").toLowerCase();
}

/**
 * Pairs the patches of two versions: first by equal patch-id (the change
 * itself is the same, maybe reordered or retitled), then by equal
 * normalized title (the change was reworked), then what is left at the same
 * position in both (reworked and retitled). Each patch is used once. The
 * result follows the new version's order; a patch dropped from it comes
 * right after the patch that preceded it in the old version.
 */
export function matchPatches<T>(
  olds: readonly T[],
  news: readonly T[],
  key: (p: T) => { patchId: string | null; title: string },
): MatchedPatch<T>[] {
  const oldKeys = olds.map(key);
  const newKeys = news.map(key);
  // partnerOfNew[j]: index of the old patch paired with news[j], or -1.
  const partnerOfNew = new Array<number>(news.length).fill(-1);
  const partnerOfOld = new Array<number>(olds.length).fill(-1);
  const how = new Array<MatchedPatch<T>["how"]>(news.length).fill("none");

  const pairBy = (value: (k: { patchId: string | null; title: string }) => string | null, kind: "patch-id" | "title"): void => {
    // Equal values pair in order, so two identical patches match the two identical ones.
    const waiting = new Map<string, { olds: number[]; next: number }>();
    oldKeys.forEach((k, i) => {
      const v = value(k);
      if (v === null || partnerOfOld[i] !== -1) return;
      const queue = waiting.get(v);
      if (queue === undefined) waiting.set(v, { olds: [i], next: 0 });
      else queue.olds.push(i);
    });
    newKeys.forEach((k, j) => {
      const v = value(k);
      if (v === null || partnerOfNew[j] !== -1) return;
      const queue = waiting.get(v);
      const i = queue?.olds[queue.next];
      if (queue === undefined || i === undefined) return;
      queue.next++;
      partnerOfNew[j] = i;
      partnerOfOld[i] = j;
      how[j] = kind;
    });
  };
  pairBy((k) => (k.patchId === null || k.patchId === "" ? null : k.patchId), "patch-id");
  pairBy((k) => {
    const title = normalizeTitle(k.title);
    return title === "" ? null : title;
  }, "title");
  for (let j = 0; j < news.length && j < olds.length; j++) {
    if (partnerOfNew[j] !== -1 || partnerOfOld[j] !== -1) continue;
    partnerOfNew[j] = j;
    partnerOfOld[j] = j;
    how[j] = "position";
  }

  // Dropped patches, keyed by the new position they follow (-1: the start).
  const droppedAfter = new Map<number, number[]>();
  let anchor = -1;
  for (let i = 0; i < olds.length; i++) {
    const partner = partnerOfOld[i] as number;
    if (partner !== -1) {
      anchor = partner;
      continue;
    }
    const list = droppedAfter.get(anchor);
    if (list === undefined) droppedAfter.set(anchor, [i]);
    else list.push(i);
  }
  const result: MatchedPatch<T>[] = [];
  const pushDropped = (after: number): void => {
    for (const i of droppedAfter.get(after) ?? []) result.push({ old: olds[i] as T, new: null, how: "none" });
  };
  pushDropped(-1);
  for (let j = 0; j < news.length; j++) {
    const i = partnerOfNew[j] as number;
    result.push({ old: i === -1 ? null : (olds[i] as T), new: news[j] as T, how: how[j] as MatchedPatch<T>["how"] });
    pushDropped(j);
  }
  return result;
}
