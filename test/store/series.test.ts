// Patch series built at ingest from the named fixtures in test/fixtures/series/
// (their README says what each must give), read back through SeriesReader,
// and the same result whatever the arrival order, batch size or run split,
// and for an archive stored before series existed.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { ingest } from "../../lib/ingest/ingest";
import { formatMboxrd } from "../../lib/mail/mbox";
import { searchMessages } from "../../lib/store/sqlite/search";
import { SqliteReader } from "../../lib/store/sqlite/reader";

const root = path.resolve(import.meta.dirname, "../..");
const fixtures = path.join(root, "test/fixtures/series");
const FILES = fs.readdirSync(fixtures).filter((f) => f.endsWith(".mbox")).sort();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "series-test-"));
const LIST = { name: "series", address: "series@lists.example.org" };

function messagesOf(file: string): Buffer[] {
  return fs
    .readFileSync(path.join(fixtures, file), "latin1")
    .split(/^From mboxrd@z .*\n/m)
    .filter((m) => m.trim() !== "")
    .map((m) => Buffer.from(m.replace(/\n+$/, "\n"), "latin1"));
}

async function build(name: string, runs: Buffer[][], batchSize = 1000): Promise<string> {
  const dbFile = path.join(dir, `${name}.db`);
  ensureSchema(dbFile, root);
  for (const [i, messages] of runs.entries()) {
    const file = path.join(dir, `${name}-${i}.mbox`);
    fs.writeFileSync(file, Buffer.concat(messages.map(formatMboxrd)));
    await ingest({ dbFile, list: LIST, sources: [file], batchSize });
  }
  return dbFile;
}

/** Every series as the reader tells it, in a form that does not depend on row ids. */
function seriesDump(dbFile: string) {
  const db = new Database(dbFile, { readonly: true });
  try {
    const versions = db
      .prepare(
        `SELECT v.seriesId, v.position, v.revision, v.total, v.present, v.superseded, v.replyCount, v.rootMid,
                (SELECT group_concat(sp.counter || '=' || m.messageId || ':' || sp.reviewed || sp.acked || sp.tested, ' ')
                   FROM (SELECT * FROM "SeriesPatch" WHERE versionId = v.id ORDER BY counter) sp JOIN "Message" m ON m.id = sp.messageId) AS patches
           FROM "SeriesVersion" v ORDER BY v.seriesId, v.position`,
      )
      .all() as { seriesId: number; rootMid: string }[];
    const bySeries = new Map<number, object[]>();
    for (const { seriesId, ...version } of versions) {
      const list = bySeries.get(seriesId) ?? [];
      list.push(version);
      bySeries.set(seriesId, list);
    }
    const dirty = (db.prepare(`SELECT count(*) AS n FROM "SeriesDirty"`).get() as { n: number }).n;
    return { dirty, series: [...bySeries.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
  } finally {
    db.close();
  }
}

// Deterministic shuffles: a failing order can be replayed from its seed.
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const all = FILES.flatMap(messagesOf);
let dbFile: string;
let reader: SqliteReader;
let listId: number;

before(async () => {
  dbFile = await build("all", [all]);
  reader = new SqliteReader(dbFile);
  listId = (await reader.getList(LIST.name))!.id;
});

after(async () => {
  (await reader.close());
  fs.rmSync(dir, { recursive: true, force: true });
});

const trailersOf = async (rootMid: string) =>
  (await reader.series.getSeries(listId, rootMid))!.patches.map((p) => p?.trailers.map((t) => `${t.name}: ${t.value}`) ?? null);

describe("series from the named fixtures", () => {
  test("reroll-chain: one series v1 -> v2 -> v3, older versions superseded, trailers where they were given", async () => {
    const detail = (await reader.series.getSeries(listId, "20240219100000.6060-1-ann@example.org"))!;
    assert.deepEqual(detail.versions.map((v) => [v.revision, v.present, v.total, v.superseded]), [[1, 3, 3, true], [2, 3, 3, true], [3, 3, 3, false]]);
    assert.equal(detail.chosen, 2);
    assert.equal(detail.cover?.mid, "20240219100000.6060-1-ann@example.org");
    assert.deepEqual(await trailersOf("20240219100000.6060-1-ann@example.org"), [
      ["Reviewed-by: Rita Reviewer <rita@example.com>", "Acked-by: Mona Maintainer <mona@example.org>"],
      ["Acked-by: Mona Maintainer <mona@example.org>"],
      ["Acked-by: Mona Maintainer <mona@example.org>", "Tested-by: Tom Tester <tom@example.net>"],
    ]);
    assert.deepEqual(await trailersOf("20240129093000.5151-1-ann@example.org"), [[], ["Reviewed-by: Rita Reviewer <rita@example.com>"], []]);
    assert.deepEqual(await trailersOf("20240108090000.4242-1-ann@example.org"), [[], [], []]);
    // Any version's root opens the same series, showing that version.
    assert.equal((await reader.series.getSeries(listId, "20240108090000.4242-1-ann@example.org"))!.chosen, 0);
  });

  test("reply-to-previous: v2 sent in reply to v1 is a new version of the same series", async () => {
    const detail = (await reader.series.getSeries(listId, "20240715100000.7002-1-bea@example.org"))!;
    assert.deepEqual(detail.versions.map((v) => [v.revision, v.rootMid]), [[1, "20240708100000.7001-1-bea@example.org"], [2, "20240715100000.7002-1-bea@example.org"]]);
    assert.equal(detail.versions[1]!.replyCount, 0, "the v2 patches are not replies to v1");
  });

  test("no-cover: the first patch is the root", async () => {
    const detail = (await reader.series.getSeries(listId, "20240402081500.3131-1-cal@example.com"))!;
    assert.equal(detail.cover, null);
    assert.deepEqual(detail.patches.map((p) => p?.mid), ["20240402081500.3131-1-cal@example.com", "20240402081500.3131-2-cal@example.com", "20240402081500.3131-3-cal@example.com"]);
  });

  test("out-of-order-missing: arrival order does not matter and patch 3 of 5 shows as missing", async () => {
    const detail = (await reader.series.getSeries(listId, "20240422110000.4444-1-dee@example.net"))!;
    assert.deepEqual(detail.patches.map((p) => p?.mid ?? null), [
      "20240422110000.4444-2-dee@example.net", "20240422110000.4444-3-dee@example.net", null,
      "20240422110000.4444-5-dee@example.net", "20240422110000.4444-6-dee@example.net",
    ]);
    assert.equal(detail.versions[0]!.present, 4);
  });

  test("quoted-trailers: quoted trailers are never collected", async () => {
    assert.deepEqual(await trailersOf("20240514093000.5555-1-eli@example.org"), [[]]);
  });

  test("cover-trailers: trailers on the cover letter apply to every patch", async () => {
    const both = ["Acked-by: Mona Maintainer <mona@example.org>", "Reviewed-by: Rita Reviewer <rita@example.com>"];
    assert.deepEqual(await trailersOf("20240603152000.6161-1-fay@example.org"), [both, both]);
  });

  test("b4-change-id: versions with different titles are linked by change-id", async () => {
    const detail = (await reader.series.getSeries(listId, "20240301-fast-sum-v2-0-0f9e8d7c6b5a@example.org"))!;
    assert.deepEqual(detail.versions.map((v) => v.revision), [1, 2]);
  });

  test("git-pull: a pull request is not a patch series", async () => {
    assert.equal((await reader.series.getSeries(listId, "20240410060000.pull-integrity@mona.example.org")), null);
    assert.equal((await reader.series.getMessageSeries(listId, "20240410060000.pull-integrity@mona.example.org")), null);
  });

  test("stable-review: 300 patches, one complete version", async () => {
    const detail = (await reader.series.getSeries(listId, "20240820120000.000000000@example.org"))!;
    assert.equal(detail.patches.length, 300);
    assert.ok(detail.patches.every((p, i) => p?.mid === `20240820120000.${String(i + 1).padStart(9, "0")}@example.org`));
  });

  test("same-title-different-authors: two series", async () => {
    assert.equal((await reader.series.getSeries(listId, "20240909081010.9090-1-hal@example.com"))!.versions.length, 1);
    assert.equal((await reader.series.getSeries(listId, "20240912151515.9191-1-ida@example.net"))!.versions.length, 1);
  });

  test("the index lists every series once, newest activity first, with review marks per patch", async () => {
    const page = (await reader.series.listSeries(listId, null));
    assert.equal(page.series.length, 10, "every fixture series once, the two same-title ones apart");
    assert.equal(page.olderCursor, null);
    const dates = page.series.map((s) => s.lastDate.getTime());
    assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
    const reroll = page.series.find((s) => s.rootMid === "20240219100000.6060-1-ann@example.org")!;
    assert.deepEqual([reroll.revision, reroll.versionCount, reroll.present, reroll.total], [3, 3, 3, 3]);
    assert.deepEqual(reroll.patches, [{ reviewed: 1, acked: 1, tested: 0 }, { reviewed: 0, acked: 1, tested: 0 }, { reviewed: 0, acked: 1, tested: 1 }]);
    const missing = page.series.find((s) => s.rootMid === "20240422110000.4444-1-dee@example.net")!;
    assert.equal(missing.patches[2], null);
  });

  test("a patch's message page knows its series and its counterparts in the other versions", async () => {
    const series = (await reader.series.getMessageSeries(listId, "20240129093000.5151-3-ann@example.org"))!;
    assert.deepEqual([series.revision, series.counter, series.total, series.rootMid], [2, 2, 3, "20240129093000.5151-1-ann@example.org"]);
    assert.deepEqual(series.versions.map((v) => [v.revision, v.counterpartMid, v.current]), [
      [1, "20240108090000.4242-3-ann@example.org", false],
      [2, "20240129093000.5151-3-ann@example.org", true],
      [3, "20240219100000.6060-3-ann@example.org", false],
    ]);
  });

  test("the series mbox holds the version's patches in order with the collected trailers, no cover", async () => {
    const patches = (await reader.series.listMboxPatches(listId, "20240219100000.6060-1-ann@example.org"))!;
    assert.deepEqual(patches.map((p) => p.mid), ["20240219100000.6060-2-ann@example.org", "20240219100000.6060-3-ann@example.org", "20240219100000.6060-4-ann@example.org"]);
    assert.deepEqual(patches[2]!.trailers.map((t) => t.name), ["Acked-by", "Tested-by"]);
  });
});

describe("comparing versions and finding series", () => {
  test("v2 -> v3: patches paired by patch-id, only 2/3's commit message changed", async () => {
    const view = (await reader.series.getInterdiff(listId, "20240219100000.6060-1-ann@example.org", "20240129093000.5151-1-ann@example.org"))!;
    assert.deepEqual([view.versions[view.from]!.revision, view.versions[view.to]!.revision], [2, 3]);
    assert.deepEqual(view.pairs.map((p) => [p.old?.counter, p.new?.counter, p.how, p.diff?.identical]), [
      [1, 1, "patch-id", true],
      [2, 2, "patch-id", false],
      [3, 3, "patch-id", true],
    ]);
    // Only the commit message changed: every changed line comes before the diff.
    const lines = view.pairs[1]!.diff!.lines;
    const changed = lines.flatMap((l, i) => (l.kind === "add" || l.kind === "del" ? [i] : []));
    const diffStart = lines.findIndex((l) => l.text.startsWith("diff --git") || l.text.startsWith("@@"));
    assert.ok(changed.length > 0, "the new commit message shows");
    assert.ok(diffStart === -1 || changed.every((i) => i < diffStart), JSON.stringify(lines.slice(0, 30)));
    assert.equal(view.capped, false);
  });

  test("v1 -> v2: the patch whose code changed is paired by its title", async () => {
    const view = (await reader.series.getInterdiff(listId, "20240129093000.5151-1-ann@example.org", "20240108090000.4242-1-ann@example.org"))!;
    assert.deepEqual(view.pairs.map((p) => p.how), ["patch-id", "title", "patch-id"]);
    assert.ok(view.pairs[1]!.diff!.lines.some((l) => l.kind === "add" && l.text.includes("toupper")));
  });

  test("versions of different series, or one version with itself, are not compared", async () => {
    assert.equal((await reader.series.getInterdiff(listId, "20240219100000.6060-1-ann@example.org", "20240402081500.3131-1-cal@example.com")), null);
    assert.equal((await reader.series.getInterdiff(listId, "20240219100000.6060-1-ann@example.org", "20240219100000.6060-1-ann@example.org")), null);
  });

  test("a search restricted to series roots finds cover letters and first patches only", async () => {
    const db = new Database(dbFile, { readonly: true });
    try {
      const result = await searchMessages({ list: LIST.name, q: "s:greeting", seriesRoots: true, db });
      assert.deepEqual(result.hits.map((h) => h.mid).sort(), [
        "20240108090000.4242-1-ann@example.org", "20240129093000.5151-1-ann@example.org", "20240219100000.6060-1-ann@example.org",
      ]);
      const everything = await searchMessages({ list: LIST.name, q: "s:greeting", db });
      assert.ok(everything.total > result.total, "without the filter, patches and replies match too");
      const series = (await reader.series.listSeriesOfRoots(listId, result.hits.map((h) => h.mid)));
      assert.deepEqual(series.map((s) => s.rootMid), ["20240219100000.6060-1-ann@example.org"]);
    } finally {
      db.close();
    }
  });

  test("the feed's versions are the newest first", async () => {
    const versions = (await reader.series.listNewestVersions(listId, 3));
    assert.deepEqual(versions.map((v) => v.rootMid), [
      "20240912151515.9191-1-ida@example.net", "20240909081010.9090-1-hal@example.com", "20240820120000.000000000@example.org",
    ]);
  });
});

describe("series do not depend on how the mail arrived", () => {
  test("reversed and shuffled, in small batches or one run per file, the series are the same", async () => {
    const expected = seriesDump(dbFile);
    assert.equal(expected.dirty, 0);
    const orders: [string, Buffer[][], number][] = [
      ["reversed", [[...all].reverse()], 1000],
      ["shuffled-7", [shuffled(all, 7)], 17],
      ["per-file-reversed", [...FILES].reverse().map(messagesOf), 5],
    ];
    for (const [name, runs, batchSize] of orders) {
      assert.deepEqual(seriesDump(await build(name, runs, batchSize)), expected, name);
    }
  });

  test("an archive stored before series existed gets them on its next ingest", async () => {
    const old = await build("backfill", [all]);
    const db = new Database(old);
    db.exec(`DELETE FROM "Series"; DELETE FROM "PatchMail"; DELETE FROM "ReplyTrailer"; UPDATE "SeriesBackfill" SET upToId = (SELECT max(id) FROM "Message")`);
    db.close();
    assert.equal(seriesDump(old).series.length, 0);
    const empty = path.join(dir, "empty.mbox");
    fs.writeFileSync(empty, "");
    await ingest({ dbFile: old, list: LIST, sources: [empty] });
    assert.deepEqual(seriesDump(old), seriesDump(dbFile));
  });
});
