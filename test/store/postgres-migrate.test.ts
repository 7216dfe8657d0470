import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { ensurePostgresSchema, PostgresMigrateError } from "@/lib/store/postgres/migrate";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "@/test/support/postgres";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MIGRATIONS = path.join(ROOT, "prisma", "postgres", "migrations");
const TABLES = [
  "Attachment", "GuardedRef", "List", "Message", "PatchMail", "ReplyTrailer", "Series", "SeriesBackfill",
  "SeriesDirty", "SeriesPatch", "SeriesVersion", "Thread", "ThreadRef", "_prisma_migrations",
];

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase("migrate");
  databases.push(db);
  return db.url;
}
after(async () => {
  for (const db of databases) await db.drop();
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let url = "";
before(async () => {
  if (!skipWithoutPostgres) url = await freshDatabase();
});

test("a fresh database gets every table, the tsvector column and its GIN index", { skip: skipWithoutPostgres }, async () => {
  await ensurePostgresSchema(url, ROOT);
  const tables = await query<{ name: string }>(url, `SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(tables.map((row) => row.name).sort(), [...TABLES].sort());
  const [fts] = await query<{ type: string }>(url, `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = '"Message"'::regclass AND attname = 'fts'`);
  assert.equal(fts?.type, "tsvector");
  const [index] = await query<{ def: string }>(url, `SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'Message' AND indexname = 'Message_fts_idx'`);
  assert.match(index?.def ?? "", /USING gin \(fts\)/);
  const applied = await query<{ name: string }>(url, `SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1`);
  const folders = fs.readdirSync(MIGRATIONS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(applied.map((row) => row.name), folders);
});

test("a second call finds nothing pending and does not run prisma", { skip: skipWithoutPostgres }, async () => {
  await ensurePostgresSchema(url, ROOT); // already migrated by the test above, or now
  const started = performance.now();
  await ensurePostgresSchema(url, ROOT);
  const ms = performance.now() - started;
  // `prisma migrate deploy` with nothing to do takes about 3 s; one query takes milliseconds.
  assert.ok(ms < 500, `the no-op call took ${ms.toFixed(0)} ms`);
  const [rows] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM _prisma_migrations`);
  assert.equal(rows?.n, fs.readdirSync(MIGRATIONS, { withFileTypes: true }).filter((e) => e.isDirectory()).length);
});

test("processes starting together on a fresh database all succeed, and migrate it once", { skip: skipWithoutPostgres }, async () => {
  const fresh = await freshDatabase();
  await Promise.all([ensurePostgresSchema(fresh, ROOT), ensurePostgresSchema(fresh, ROOT), ensurePostgresSchema(fresh, ROOT)]);
  const rows = await query<{ name: string; n: number }>(
    fresh,
    `SELECT migration_name AS name, count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL GROUP BY 1 ORDER BY 1`,
  );
  assert.ok(rows.length > 0);
  for (const row of rows) assert.equal(row.n, 1, row.name);
});

test("a process waits for another's migration, however long, then finds nothing to do", { skip: skipWithoutPostgres }, async () => {
  // Prisma's own advisory lock gives up after 10 s; ensurePostgresSchema first
  // takes one of its own, without a timeout. Here another process holds it.
  const fresh = await freshDatabase();
  const holder = new pg.Client({ connectionString: fresh });
  await holder.connect();
  try {
    await holder.query(`SELECT pg_advisory_lock($1, $2)`, [0x6d61696c, 1]);
    let done = false;
    const waiting = ensurePostgresSchema(fresh, ROOT).then(() => { done = true; });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(done, false, "ran while another process held the migration lock");
    await holder.query(`SELECT pg_advisory_unlock($1, $2)`, [0x6d61696c, 1]);
    await waiting;
  } finally {
    await holder.end();
  }
  const [message] = await query<{ n: number }>(fresh, `SELECT count(*)::int AS n FROM "Message"`);
  assert.equal(message?.n, 0);
});

test("errors name the problem and never the password", { skip: skipWithoutPostgres }, async () => {
  const secret = "s3cret-Pw";
  // Wrong password on the real server.
  const wrong = new URL(url);
  wrong.password = secret;
  await assert.rejects(ensurePostgresSchema(wrong.toString(), ROOT), (error: unknown) =>
    error instanceof PostgresMigrateError && /password authentication failed/.test(error.message) && !error.message.includes(secret));
  // Nothing listening.
  await assert.rejects(ensurePostgresSchema(`postgresql://app:${secret}@127.0.0.1:1/none`, ROOT), (error: unknown) =>
    error instanceof PostgresMigrateError && !error.message.includes(secret));
  // prisma migrate deploy itself fails: tables it did not create are there (P3005).
  const clash = await freshDatabase();
  await query(clash, `CREATE TABLE "List" (id int)`);
  const clashPassword = new URL(clash).password;
  await assert.rejects(ensurePostgresSchema(clash, ROOT), (error: unknown) =>
    error instanceof PostgresMigrateError && /migrate deploy failed/.test(error.message) && /P3005/.test(error.message)
    && !error.message.includes(`:${clashPassword}@`));
});
