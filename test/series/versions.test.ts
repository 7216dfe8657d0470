import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parsePatchSubject } from "../../lib/series/subject";
import {
  MAX_PATCHES,
  type Series,
  type SeriesMail,
  TITLE_LINK_WINDOW_DAYS,
  extractChangeId,
  groupSeries,
} from "../../lib/series/versions";

const DAY_MS = 24 * 60 * 60 * 1000;
const EPOCH = Date.UTC(2024, 0, 1);

interface MailOptions {
  id: number;
  thread: number;
  /** Days after 2024-01-01 (fractions for minutes). */
  day: number;
  from?: string;
  inReplyTo?: string | null;
  changeId?: string | null;
}

function mail(subject: string, options: MailOptions): SeriesMail {
  return {
    id: options.id,
    mid: `m${options.id}@example.org`,
    threadId: options.thread,
    date: new Date(EPOCH + options.day * DAY_MS),
    fromAddr: options.from ?? "alice@example.org",
    inReplyTo: options.inReplyTo ?? null,
    subject: parsePatchSubject(subject),
    changeId: options.changeId ?? null,
  };
}

interface PostOptions {
  /** The bracket tags before the counter, e.g. "PATCH v2". */
  tags: string;
  title: string;
  total: number;
  /** Id of the first mail; the others follow. */
  id: number;
  thread: number;
  day: number;
  from?: string;
  cover?: boolean;
  /** Where the cover (or patch 1 without one) is threaded. */
  inReplyTo?: string | null;
  changeId?: string | null;
}

/** One posting the way git send-email threads it: every patch replies to the cover (or to patch 1). */
function post(options: PostOptions): SeriesMail[] {
  const mails: SeriesMail[] = [];
  const first = options.cover === false ? 1 : 0;
  for (let counter = first; counter <= options.total; counter++) {
    const id = options.id + counter - first;
    const isHead = counter === first;
    const title = counter === 0 ? options.title : `${options.title} (part ${counter})`;
    mails.push(
      mail(`[${options.tags} ${counter}/${options.total}] ${title}`, {
        id,
        thread: options.thread,
        day: options.day + counter / 1440,
        from: options.from,
        inReplyTo: isHead ? (options.inReplyTo ?? null) : `m${options.id}@example.org`,
        changeId: counter === 0 ? (options.changeId ?? null) : null,
      }),
    );
  }
  return mails;
}

/** The revisions of each series, newest series first: the shape most cases assert. */
function revisions(series: readonly Series[]): number[][] {
  return series.map((one) => one.versions.map((version) => version.revision));
}

function superseded(one: Series): boolean[] {
  return one.versions.map((version) => version.superseded);
}

/** mulberry32: a seeded PRNG, so the shuffles are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe("versions", () => {
  test("a series without a cover letter has patch 1 as its root", () => {
    const mails = post({ tags: "PATCH", title: "ima: fix", total: 3, id: 1, thread: 1, day: 0, cover: false });
    const [series] = groupSeries(mails);
    assert.ok(series);
    const version = series.latest;
    assert.equal(version.cover, null);
    assert.equal(version.root, mails[0]);
    assert.equal(version.title, "ima: fix (part 1)");
    assert.deepEqual(version.patches, mails);
  });

  test("patches in shuffled order with patch 3 of 5 missing leave patches[2] null", () => {
    const all = post({ tags: "PATCH v2", title: "tpm: rework", total: 5, id: 10, thread: 1, day: 0 });
    const withoutThird = all.filter((one) => one.subject.counter !== 3);
    const [series, ...rest] = groupSeries(shuffled(withoutThird, seededRandom(7)));
    assert.equal(rest.length, 0);
    const version = series?.latest;
    assert.ok(version);
    assert.equal(version.total, 5);
    assert.equal(version.revision, 2);
    assert.equal(version.cover, all[0]);
    assert.equal(version.root, all[0]);
    assert.deepEqual(
      version.patches.map((patch) => patch?.subject.counter ?? null),
      [1, 2, null, 4, 5],
    );
    assert.equal(version.date.getTime(), all[0]?.date.getTime());
    assert.equal(version.lastDate.getTime(), all[5]?.date.getTime());
  });

  test("a 300-patch stable review is one version with no gaps", () => {
    const mails = [mail("[PATCH 5.10 000/300] 5.10.210-rc1 review", { id: 1, thread: 1, day: 0, from: "greg@kroah.com" })];
    for (let n = 1; n <= 300; n++) {
      const counter = String(n).padStart(3, "0");
      mails.push(
        mail(`[PATCH 5.10 ${counter}/300] fix number ${n}`, {
          id: 1 + n,
          thread: 1,
          day: n / 1440,
          from: "greg@kroah.com",
          inReplyTo: "m1@example.org",
        }),
      );
    }
    const series = groupSeries(mails);
    assert.equal(series.length, 1);
    const version = series[0]?.latest;
    assert.ok(version);
    assert.equal(version.total, 300);
    assert.equal(version.patches.length, 300);
    assert.equal(version.patches.filter((patch) => patch === null).length, 0);
    assert.equal(version.title, "5.10.210-rc1 review");
  });

  test('"[PATCH 1/99999]" and "[PATCH 7/3]" make no version and no huge array', () => {
    assert.ok(MAX_PATCHES < 99999);
    const hostile = [
      mail("[PATCH 1/99999] huge", { id: 1, thread: 1, day: 0 }),
      mail("[PATCH 7/3] beyond the end", { id: 2, thread: 2, day: 0 }),
      mail("[PATCH 0/0] nothing", { id: 3, thread: 3, day: 0 }),
    ];
    assert.deepEqual(groupSeries(hostile), []);

    // Beside a real 1/3 in the same version, 7/3 is dropped, not stretched into it.
    const real = mail("[PATCH 1/3] real", { id: 4, thread: 2, day: 0 });
    const [series, ...rest] = groupSeries([...hostile, real]);
    assert.equal(rest.length, 0);
    assert.deepEqual(series?.latest.patches, [real, null, null]);
  });

  test("two mails claiming one counter: the newest replaces the first", () => {
    const first = mail("[PATCH 1/2] foo", { id: 1, thread: 1, day: 0 });
    const second = mail("[PATCH 2/2] bar", { id: 2, thread: 1, day: 0.01 });
    const corrected = mail("[PATCH 1/2] foo (fixed)", { id: 3, thread: 1, day: 0.1 });
    const [series, ...rest] = groupSeries([corrected, second, first]);
    assert.equal(rest.length, 0);
    assert.deepEqual(series?.latest.patches, [corrected, second]);
  });

  test("two lone [PATCH]es with different titles in one thread are two versions and two series", () => {
    const a = mail("[PATCH] ima: fix leak", { id: 1, thread: 1, day: 0 });
    const b = mail("[PATCH] ima: fix typo", { id: 2, thread: 1, day: 1, inReplyTo: "m1@example.org" });
    const series = groupSeries([a, b]);
    assert.equal(series.length, 2);
    // Newest activity first.
    assert.equal(series[0]?.latest.root, b);
    assert.equal(series[1]?.latest.root, a);
    for (const one of series) {
      assert.equal(one.versions.length, 1);
      assert.equal(one.latest.total, 1);
      assert.equal(one.latest.superseded, false);
    }
  });

  test("a 0/1 cover joins the lone patch threaded under it", () => {
    const cover = mail("[PATCH 0/1] why this fix", { id: 1, thread: 1, day: 0 });
    const patch = mail("[PATCH 1/1] ima: fix leak", { id: 2, thread: 1, day: 0.01, inReplyTo: "m1@example.org" });
    const series = groupSeries([patch, cover]);
    assert.equal(series.length, 1);
    assert.equal(series[0]?.latest.cover, cover);
    assert.deepEqual(series[0]?.latest.patches, [patch]);
    assert.equal(series[0]?.latest.root, cover);
  });

  test("a [GIT PULL] is one version whose only mail is the pull request", () => {
    const pull = mail("[GIT PULL] tpmdd updates for v6.8", { id: 1, thread: 1, day: 0, from: "jarkko@kernel.org" });
    const patch = mail("[PATCH] tpmdd updates for v6.8", { id: 2, thread: 2, day: 1, from: "jarkko@kernel.org" });
    const series = groupSeries([pull, patch]);
    // Same sender and title, but a pull request never links with a patch.
    assert.equal(series.length, 2);
    const version = series.find((one) => one.latest.isPullRequest)?.latest;
    assert.ok(version);
    assert.equal(version.total, 1);
    assert.equal(version.cover, null);
    assert.deepEqual(version.patches, [pull]);
    assert.equal(version.root, pull);
    assert.equal(version.title, "tpmdd updates for v6.8");
  });
});

describe("series", () => {
  test("v1, v2, v3 each in its own thread with one title and sender are one series; v1 and v2 superseded", () => {
    const mails = [
      ...post({ tags: "PATCH", title: "ima: add foo", total: 2, id: 1, thread: 1, day: 0 }),
      ...post({ tags: "PATCH v2", title: "ima: add foo", total: 2, id: 10, thread: 2, day: 20 }),
      ...post({ tags: "PATCH v3", title: "ima: add foo", total: 3, id: 20, thread: 3, day: 40 }),
    ];
    const series = groupSeries(mails);
    assert.deepEqual(revisions(series), [[1, 2, 3]]);
    const [one] = series;
    assert.ok(one);
    assert.deepEqual(superseded(one), [true, true, false]);
    assert.equal(one.latest, one.versions[2]);
    assert.equal(one.latest.total, 3);
  });

  test("v2 sent In-Reply-To v1's cover in the same thread is a second version of the same series", () => {
    const mails = [
      ...post({ tags: "PATCH", title: "evm: first try", total: 2, id: 1, thread: 1, day: 0 }),
      // A new title, so only the reply links them.
      ...post({ tags: "PATCH v2", title: "evm: second try", total: 2, id: 10, thread: 1, day: 3, inReplyTo: "m1@example.org" }),
    ];
    const series = groupSeries(mails);
    assert.deepEqual(revisions(series), [[1, 2]]);
    assert.equal(series[0]?.versions[0]?.root.id, 1);
    assert.equal(series[0]?.latest.root.id, 10);
    assert.deepEqual(superseded(series[0] as Series), [true, false]);
  });

  test("v2 sent in reply to a review of v1 links through the shared thread", () => {
    const mails = [
      ...post({ tags: "PATCH", title: "evm: first try", total: 2, id: 1, thread: 1, day: 0 }),
      // The review is not a patch mail, so the parent is unknown here.
      ...post({ tags: "PATCH v2", title: "evm: other title", total: 2, id: 10, thread: 1, day: 3, inReplyTo: "review@example.org" }),
    ];
    assert.deepEqual(revisions(groupSeries(mails)), [[1, 2]]);
  });

  test("a b4 series is linked by its change-id alone although v2 changed its title", () => {
    const changeId = "20240101-foo-bar-0123456789ab";
    const v1 = post({ tags: "PATCH", title: "foo: add bar", total: 2, id: 1, thread: 1, day: 0, changeId });
    const v2 = post({ tags: "PATCH v2", title: "foo: add bar and baz", total: 2, id: 10, thread: 2, day: 5, changeId });
    const series = groupSeries([...v1, ...v2]);
    assert.deepEqual(revisions(series), [[1, 2]]);
    assert.equal(series[0]?.latest.title, "foo: add bar and baz");

    // The same mails without the change-id are two unrelated series.
    const bare = [...v1, ...v2].map((one) => ({ ...one, changeId: null }));
    assert.deepEqual(revisions(groupSeries(bare)), [[2], [1]]);
  });

  test("a RESEND supersedes the earlier version of the same revision", () => {
    const mails = [
      ...post({ tags: "PATCH v2", title: "tpm: fix", total: 2, id: 1, thread: 1, day: 0 }),
      ...post({ tags: "RESEND PATCH v2", title: "tpm: fix", total: 2, id: 10, thread: 2, day: 30 }),
    ];
    const series = groupSeries(mails);
    assert.deepEqual(revisions(series), [[2, 2]]);
    const [one] = series;
    assert.ok(one);
    assert.deepEqual(superseded(one), [true, false]);
    assert.equal(one.versions[0]?.resend, false);
    assert.equal(one.latest.resend, true);
    assert.equal(one.latest.root.id, 10);
  });

  test("two series sharing a title by different senders stay two series", () => {
    const mails = [
      ...post({ tags: "PATCH", title: "MAINTAINERS: update", total: 1, id: 1, thread: 1, day: 0, from: "alice@example.org" }),
      ...post({ tags: "PATCH v2", title: "MAINTAINERS: update", total: 1, id: 10, thread: 2, day: 1, from: "bob@example.org" }),
    ];
    const series = groupSeries(mails);
    assert.equal(series.length, 2);
    assert.deepEqual(
      series.map((one) => one.latest.fromAddr),
      ["bob@example.org", "alice@example.org"],
    );
  });

  test("the same sender and title two years apart are two series; within the window, one", () => {
    const title = "ima: add foo";
    const early = post({ tags: "PATCH", title, total: 2, id: 1, thread: 1, day: 0 });
    const late = post({ tags: "PATCH v2", title, total: 2, id: 10, thread: 2, day: 730 });
    assert.deepEqual(revisions(groupSeries([...early, ...late])), [[2], [1]]);

    const near = post({ tags: "PATCH v2", title, total: 2, id: 10, thread: 2, day: TITLE_LINK_WINDOW_DAYS - 1 });
    assert.deepEqual(revisions(groupSeries([...early, ...near])), [[1, 2]]);

    // A chain: each version within the window of its neighbour links them all.
    const middle = post({ tags: "PATCH v3", title, total: 2, id: 20, thread: 3, day: 400 });
    const last = post({ tags: "PATCH v4", title, total: 2, id: 30, thread: 4, day: 730 });
    assert.deepEqual(revisions(groupSeries([...early, ...near, ...middle, ...last])), [[1, 2, 3, 4]]);
  });

  test("the output does not depend on the input order", () => {
    const mails = [
      ...post({ tags: "PATCH", title: "ima: add foo", total: 3, id: 1, thread: 1, day: 0 }),
      ...post({ tags: "PATCH v2", title: "ima: add foo", total: 3, id: 10, thread: 1, day: 4, inReplyTo: "m1@example.org" }),
      ...post({ tags: "PATCH v3", title: "ima: add foo", total: 4, id: 20, thread: 2, day: 9 }),
      ...post({ tags: "PATCH", title: "evm: bar", total: 2, id: 30, thread: 3, day: 4, from: "bob@example.org", changeId: "20240105-bar-aaaaaaaaaaaa" }),
      ...post({ tags: "PATCH v2", title: "evm: bar rework", total: 2, id: 40, thread: 4, day: 9, from: "bob@example.org", changeId: "20240105-bar-aaaaaaaaaaaa" }),
      ...post({ tags: "RESEND PATCH v2", title: "evm: bar rework", total: 2, id: 50, thread: 5, day: 9, from: "bob@example.org" }),
      mail("[GIT PULL] integrity updates", { id: 60, thread: 6, day: 9, from: "mimi@example.org" }),
      mail("[PATCH] tpm: one", { id: 61, thread: 7, day: 2 }),
      mail("[PATCH] tpm: two", { id: 62, thread: 7, day: 2, inReplyTo: "m61@example.org" }),
      mail("[PATCH 1/2] tpm: duplicate", { id: 63, thread: 8, day: 2 }),
      mail("[PATCH 1/2] tpm: duplicate again", { id: 64, thread: 8, day: 2 }),
      mail("[PATCH 9/2] out of range", { id: 65, thread: 8, day: 2 }),
      // Same dates everywhere: only the ids can break these ties.
      mail("[PATCH] same day", { id: 66, thread: 9, day: 9 }),
      mail("[PATCH] same day", { id: 67, thread: 10, day: 9 }),
      ...post({ tags: "PATCH v2", title: "xfs: gaps", total: 6, id: 70, thread: 11, day: 1, from: "carol@example.org" }).filter(
        (one) => one.subject.counter !== 4,
      ),
      mail("[PATCH 0/1] why", { id: 80, thread: 12, day: 3 }),
      mail("[PATCH 1/1] tpm: lone with cover", { id: 81, thread: 12, day: 3, inReplyTo: "m80@example.org" }),
      ...post({ tags: "RFC PATCH", title: "lsm: idea", total: 3, id: 90, thread: 13, day: 6, from: "dave@example.org" }),
    ];
    assert.ok(mails.length >= 40);
    const expected = groupSeries([...mails].sort((a, b) => a.id - b.id));
    // Root ids per series, newest activity first (ties on date by root id).
    assert.deepEqual(
      expected.map((one) => one.versions.map((version) => version.root.id)),
      [[1, 10, 20], [30, 40, 50], [60], [66, 67], [90], [80], [61], [62], [64], [70]],
    );
    assert.deepEqual(expected[1]?.versions.map((version) => version.revision), [1, 2, 2]);
    assert.deepEqual(expected.at(-1)?.latest.patches.map((patch) => patch?.id ?? null), [71, 72, 73, null, 75, 76]);
    const random = seededRandom(20240101);
    for (let round = 0; round < 20; round++) {
      assert.deepEqual(groupSeries(shuffled(mails, random)), expected);
    }
  });
});

describe("extractChangeId", () => {
  test("reads the change-id b4 writes at the end of a cover letter", () => {
    const body = "This series adds foo.\n\n---\nbase-commit: abc\nchange-id: 20240101-foo-bar-0123456789ab\n\nBest regards,\n-- \nName <a@b>";
    assert.equal(extractChangeId(body), "20240101-foo-bar-0123456789ab");
    assert.equal(extractChangeId(body.replace(/\n/g, "\r\n")), "20240101-foo-bar-0123456789ab");
  });

  test("is null without one", () => {
    assert.equal(extractChangeId("Just a patch.\n\nSigned-off-by: A <a@b>\n---\n foo.c | 1 +\n"), null);
    assert.equal(extractChangeId(""), null);
  });

  test("ignores a quoted change-id: someone else's series", () => {
    assert.equal(extractChangeId("On Monday Bob wrote:\n> change-id: x\n\nLooks good.\n"), null);
  });

  test("ignores Gerrit's Change-Id trailer and prose", () => {
    assert.equal(extractChangeId("Fix it.\n\nChange-Id: I0123456789abcdef0123456789abcdef01234567\n"), null);
    assert.equal(extractChangeId("change-id: is what b4 writes here\n"), null);
  });

  test("returns at once on a 5 MB hostile body", () => {
    const longLine = `change-id: ${"a".repeat(5_000_000)}`;
    const manyLines = "change-id:\n".repeat(500_000);
    const started = performance.now();
    assert.equal(extractChangeId(longLine), null);
    assert.equal(extractChangeId(manyLines), null);
    assert.equal(extractChangeId(`change-id: 20240101-x-0123456789ab\n${"\n".repeat(5_000_000)}`), null);
    assert.ok(performance.now() - started < 1000);
  });
});

describe("trees", () => {
  test("one backport posted to two stable trees under one title is two series, each tree's resend linked", () => {
    const series = groupSeries([
      mail("[PATCH 4.19 12/163] efi/cper: fix endianness", { id: 1, thread: 1, day: 0, from: "greg@example.org" }),
      mail("[PATCH 5.4 20/191] efi/cper: fix endianness", { id: 2, thread: 2, day: 0.1, from: "greg@example.org" }),
      mail("[PATCH 5.4 v2 20/191] efi/cper: fix endianness", { id: 3, thread: 3, day: 2, from: "greg@example.org" }),
    ]);
    assert.equal(series.length, 2);
    const byTree = series.map((s) => s.versions.map((v) => v.root.id));
    assert.deepEqual(byTree.sort(), [[1], [2, 3]]);
  });
});
