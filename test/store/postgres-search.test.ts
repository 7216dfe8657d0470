// lib/store/postgres/search.ts, what only PostgreSQL does: counts that trust
// the planner's estimate for a word with very many hits, pages through a
// window of the date index, and search sessions that never scan the whole
// table. (What both backends answer alike is in test/store/search.test.ts.)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { SEARCH_LIMITS } from "../../lib/search/limits";
import { ensurePostgresSchema } from "../../lib/store/postgres/migrate";
import { openPool } from "../../lib/store/postgres/pool";
import {
  COUNT_ESTIMATE_CUTOFF, countHits, estimateHits, MAX_WINDOW_MONTHS, monthsQuery, pageStrategy, planPostgresSearch, PostgresSearchIndex,
  searchPostgres, withoutIndexWalksAlways,
} from "../../lib/store/postgres/search";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const COMMON = COUNT_ESTIMATE_CUTOFF + 5_000;
const RARE = 700;
const OLD = 300;

describe("pageStrategy", () => {
  const estimate = (fraction: number, listSize: number) => ({ fraction, listSize, tableSize: listSize });

  test("a common word's first pages walk the date index; its deep pages, and rarer words, take the window", () => {
    assert.equal(pageStrategy(estimate(0.1, 30_000), 50), "walk");
    assert.equal(pageStrategy(estimate(0.1, 30_000), 1000), "window");
    assert.equal(pageStrategy(estimate(0.1, 1_000_000), 50), "walk");
    assert.equal(pageStrategy(estimate(0.1, 1_000_000), 1000), "window");
    assert.equal(pageStrategy(estimate(0.3, 1_000_000), 200), "walk");
    assert.equal(pageStrategy(estimate(0.001, 1_000_000), 50), "window");
  });

  test("without statistics, the planner's plan", () => {
    assert.equal(pageStrategy({ fraction: null, listSize: 1000, tableSize: 0 }, 50), "walk");
    assert.equal(pageStrategy(estimate(0, 1000), 50), "walk");
  });
});

describe("monthsQuery", () => {
  const d = (iso: string) => new Date(iso);

  test("every month from the window's oldest date to its newest, across a year", () => {
    assert.equal(monthsQuery(d("2026-11-30T23:59:59Z"), d("2027-01-01T00:00:00Z")), "'d:202611' | 'd:202612' | 'd:202701'");
    assert.equal(monthsQuery(d("2026-12-01T00:00:00Z"), d("2026-12-31T23:59:59Z")), "'d:202612'");
    assert.equal(monthsQuery(d("0099-12-01T00:00:00Z"), d("0100-01-01T00:00:00Z")), "'d:009912' | 'd:010001'");
  });

  test("none past MAX_WINDOW_MONTHS, or for a window that ends before it starts", () => {
    assert.equal(monthsQuery(d("2025-01-01T00:00:00Z"), d("2026-12-31T00:00:00Z"))?.split(" | ").length, MAX_WINDOW_MONTHS);
    assert.equal(monthsQuery(d("2025-01-01T00:00:00Z"), d("2027-01-01T00:00:00Z")), null);
    assert.equal(monthsQuery(d("2000-01-01T00:00:00Z"), d("9999-12-31T00:00:00Z")), null);
    assert.equal(monthsQuery(d("2026-02-01T00:00:00Z"), d("2026-01-01T00:00:00Z")), null);
  });
});

describe("PostgreSQL search counts and pages", { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const statements: string[] = [];
  // The pool, with every statement it runs written down.
  const spy = {
    query: ((sql: string, params: unknown[]) => {
      statements.push(sql);
      return pool.query(sql, params);
    }) as unknown as pg.Pool["query"],
  };

  before(async () => {
    database = await createTestDatabase("search_count");
    await ensurePostgresSchema(database.url, ROOT);
    pool = new pg.Pool({ connectionString: database.url });
    // COMMON mails From "common", 20 minutes apart (message i is 20·i
    // minutes old: the list spans about 12 months); the newest RARE of them
    // From "rare" too, the oldest OLD From "old". Each vector holds its
    // month, as the writer's do.
    await pool.query(`INSERT INTO "List" (id, name, "messageCount") VALUES (1, 'big', $1)`, [COMMON]);
    await pool.query(`INSERT INTO "Thread" (id, "listId", "rootMid") VALUES (1, 1, 'root@example.org')`);
    await pool.query(`INSERT INTO "Mail" (id, "rawHash", raw, size) SELECT i, 'h' || i, '\\x00', 1 FROM generate_series(1, $1::int) i`, [COMMON]);
    await pool.query(
      `INSERT INTO "Message" ("listId", "messageId", "rawHash", date, "threadId", "mailId", fts)
       SELECT 1, 'm' || i || '@example.org', 'h' || i, d, 1, i,
              ('''' || CASE WHEN i <= $2 THEN 'f:rare' WHEN i > $1 - $3 THEN 'f:old' ELSE 'f:none' END || '''')::tsvector
              || '''f:common'''::tsvector || array_to_tsvector(ARRAY['d:' || to_char(d AT TIME ZONE 'UTC', 'YYYYMM')])
         FROM generate_series(1, $1::int) i, LATERAL (SELECT now() - make_interval(mins => 20 * i) AS d) x`,
      [COMMON, RARE, OLD],
    );
    await pool.query(`ANALYZE "Message"`);
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  const count = async (q: string, seriesRoots = false) => {
    const plan = planPostgresSearch(q);
    const estimate = await estimateHits(pool, plan, "big");
    statements.length = 0;
    const n = await countHits(spy, plan, "big", seriesRoots, estimate);
    return { n, counted: statements.some((sql) => /count\(\*\)/.test(sql)) };
  };

  test("a word estimated past the cutoff is more than countCap, without counting", async () => {
    assert.deepEqual(await count("f:common"), { n: SEARCH_LIMITS.countCap + 1, counted: false });
    // Series roots are not in the estimate: counted (there are none here).
    assert.deepEqual(await count("f:common", true), { n: 0, counted: true });
  });

  test("fewer estimated hits are counted: exact up to countCap, countCap + 1 past it", async () => {
    assert.deepEqual(await count("f:rare"), { n: RARE, counted: true });
    assert.deepEqual(await count("f:common f:rare"), { n: RARE, counted: true });
    assert.deepEqual(await count("f:nobody"), { n: 0, counted: true });
    assert.deepEqual(await count("(f:common OR f:nobody) d:..1.year.ago"), { n: 0, counted: true });
  });

  test("every page, walked or through a window, is the newest hits in order", async () => {
    const index = new PostgresSearchIndex(database.url);
    try {
      const cases: [string, string][] = [["f:common", "true"], ["f:rare", `i <= ${RARE}`], ["f:old", `i > ${COMMON - OLD}`]];
      for (const [q, where] of cases) {
        const estimate = await estimateHits(pool, planPostgresSearch(q), "big");
        for (const offset of [0, 25, 250, 675, 950]) {
          const result = await index.search({ q, list: "big", offset, limit: 50 });
          const expected = (await pool.query<{ mid: string }>(
            `SELECT "messageId" AS mid FROM "Message" m, LATERAL (SELECT split_part(substr(m."messageId", 2), '@', 1)::int AS i) n
              WHERE ${where} ORDER BY date DESC, id DESC LIMIT 50 OFFSET $1`,
            [offset],
          )).rows.map((r) => r.mid);
          assert.deepEqual(result.hits.map((h) => h.mid), expected, `${q} at ${offset} (${pageStrategy(estimate, offset + 50)})`);
        }
      }
      // Both ways are taken: the rare word's newest hits through a window,
      // the old word's through one widened to the whole list, the common
      // word's first page by walking.
      assert.equal(pageStrategy(await estimateHits(pool, planPostgresSearch("f:rare"), "big"), 50), "window");
      assert.equal(pageStrategy(await estimateHits(pool, planPostgresSearch("f:old"), "big"), 50), "window");
      assert.equal(pageStrategy(await estimateHits(pool, planPostgresSearch("f:common"), "big"), 50), "walk");
    } finally {
      await index.close();
    }
  });

  test("a window's hits are read through its months' lexemes", async () => {
    // A pool whose connections write down what they run (the window's statement runs in a transaction).
    const watched = new pg.Pool({ connectionString: database.url, max: 1 });
    after(() => watched.end());
    const seen: string[] = [];
    watched.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        seen.push(typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string }).text));
        return query(...args);
      };
    });
    const result = await searchPostgres(watched, { q: "f:rare", list: "big", offset: 200, limit: 50 });
    assert.deepEqual(result.hits.map((h) => h.mid), Array.from({ length: 50 }, (_, k) => `m${201 + k}@example.org`));
    assert.ok(seen.some((sql) => /m\.date >= \$\d+ AND m\."fts" @@ \$\d+::tsquery/.test(sql)), "the window statement narrows by month");
  });

  test("across lists (/all/), no statement walks an index, and pages are the newest hits", async () => {
    // As the search index's sessions are: no whole-table scans either.
    const sessions = openPool(database.url, { settings: { enable_seqscan: "off" } });
    after(() => sessions.end());
    const noWalks = withoutIndexWalksAlways(sessions);
    assert.equal((await noWalks.query<{ enable_indexscan: string }>("SHOW enable_indexscan")).rows[0]?.enable_indexscan, "off");
    const plan = (await noWalks.query<{ "QUERY PLAN": string }>(
      `EXPLAIN SELECT m.id FROM "Message" m WHERE m.fts @@ $1::tsquery ORDER BY m.date DESC LIMIT 50`,
      ["'f:rare'"],
    )).rows.map((r) => r["QUERY PLAN"]).join("\n");
    assert.match(plan, /Bitmap Index Scan on "Message_fts_idx"/);
    assert.doesNotMatch(plan, /Index Scan (Backward )?using/);
    const index = new PostgresSearchIndex(database.url);
    try {
      const result = await index.search({ q: "f:rare", list: null, offset: 100, limit: 50 });
      assert.equal(result.total, RARE);
      assert.deepEqual(result.hits.map((h) => h.mid), Array.from({ length: 50 }, (_, k) => `m${101 + k}@example.org`));
    } finally {
      await index.close();
    }
  });

  test("the search index's sessions never plan a scan of the whole table", async () => {
    const index = new PostgresSearchIndex(database.url);
    try {
      const result = await index.search({ q: "f:common", list: "big" });
      assert.equal(result.totalCapped, true);
      assert.equal(result.hits.length > 0, true);
      // The pool is the index's own; its sessions' setting is what a search runs under.
      const session = (index as unknown as { pool: pg.Pool }).pool;
      assert.equal((await session.query<{ enable_seqscan: string }>("SHOW enable_seqscan")).rows[0]?.enable_seqscan, "off");
    } finally {
      await index.close();
    }
  });
});
