// lib/store/postgres/pool.ts: the sessions every PostgreSQL module of the app
// gets: values as numbers, its own settings, read-only where asked, never JIT.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { openPool } from "../../lib/store/postgres/pool";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

/** Whether running `sql` under `db` compiled anything (EXPLAIN ANALYZE reports a JIT section then). */
async function jitUsed(db: pg.ClientBase, sql: string): Promise<boolean> {
  await db.query("BEGIN");
  try {
    // Every plan costs more than 0: JIT compiles it whenever JIT is on.
    await db.query("SET LOCAL jit_above_cost = 0");
    const { rows } = await db.query<{ "QUERY PLAN": Record<string, unknown>[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
    return rows[0]!["QUERY PLAN"][0]!["JIT"] !== undefined;
  } finally {
    await db.query("ROLLBACK");
  }
}

const SUM = "SELECT sum(x) FROM generate_series(1, 1000) AS x";

describe("openPool", { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  before(async () => (database = await createTestDatabase("pool")));
  after(() => database?.drop());

  test("sessions never JIT-compile a statement, whatever its cost", async (t) => {
    const plain = new pg.Client({ connectionString: database.url });
    await plain.connect();
    try {
      const available = (await plain.query<{ on: boolean }>("SELECT pg_jit_available() AS on")).rows[0]!.on;
      if (!available) return t.skip("this server has no JIT to turn off");
      assert.equal(await jitUsed(plain, SUM), true, "a session as the server starts it compiles the plan");
    } finally {
      await plain.end();
    }
    for (const options of [{}, { readOnly: true }, { settings: { enable_seqscan: "off" } }]) {
      const pool = openPool(database.url, { ...options, max: 1 });
      const client = await pool.connect();
      try {
        assert.equal(await jitUsed(client, SUM), false, JSON.stringify(options));
      } finally {
        client.release();
        await pool.end();
      }
    }
  });

  test("settings, a statement timeout and read-only apply to every session of the pool", async () => {
    const pool = openPool(database.url, { max: 2, readOnly: true, statementTimeoutMs: 300, settings: { enable_seqscan: "off" } });
    try {
      const clients = await Promise.all([pool.connect(), pool.connect()]);
      for (const client of clients) {
        const show = async (name: string) => (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name];
        assert.equal(await show("enable_seqscan"), "off");
        assert.equal(await show("statement_timeout"), "300ms");
        await assert.rejects(client.query("CREATE TABLE t (x int)"), /read-only transaction/);
        await assert.rejects(client.query("SELECT pg_sleep(2)"), /statement timeout/);
      }
      for (const client of clients) client.release();
    } finally {
      await pool.end();
    }
  });

  test("counts, sums and bigints come back as numbers", async () => {
    const pool = openPool(database.url, { max: 1 });
    try {
      const { rows } = await pool.query<{ n: unknown; s: unknown; b: unknown }>(`SELECT count(*) AS n, sum(x) AS s, 5000000000::bigint AS b FROM generate_series(1, 10) AS x`);
      assert.deepEqual(rows[0], { n: 10, s: 55, b: 5_000_000_000 });
    } finally {
      await pool.end();
    }
  });
});
