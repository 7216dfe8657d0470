// Patch mails grouped the way a maintainer (and b4) sees them: the mails of
// one posting form a version ("[PATCH v2 0/3]" .. "[PATCH v2 3/3]"), and the
// postings of one piece of work form a series (v1, v2, v3, a RESEND). Pure:
// the caller reads the mails from the store and passes them in.
//
// The rules:
// 1. VERSIONS. Mails with the same (threadId, fromAddr, revision, total,
//    isPullRequest) are one version; for total 1 (a lone patch: no counter,
//    or 1/1) also the same normalized title, so two different lone patches in
//    one thread stay apart, and a 0/1 cover joins the lone patch that replies
//    to it (else the only one in its thread, else the one with its title).
//    Counter 0 is the cover. A counter above the total, a total of 0 or
//    above MAX_PATCHES drops the mail: a hostile "1/99999" must not allocate
//    a huge array. Two mails with one counter in one version: the newest
//    (date, then id) wins, since a corrected resend replaces the first. A
//    [GIT PULL] is a version of its own: total 1, patches [the pull mail].
//    Replies and mails that are neither patch nor pull are ignored.
// 2. SERIES. Versions are linked (union-find), in order of trust, by
//    a. the same b4 change-id on any of their mails;
//    b. the root In-Reply-To a mail of a version by the same sender with a
//       lower revision (v2 sent in reply to v1); when the root replies to no
//       mail of any version (v2 sent in reply to a review of v1), the nearest
//       lower revision by the same sender in the same thread, one with the
//       same title first;
//    c. the same sender, the same root title and the same tree prefixes
//       ("net-next", "5.10"), each version within TITLE_LINK_WINDOW_DAYS of
//       the nearest other one (a chain by date). Different senders with one
//       title never link: "MAINTAINERS: update" is everybody's subject; nor
//       do different trees: a stable maintainer posts one backport to 4.19
//       and to 5.4 under one title, and those are not versions of each other.
//    A pull request and a patch version never link.
// 3. Within a series versions are ordered by (revision, date, root id); all
//    but the last are superseded, so a RESEND of v2 supersedes the first v2.
// 4. The output depends on the set of mails only, never on their order:
//    inputs are sorted by id first and every choice is made by explicit keys.
// 5. O(n log n) in the number of mails: sorts, hash maps and binary search;
//    no step compares every version with every other. Memory is the mails
//    plus one slot per announced patch, at most MAX_PATCHES per version.

import type { PatchSubject } from "./subject";

export interface SeriesMail {
  /** Store row id: the last tie-breaker, so results are deterministic. */
  id: number;
  /** Message-ID without <>. */
  mid: string;
  threadId: number;
  date: Date;
  /** Lowercased sender address. */
  fromAddr: string;
  /** Parent Message-ID without <>. */
  inReplyTo: string | null;
  /** parsePatchSubject(subject); callers pass only mails with (isPatch || isPullRequest) && !isReply. */
  subject: PatchSubject;
  /** extractChangeId(body). */
  changeId: string | null;
}

export interface SeriesVersion {
  revision: number;
  /** n of "m/n"; 1 for a lone [PATCH] without counter and for a pull request. */
  total: number;
  /** 0/n. */
  cover: SeriesMail | null;
  /** patches[i] is patch i+1; null = missing. Length === total (at most MAX_PATCHES). */
  patches: (SeriesMail | null)[];
  /** The cover, else the lowest-numbered patch present. */
  root: SeriesMail;
  /** root's subject.title. */
  title: string;
  fromAddr: string;
  /** The thread every mail of the version is in. */
  threadId: number;
  /** Earliest mail of the version. */
  date: Date;
  /** Newest mail of the version. */
  lastDate: Date;
  rfc: boolean;
  resend: boolean;
  isPullRequest: boolean;
  /** A later version of the same series exists. */
  superseded: boolean;
}

export interface Series {
  /** Oldest first: ascending revision, then date, then root id. */
  versions: SeriesVersion[];
  /** The last of versions. */
  latest: SeriesVersion;
}

/** The largest series total believed; the biggest real ones (stable reviews) have a few hundred patches. */
export const MAX_PATCHES = 1000;

/** The rule-2c window: versions further apart than this are not linked by title. */
export const TITLE_LINK_WINDOW_DAYS = 365;

const DAY_MS = 24 * 60 * 60 * 1000;
const TITLE_LINK_WINDOW_MS = TITLE_LINK_WINDOW_DAYS * DAY_MS;

// ---------------------------------------------------------------------------
// Ordering helpers. Every comparison ends on the store id, so no sort ever
// falls back on input order.

/** An unparseable date sorts as 1970 rather than poisoning every comparison with NaN. */
function timeOf(date: Date): number {
  const time = date instanceof Date ? date.getTime() : Number.NaN;
  return Number.isFinite(time) ? time : 0;
}

function compareMails(a: SeriesMail, b: SeriesMail): number {
  return timeOf(a.date) - timeOf(b.date) || a.id - b.id;
}

function byIdThenMid(a: SeriesMail, b: SeriesMail): number {
  if (a.id !== b.id) return a.id - b.id;
  return a.mid < b.mid ? -1 : a.mid > b.mid ? 1 : compareMails(a, b);
}

function compareVersions(a: SeriesVersion, b: SeriesVersion): number {
  return a.revision - b.revision || timeOf(a.date) - timeOf(b.date) || a.root.id - b.root.id;
}

/**
 * Map keys for tuples of numbers, flags and strings. Each string is replaced
 * by its number in a table, so a key is a few characters however long the
 * titles and Message-IDs in it are: hashing fresh long keys was most of the
 * cost on 100k mails. Every part ends with "," and strings carry an "s", so
 * keys can be concatenated without ambiguity.
 */
class KeyMaker {
  private readonly ids = new Map<string, number>();

  key(...parts: ReadonlyArray<string | number | boolean>): string {
    let key = "";
    for (const part of parts) {
      if (typeof part === "string") key += `s${this.idOf(part)},`;
      else if (typeof part === "boolean") key += part ? "t," : "f,";
      else key += `${part},`;
    }
    return key;
  }

  private idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(value, id);
    }
    return id;
  }
}

// ---------------------------------------------------------------------------
// Rule 1: versions.

interface Place {
  /** 0 for the cover, else the patch number. */
  counter: number;
  total: number;
}

/** Where a mail sits in its version, or null when it belongs to none. */
function placeOf(subject: PatchSubject): Place | null {
  if (subject.isReply || !(subject.isPatch || subject.isPullRequest)) return null;
  // A pull request's cover letter is the whole request: there is nothing to count.
  if (subject.isPullRequest || subject.counter === null) return { counter: 1, total: 1 };
  const total = subject.total;
  if (total === null || total < 1 || total > MAX_PATCHES || subject.counter > total) return null;
  return { counter: subject.counter, total };
}

interface Draft {
  total: number;
  cover: SeriesMail | null;
  patches: (SeriesMail | null)[];
}

/** Puts a mail in its slot; the newest claimant of a slot keeps it. */
function placeMail(draft: Draft, counter: number, mail: SeriesMail): void {
  if (counter === 0) {
    if (draft.cover === null || compareMails(draft.cover, mail) < 0) draft.cover = mail;
    return;
  }
  const current = draft.patches[counter - 1] ?? null;
  if (current === null || compareMails(current, mail) < 0) draft.patches[counter - 1] = mail;
}

function newDraft(total: number): Draft {
  return { total, cover: null, patches: new Array<SeriesMail | null>(total).fill(null) };
}

function baseKeyOf(keys: KeyMaker, mail: SeriesMail, total: number): string {
  return keys.key(mail.threadId, mail.fromAddr, mail.subject.revision, total, mail.subject.isPullRequest);
}

function buildDrafts(sorted: readonly SeriesMail[], keys: KeyMaker): Draft[] {
  const drafts = new Map<string, Draft>();
  const loneDrafts: Array<{ draft: Draft; base: string }> = [];
  const loneCovers: Array<{ mail: SeriesMail; base: string }> = [];
  for (const mail of sorted) {
    const place = placeOf(mail.subject);
    if (place === null) continue;
    const base = baseKeyOf(keys, mail, place.total);
    if (place.total === 1 && place.counter === 0) {
      loneCovers.push({ mail, base });
      continue;
    }
    const key = place.total === 1 ? base + keys.key(mail.subject.normalizedTitle) : base;
    let draft = drafts.get(key);
    if (draft === undefined) {
      draft = newDraft(place.total);
      drafts.set(key, draft);
      if (place.total === 1) loneDrafts.push({ draft, base });
    }
    placeMail(draft, place.counter, mail);
  }
  placeLoneCovers(loneCovers, loneDrafts, drafts, keys);
  return [...drafts.values()];
}

/**
 * A 0/1 cover has its own title, so the title key cannot pair it with its
 * patch: it joins the lone patch that replies to it (git send-email threads
 * the patch under the cover), else the only lone patch of its sender and
 * revision in the thread, else the one with its own title. Covers are placed
 * after every patch and choose only among drafts made of patches, so no
 * cover's choice depends on which cover came first.
 */
function placeLoneCovers(
  covers: ReadonlyArray<{ mail: SeriesMail; base: string }>,
  loneDrafts: ReadonlyArray<{ draft: Draft; base: string }>,
  drafts: Map<string, Draft>,
  keys: KeyMaker,
): void {
  if (covers.length === 0) return;
  const coverBases = new Set(covers.map((cover) => cover.base));
  const byParent = new Map<string, Draft>();
  const countByBase = new Map<string, number>();
  const onlyByBase = new Map<string, Draft>();
  for (const { draft, base } of loneDrafts) {
    if (!coverBases.has(base)) continue;
    const patch = draft.patches[0] as SeriesMail;
    if (patch.inReplyTo !== null) {
      const key = base + keys.key(patch.inReplyTo);
      const other = byParent.get(key);
      // Two lone patches under one cover: the first one sent (lowest id) takes it.
      if (other === undefined || (other.patches[0] as SeriesMail).id > patch.id) byParent.set(key, draft);
    }
    countByBase.set(base, (countByBase.get(base) ?? 0) + 1);
    onlyByBase.set(base, draft);
  }
  for (const { mail, base } of covers) {
    let home = byParent.get(base + keys.key(mail.mid));
    if (home === undefined && countByBase.get(base) === 1) home = onlyByBase.get(base);
    if (home === undefined) {
      const key = base + keys.key(mail.subject.normalizedTitle);
      home = drafts.get(key);
      if (home === undefined) {
        home = newDraft(1);
        drafts.set(key, home);
      }
    }
    placeMail(home, 0, mail);
  }
}

function mailsOf(draft: Draft): SeriesMail[] {
  const mails: SeriesMail[] = [];
  if (draft.cover !== null) mails.push(draft.cover);
  for (const patch of draft.patches) if (patch !== null) mails.push(patch);
  return mails;
}

function toVersion(draft: Draft): SeriesVersion {
  const mails = mailsOf(draft);
  // A draft exists only once a mail was placed in it.
  const root = draft.cover ?? (draft.patches.find((patch) => patch !== null) as SeriesMail);
  let first = root;
  let last = root;
  for (const mail of mails) {
    if (compareMails(mail, first) < 0) first = mail;
    if (compareMails(mail, last) > 0) last = mail;
  }
  return {
    revision: root.subject.revision,
    total: draft.total,
    cover: draft.cover,
    patches: draft.patches,
    root,
    title: root.subject.title,
    fromAddr: root.fromAddr,
    threadId: root.threadId,
    date: first.date,
    lastDate: last.date,
    rfc: root.subject.rfc,
    resend: root.subject.resend,
    isPullRequest: root.subject.isPullRequest,
    superseded: false,
  };
}

// ---------------------------------------------------------------------------
// Rule 2: series.

class UnionFind {
  private readonly parent: number[];
  private readonly size: number[];

  constructor(count: number) {
    this.parent = Array.from({ length: count }, (_, i) => i);
    this.size = new Array<number>(count).fill(1);
  }

  find(item: number): number {
    let node = item;
    while (this.parent[node] !== node) {
      const grandparent = this.parent[this.parent[node] as number] as number;
      this.parent[node] = grandparent;
      node = grandparent;
    }
    return node;
  }

  union(a: number, b: number): void {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if ((this.size[rootA] as number) < (this.size[rootB] as number)) [rootA, rootB] = [rootB, rootA];
    this.parent[rootB] = rootA;
    this.size[rootA] = (this.size[rootA] as number) + (this.size[rootB] as number);
  }
}

/**
 * The versions with the keys every link rule looks them up by, made once per
 * version: "sender" is (fromAddr, isPullRequest), since no rule links across
 * senders or across a pull request and a patch.
 */
interface KeyedVersions {
  versions: readonly SeriesVersion[];
  sender: readonly string[];
  title: readonly string[];
  keys: KeyMaker;
}

/** The bracket words that name a tree or branch, in any order and case. */
function treeOf(subject: PatchSubject): string {
  return subject.prefixes.map((prefix) => prefix.toLowerCase()).sort().join(" ");
}

function keyVersions(versions: readonly SeriesVersion[], keys: KeyMaker): KeyedVersions {
  return {
    versions,
    sender: versions.map((version) => keys.key(version.fromAddr, version.isPullRequest)),
    title: versions.map((version) => keys.key(version.root.subject.normalizedTitle, treeOf(version.root.subject))),
    keys,
  };
}

/** Groups version indices by key (null: in no group), each group sorted by compareVersions. */
function indexBy(
  versions: readonly SeriesVersion[],
  keysOf: (version: SeriesVersion, i: number) => readonly string[] | string | null,
): Map<string, number[]> {
  const index = new Map<string, number[]>();
  const add = (key: string, i: number): void => {
    const group = index.get(key);
    if (group === undefined) index.set(key, [i]);
    else if (group[group.length - 1] !== i) group.push(i);
  };
  versions.forEach((version, i) => {
    const found = keysOf(version, i);
    if (typeof found === "string") add(found, i);
    else if (found !== null) for (const key of found) add(key, i);
  });
  for (const group of index.values()) {
    if (group.length > 1) group.sort((a, b) => compareVersions(versions[a] as SeriesVersion, versions[b] as SeriesVersion));
  }
  return index;
}

/**
 * The latest version below `revision` in a group sorted by compareVersions:
 * one link to the nearest predecessor is enough, and linking to all of them
 * would cost a quadratic number of links in a thread of many versions.
 */
function nearestLower(versions: readonly SeriesVersion[], group: readonly number[] | undefined, revision: number): number | null {
  if (group === undefined) return null;
  let low = 0;
  let high = group.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((versions[group[middle] as number] as SeriesVersion).revision < revision) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? null : (group[low - 1] as number);
}

/** Rule 2a: b4's change-id names the work across every version and retitling. */
function linkByChangeId({ versions, keys }: KeyedVersions, sets: UnionFind): void {
  const index = indexBy(versions, (version) => {
    const found: string[] = [];
    for (const mail of mailsOf(version)) {
      if (mail.changeId) found.push(keys.key(mail.changeId, version.isPullRequest));
    }
    return found;
  });
  for (const group of index.values()) {
    for (let i = 1; i < group.length; i++) sets.union(group[0] as number, group[i] as number);
  }
}

/** Rule 2b: git send-email --in-reply-to, the way b4 and most people thread a new version. */
function linkByReply({ versions, sender, title, keys }: KeyedVersions, sets: UnionFind): void {
  // Only the mails some root replies to need indexing, not every mail.
  const parents = new Set<string>();
  for (const version of versions) if (version.root.inReplyTo !== null) parents.add(version.root.inReplyTo);
  const known = new Set<string>();
  const byMid = indexBy(versions, (version, i) => {
    const found: string[] = [];
    for (const mail of mailsOf(version)) {
      if (!parents.has(mail.mid)) continue;
      known.add(mail.mid);
      found.push(keys.key(mail.mid) + sender[i]);
    }
    return found;
  });
  const thread = versions.map((version, i) => keys.key(version.threadId) + sender[i]);
  const byThread = indexBy(versions, (_, i) => thread[i] as string);
  const byThreadTitle = indexBy(versions, (_, i) => (thread[i] as string) + title[i]);
  versions.forEach((version, i) => {
    const parent = version.root.inReplyTo;
    let target: number | null;
    if (parent !== null && known.has(parent)) {
      target = nearestLower(versions, byMid.get(keys.key(parent) + sender[i]), version.revision);
    } else {
      // Sent in reply to a review (not a version's mail), or threaded by
      // References alone: the thread is what ties it to the older version.
      target =
        nearestLower(versions, byThreadTitle.get((thread[i] as string) + title[i]), version.revision) ??
        nearestLower(versions, byThread.get(thread[i] as string), version.revision);
    }
    if (target !== null) sets.union(i, target);
  });
}

/** Rule 2c: a new version posted as a new thread, with nothing but its title to go by. */
function linkByTitle({ versions, sender, title }: KeyedVersions, sets: UnionFind): void {
  const index = indexBy(versions, (version, i) =>
    // An empty title says nothing about which work a patch belongs to.
    version.root.subject.normalizedTitle === "" ? null : (sender[i] as string) + title[i],
  );
  for (const group of index.values()) {
    const byDate = [...group].sort((a, b) => {
      const va = versions[a] as SeriesVersion;
      const vb = versions[b] as SeriesVersion;
      return timeOf(va.date) - timeOf(vb.date) || va.root.id - vb.root.id;
    });
    for (let i = 1; i < byDate.length; i++) {
      const previous = versions[byDate[i - 1] as number] as SeriesVersion;
      const current = versions[byDate[i] as number] as SeriesVersion;
      if (timeOf(current.date) - timeOf(previous.date) <= TITLE_LINK_WINDOW_MS) {
        sets.union(byDate[i - 1] as number, byDate[i] as number);
      }
    }
  }
}

// ---------------------------------------------------------------------------

/** Pure and deterministic: the same set of mails in any order gives deep-equal output. */
export function groupSeries(mails: readonly SeriesMail[]): Series[] {
  const sorted = [...mails].sort(byIdThenMid);
  const keys = new KeyMaker();
  const versions = buildDrafts(sorted, keys).map(toVersion);

  const keyed = keyVersions(versions, keys);
  const sets = new UnionFind(versions.length);
  linkByChangeId(keyed, sets);
  linkByReply(keyed, sets);
  linkByTitle(keyed, sets);

  const components = new Map<number, SeriesVersion[]>();
  versions.forEach((version, i) => {
    const representative = sets.find(i);
    const members = components.get(representative);
    if (members === undefined) components.set(representative, [version]);
    else members.push(version);
  });

  const series: Series[] = [];
  for (const members of components.values()) {
    members.sort(compareVersions);
    members.forEach((version, i) => {
      version.superseded = i < members.length - 1;
    });
    series.push({ versions: members, latest: members[members.length - 1] as SeriesVersion });
  }
  return series.sort(
    (a, b) => timeOf(b.latest.lastDate) - timeOf(a.latest.lastDate) || a.latest.root.id - b.latest.root.id,
  );
}

// ---------------------------------------------------------------------------
// b4's change-id.

// b4 writes "change-id: <yyyymmdd>-<slug>-<12 hex>" at the end of the cover
// letter (or, for a lone patch, at the end below the "---"), followed only by
// its "Best regards" signature: the last lines are enough, and looking at no
// more keeps a hostile body linear and cheap.
const CHANGE_ID_TAIL_LINES = 200;
const CHANGE_ID_KEY = "change-id:";
const CHANGE_ID_MAX_LENGTH = 200;
// Gerrit's "Change-Id: I<40 hex>" trailer names one commit, and is carried
// into every backport of it, so it would tie together unrelated stable series.
const GERRIT_CHANGE_ID = /^I[0-9a-f]{40}$/i;

/**
 * The value of a b4 "change-id: 20230101-topic-0123456789ab" line, else null.
 * Like b4, the key is matched in any case, but only at the start of a line:
 * a quoted "> change-id:" is someone else's series. The line must hold just
 * the key and one word, so prose starting with "change-id:" does not count.
 */
export function extractChangeId(body: string): string | null {
  if (typeof body !== "string") return null;
  let end = body.length;
  for (let seen = 0; seen < CHANGE_ID_TAIL_LINES && end > 0; seen++) {
    const newline = body.lastIndexOf("\n", end - 1);
    const value = changeIdOfLine(body, newline + 1, end);
    if (value !== null) return value;
    if (newline === -1) break;
    end = newline;
  }
  return null;
}

/** The change-id on body[start, end), or null. */
function changeIdOfLine(body: string, start: number, end: number): string | null {
  // Checked before any slicing: a hostile multi-megabyte line costs nothing here.
  if (end - start > CHANGE_ID_KEY.length + CHANGE_ID_MAX_LENGTH + 64) return null;
  const line = body.slice(start, end);
  if (line.slice(0, CHANGE_ID_KEY.length).toLowerCase() !== CHANGE_ID_KEY) return null;
  const rest = line.slice(CHANGE_ID_KEY.length);
  if (rest[0] !== " " && rest[0] !== "\t") return null;
  const value = rest.trim();
  if (value === "" || value.length > CHANGE_ID_MAX_LENGTH || /\s/.test(value)) return null;
  if (GERRIT_CHANGE_ID.test(value)) return null;
  return value;
}
