// lib/store/postgres/search.ts, what only PostgreSQL does: counts that trust
// the planner's estimate for a word with very many hits, and search sessions
// that never scan the whole table. (What both backends answer alike is in
// test/store/search.test.ts.)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { SEARCH_LIMITS } from "../../lib/search/limits";
import { ensurePostgresSchema } from "../../lib/store/postgres/migrate";
import { COUNT_ESTIMATE_CUTOFF, countHits, planPostgresSearch, PostgresSearchIndex } from "../../lib/store/postgres/search";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const COMMON = COUNT_ESTIMATE_CUTOFF + 5_000;
const RARE = 700;

describe("PostgreSQL search counts", { skip: skipWithoutPostgres }, () => {
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
    // COMMON mails From "common"; the first RARE of them From "rare" too.
    await pool.query(`INSERT INTO "List" (id, name) VALUES (1, 'big')`);
    await pool.query(`INSERT INTO "Thread" (id, "listId", "rootMid") VALUES (1, 1, 'root@example.org')`);
    await pool.query(`INSERT INTO "Mail" (id, "rawHash", raw, size) VALUES (1, 'h', '\\x00', 1)`);
    await pool.query(
      `INSERT INTO "Message" ("listId", "messageId", "rawHash", date, "threadId", "mailId", fts)
       SELECT 1, 'm' || i || '@example.org', 'h' || i, now() - make_interval(mins => i), 1, 1,
              CASE WHEN i <= $2 THEN '''f:common'':1B ''f:rare'':2B' ELSE '''f:common'':1B' END::tsvector
         FROM generate_series(1, $1::int) i`,
      [COMMON, RARE],
    );
    await pool.query(`ANALYZE "Message"`);
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  const count = async (q: string) => {
    statements.length = 0;
    const n = await countHits(spy, planPostgresSearch(q), "big");
    return { n, counted: statements.some((sql) => /count\(\*\)/.test(sql)) };
  };

  test("a word estimated past the cutoff is more than countCap, without counting", async () => {
    assert.deepEqual(await count("f:common"), { n: SEARCH_LIMITS.countCap + 1, counted: false });
  });

  test("fewer estimated hits are counted: exact up to countCap, countCap + 1 past it", async () => {
    assert.deepEqual(await count("f:rare"), { n: RARE, counted: true });
    assert.deepEqual(await count("f:common f:rare"), { n: RARE, counted: true });
    assert.deepEqual(await count("f:nobody"), { n: 0, counted: true });
    assert.deepEqual(await count("(f:common OR f:nobody) d:..1.year.ago"), { n: 0, counted: true });
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
