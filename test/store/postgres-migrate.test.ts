import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { parseMessage } from "@/lib/mail/mime";
import { PostgresArchiveWriter } from "@/lib/store/postgres/archive-writer";
import { ensurePostgresSchema, PostgresMigrateError } from "@/lib/store/postgres/migrate";
import { emptyCounts } from "@/lib/store/types";
import { readSource } from "@/lib/ingest/mail-sources";
import { parseAll } from "@/lib/ingest/parse-pool";
import { buildSearchVector, quoteLexeme, type SearchFields } from "@/lib/store/postgres/search-vector";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "@/test/support/postgres";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MIGRATIONS = path.join(ROOT, "prisma", "postgres", "migrations");
const TABLES = [
  "Attachment", "GuardedRef", "List", "Mail", "Message", "PatchMail", "ReplyTrailer", "Series", "SeriesBackfill",
  "SeriesDirty", "SeriesPatch", "SeriesVersion", "Thread", "ThreadRef", "_prisma_migrations",
];

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase("migrate");
  databases.push(db);
  return db.url;
}
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "postgres-migrate-test-"));
after(async () => {
  for (const db of databases) await db.drop();
  fs.rmSync(TMP, { recursive: true, force: true });
});

/**
 * A project root whose migrations end at `last`: ensurePostgresSchema on it
 * builds a store as that migration left it, through Prisma as in production.
 */
function rootUpTo(last: string): string {
  const root = fs.mkdtempSync(path.join(TMP, "root-"));
  const migrations = path.join(root, "prisma", "postgres", "migrations");
  fs.mkdirSync(migrations, { recursive: true });
  for (const entry of fs.readdirSync(MIGRATIONS, { withFileTypes: true })) {
    // Prisma does not follow a symlinked migration folder: copies.
    if (!entry.isDirectory() || entry.name <= last) fs.cpSync(path.join(MIGRATIONS, entry.name), path.join(migrations, entry.name), { recursive: true });
  }
  fs.copyFileSync(path.join(ROOT, "prisma.config.ts"), path.join(root, "prisma.config.ts"));
  for (const file of ["schema.prisma", "migrate-adapter.ts"]) fs.symlinkSync(path.join(ROOT, "prisma", "postgres", file), path.join(root, "prisma", "postgres", file));
  for (const dir of ["lib", "node_modules"]) fs.symlinkSync(path.join(ROOT, dir), path.join(root, dir));
  return root;
}

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

// ------------------------------------------------------------ 20261206000000_mail_once

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function multipart(mid: string, subject: string, files: { name: string; content: Buffer }[]): Buffer {
  const parts = files.map((f) =>
    `--b\nContent-Type: application/octet-stream; name="${f.name}"\nContent-Disposition: attachment; filename="${f.name}"\n`
    + `Content-Transfer-Encoding: base64\n\n${f.content.toString("base64")}\n`);
  return Buffer.from(
    `From: Sender <s@example.org>\nTo: a@lists.example.org, b@lists.example.org\nSubject: ${subject}\nDate: Mon, 1 Jul 2024 10:00:00 +0000\n`
    + `Message-ID: <${mid}>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n`
    + `--b\nContent-Type: text/plain; charset=utf-8\n\nBody of ${subject}: déjà vu.\n${parts.join("")}--b--\n`,
  );
}

function plain(mid: string, subject: string, body: string): Buffer {
  return Buffer.from(`From: Sender <s@example.org>\nSubject: ${subject}\nDate: Tue, 2 Jul 2024 10:00:00 +0000\nMessage-ID: <${mid}>\n\n${body}`);
}

test("a store of the previous migration moves to one Mail per raw hash, and loses nothing", { skip: skipWithoutPostgres }, async () => {
  const url = await freshDatabase();
  await ensurePostgresSchema(url, rootUpTo("20261205000000_message_id_byte_order"));

  // Two lists: X in both (with attachments, each copy holding its own as
  // stored before), Y a variant of X's Message-ID, Z and W each in one list;
  // Z's attachment stored before contents were kept (NULL), W's raw not UTF-8.
  const mails = {
    x: multipart("x@example.org", "cross-posted", [
      { name: "a.bin", content: Buffer.from([0, 1, 2, 255]) }, { name: "b.txt", content: Buffer.from("second\n") },
    ]),
    y: plain("x@example.org", "a variant of x", "Other bytes, the same Message-ID.\n"),
    z: multipart("z@example.org", "only in alpha", [{ name: "z.bin", content: Buffer.from("zz") }]),
    w: Buffer.concat([plain("w@example.org", "only in beta", "Latin-1: "), Buffer.from([0xe9, 0x0a])]),
  };
  type Key = keyof typeof mails;
  // [id, list, mail]: the cross-posted copy in beta has the lower id.
  const copies: [number, number, Key][] = [[5, 2, "x"], [12, 1, "x"], [13, 1, "y"], [20, 1, "z"], [21, 2, "w"]];
  const parsed = Object.fromEntries(await Promise.all(Object.entries(mails).map(async ([k, raw]) => [k, await parseMessage(raw)] as const)));
  assert.equal(parsed.x!.attachments.length, 2);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO "List" (id, name) VALUES (1, 'alpha'), (2, 'beta')`);
    await client.query(`INSERT INTO "Thread" (id, "listId", "rootMid") VALUES (1, 1, 'x@example.org'), (2, 2, 'x@example.org'), (3, 1, 'z@example.org'), (4, 2, 'w@example.org')`);
    const threadOf = (list: number, key: Key) => (key === "z" ? 3 : key === "w" ? 4 : list);
    for (const [id, list, key] of copies) {
      const p = parsed[key]!;
      await client.query(
        `INSERT INTO "Message" (id, "listId", "messageId", "rawHash", subject, "fromAddr", date, "threadId", "bodyText", raw, size, fts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_tsvector('simple', $5))`,
        [id, list, p.messageId, sha256(mails[key]), p.subject, p.fromAddr, p.date!.toISOString(), threadOf(list, key), p.bodyText, mails[key], mails[key].length],
      );
      for (const [position, a] of p.attachments.entries()) {
        await client.query(`INSERT INTO "Attachment" ("messageId", position, filename, "contentType", size, content) VALUES ($1, $2, $3, $4, $5, $6)`, [
          id, position, a.filename, a.contentType, a.size, key === "z" ? null : Buffer.from(a.content),
        ]);
      }
    }
    await client.query(`INSERT INTO "ThreadRef" ("listId", mid, "threadId") VALUES (1, 'x@example.org', 1), (2, 'x@example.org', 2), (1, 'z@example.org', 3)`);
    await client.query(`INSERT INTO "GuardedRef" ("messageId", "listId", mid) VALUES (20, 1, 'x@example.org')`);
    await client.query(`INSERT INTO "PatchMail" ("messageId", "listId", revision, "normalizedTitle") VALUES (12, 1, 1, 'cross-posted')`);
    await client.query(`INSERT INTO "ReplyTrailer" ("messageId", position, name, value) VALUES (13, 0, 'Acked-by', 'Someone <s@example.org>')`);
    await client.query(`SELECT setval('"List_id_seq"', 2), setval('"Thread_id_seq"', 4), setval('"Message_id_seq"', 21)`);

    const KEPT = `id, "listId", "messageId", "rawHash", subject, "fromAddr", date, "threadId", fts::text AS fts`;
    const keptBefore = (await client.query(`SELECT ${KEPT} FROM "Message" ORDER BY id`)).rows;
    const attachmentsOf = async (sql: string) => {
      const byMessage = new Map<number, unknown[]>();
      for (const { message, ...a } of (await client.query(sql)).rows) byMessage.set(message, [...(byMessage.get(message) ?? []), a]);
      return byMessage;
    };
    const ATTACHMENT = `a.position, a.filename, a."contentType", a.size, a.content`;
    const attachmentsBefore = await attachmentsOf(`SELECT a."messageId" AS message, ${ATTACHMENT} FROM "Attachment" a ORDER BY 1, a.position`);
    const mailBefore = (await client.query(`SELECT id, raw, "bodyText", size FROM "Message" ORDER BY id`)).rows;
    const hangingBefore = (await client.query(
      `SELECT (SELECT json_agg("messageId") FROM "GuardedRef") AS g, (SELECT json_agg("messageId") FROM "PatchMail") AS p, (SELECT json_agg("messageId") FROM "ReplyTrailer") AS r`,
    )).rows;

    await ensurePostgresSchema(url, ROOT);

    // Every Message row: the same id and fields (its vector now holding its
    // month too, migrations/*_month_lexemes), its bytes, text and size now its Mail's.
    const MONTH = `'d:' || to_char(date AT TIME ZONE 'UTC', 'YYYYMM')`;
    const keptAfter = `${KEPT.replace("fts::text AS fts", `ts_delete(fts, ${MONTH})::text AS fts`)}, tsvector_to_array(fts) @> ARRAY[${MONTH}] AS "hasMonth"`;
    assert.deepEqual(
      (await client.query(`SELECT ${keptAfter} FROM "Message" ORDER BY id`)).rows,
      keptBefore.map((row) => ({ ...row, hasMonth: true })),
    );
    assert.deepEqual((await client.query(`SELECT m.id, ma.raw, ma."bodyText", ma.size FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId" ORDER BY m.id`)).rows, mailBefore);
    for (const [id, , key] of copies) assert.deepEqual(mailBefore.find((r) => r.id === id)?.raw, mails[key], `message ${id}: the raw bytes written`);
    // Its attachments, read through its Mail, are those it had.
    const attachmentsAfter = await attachmentsOf(
      `SELECT m.id AS message, ${ATTACHMENT} FROM "Message" m JOIN "Attachment" a ON a."mailId" = m."mailId" ORDER BY 1, a.position`,
    );
    assert.deepEqual(attachmentsAfter, attachmentsBefore);
    assert.equal(attachmentsAfter.get(5)?.length, 2);

    // One Mail per raw hash, under its lowest copy's id; the copies of X share it, and X's attachments are stored once.
    const mailRows = (await client.query(`SELECT id, "rawHash" FROM "Mail" ORDER BY id`)).rows;
    assert.deepEqual(mailRows, [[5, "x"], [13, "y"], [20, "z"], [21, "w"]].map(([id, key]) => ({ id, rawHash: sha256(mails[key as Key]) })));
    assert.deepEqual((await client.query(`SELECT id, "mailId" FROM "Message" ORDER BY id`)).rows.map((r) => [r.id, r.mailId]), [
      [5, 5], [12, 5], [13, 13], [20, 20], [21, 21],
    ]);
    assert.deepEqual((await client.query(`SELECT "mailId", position FROM "Attachment" ORDER BY 1, 2`)).rows, [
      { mailId: 5, position: 0 }, { mailId: 5, position: 1 }, { mailId: 20, position: 0 },
    ]);
    assert.deepEqual((await client.query(
      `SELECT (SELECT json_agg("messageId") FROM "GuardedRef") AS g, (SELECT json_agg("messageId") FROM "PatchMail") AS p, (SELECT json_agg("messageId") FROM "ReplyTrailer") AS r`,
    )).rows, hangingBefore);
    for (const column of ["bodyText", "raw", "size"]) {
      const [gone] = (await client.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'Message' AND column_name = $1`, [column])).rows;
      assert.equal(gone.n, 0, `"Message".${column} dropped`);
    }
  } finally {
    await client.end();
  }

  // The writer on the migrated store: X into a third list is a new copy of
  // mail 5 (added, its attachments not stored again); a new mail takes an id
  // past the migrated ones.
  const writer = new PostgresArchiveWriter(url);
  try {
    const gamma = await writer.ensureList({ name: "gamma" });
    const counts = emptyCounts();
    const fresh = plain("new@example.org", "after the migration", "New.\n");
    await writer.writeBatch(gamma, [
      { raw: mails.x, parsed: parsed.x!, fallbackDate: null, position: "x" },
      { raw: fresh, parsed: await parseMessage(fresh), fallbackDate: null, position: "new" },
    ], counts, () => {});
    assert.deepEqual(counts, { ...emptyCounts(), added: 2 });
  } finally {
    await writer.close();
  }
  const rows = await query<{ mailId: number; id: number; attachments: number }>(
    url,
    `SELECT m."mailId", ma.id, (SELECT count(*)::int FROM "Attachment" a WHERE a."mailId" = ma.id) AS attachments
       FROM "Message" m JOIN "List" l ON l.id = m."listId" JOIN "Mail" ma ON ma.id = m."mailId" WHERE l.name = 'gamma' ORDER BY m.id`,
  );
  assert.equal(rows[0]?.mailId, 5);
  assert.equal(rows[0]?.attachments, 2);
  assert.ok((rows[1]?.mailId ?? 0) > 21, `the new mail's id ${rows[1]?.mailId}`);
});

// ------------------------------------------------------------ 20261207000000_field_lexemes

const SAMPLE = path.join(ROOT, "samples", "linux-integrity-sample.mbox.gz");

/**
 * A vector as the writer made it before each field had lexemes of its own:
 * subject, From and To words were the bare word, told apart by weight only.
 * Null when a merged word would pass PostgreSQL's 256 positions (the old
 * layout cut those; the migration cannot bring them back).
 */
function previousLayout(literal: string): string | null {
  const merged = new Map<string, string[]>();
  for (const [, quoted, positions] of literal.matchAll(/'((?:[^']|'')*)':(\S+)/g)) {
    const lexeme = (quoted ?? "").replace(/''/g, "'").replace(/^(s|f|t):/, "");
    merged.set(lexeme, [...(merged.get(lexeme) ?? []), ...(positions ?? "").split(",")]);
  }
  const parts: string[] = [];
  for (const [lexeme, positions] of merged) {
    if (positions.length > 256) return null;
    positions.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
    parts.push(`${quoteLexeme(lexeme)}:${positions.join(",")}`);
  }
  return parts.join(" ");
}

test("vectors of the previous layout move to field lexemes, as the writer now builds them", { skip: skipWithoutPostgres }, async () => {
  const url = await freshDatabase();
  await ensurePostgresSchema(url, rootUpTo("20261206000000_mail_once"));
  const expected: string[] = [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO "List" (id, name) VALUES (1, 'alpha')`);
    await client.query(`INSERT INTO "Thread" (id, "listId", "rootMid") VALUES (1, 1, 'root@example.org')`);
    const fieldsOf = (p: Awaited<ReturnType<typeof parseMessage>>): SearchFields =>
      ({ ...p, toAddrs: p.to.join(", "), ccAddrs: p.cc.join(", "), date: p.date ?? new Date("2026-12-02T00:00:00Z") });
    // The sample's mail, then words at PostgreSQL's lexeme size in every field.
    const all: SearchFields[] = [];
    for await (const { parsed } of parseAll(readSource(SAMPLE), 0)) if (parsed) all.push(fieldsOf(parsed));
    const long = "x".repeat(2046);
    const cjk = "中".repeat(682);
    all.push({ subject: `${long} ${cjk} it`, fromName: long, fromAddr: "a@b.org", toAddrs: `${cjk}@c.org`, ccAddrs: `${long}@d.org`, bodyText: `${long} ${cjk}`, date: new Date("2026-12-31T23:59:59.999Z") });
    for (const [i, fields] of all.entries()) {
      const now = buildSearchVector(fields);
      const before = previousLayout(now);
      if (before === null) continue;
      const id = i + 1;
      await client.query(`INSERT INTO "Mail" (id, "rawHash", raw, size) VALUES ($1, $2, '\\x00', 1)`, [id, `h${id}`]);
      await client.query(
        `INSERT INTO "Message" (id, "listId", "messageId", "rawHash", date, "threadId", "mailId", fts) VALUES ($1, 1, $2, $3, $5, 1, $1, $4::tsvector)`,
        [id, `m${id}@example.org`, `h${id}`, before, fields.date.toISOString()],
      );
      expected[id] = now;
    }
    assert.ok(expected.filter(Boolean).length > 100, "the sample's mail is in the old store");

    await ensurePostgresSchema(url, ROOT);

    let differ = 0;
    for (const [id, now] of expected.entries()) {
      if (now === undefined) continue;
      const [row] = (await client.query<{ same: boolean }>(`SELECT fts = $2::tsvector AND fts::text = $2::tsvector::text AS same FROM "Message" WHERE id = $1`, [id, now])).rows;
      if (row?.same !== true) differ++;
    }
    assert.equal(differ, 0);
    const [index] = (await client.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'Message_fts_idx'`)).rows;
    assert.match(index?.indexdef ?? "", /USING gin \(fts\)/);
  } finally {
    await client.end();
  }
});

test("every message gains the lexeme of its date's month (UTC), one never given a vector too", { skip: skipWithoutPostgres }, async () => {
  const url = await freshDatabase();
  await ensurePostgresSchema(url, rootUpTo("20261207000000_field_lexemes"));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO "List" (id, name) VALUES (1, 'alpha')`);
    await client.query(`INSERT INTO "Thread" (id, "listId", "rootMid") VALUES (1, 1, 'root@example.org')`);
    const rows: { date: string; fields: Omit<SearchFields, "date"> | null }[] = [
      { date: "2026-12-31T23:59:59.999Z", fields: { subject: "[PATCH] ima: fix", fromName: "Mimi", fromAddr: "zohar@linux.ibm.com", toAddrs: "a@b.org", ccAddrs: "", bodyText: "Fix it." } },
      { date: "2027-01-01T00:00:00.000Z", fields: { subject: "", fromName: "", fromAddr: "", toAddrs: "", ccAddrs: "", bodyText: "" } },
      { date: "0001-01-01T00:00:00.000Z", fields: { subject: "old", fromName: "", fromAddr: "", toAddrs: "", ccAddrs: "", bodyText: "" } },
      { date: "2019-03-15T12:00:00.000Z", fields: null },
    ];
    for (const [i, row] of rows.entries()) {
      const id = i + 1;
      // The field-lexeme layout the writer built before: its vector without the month.
      const before = row.fields === null ? null : buildSearchVector({ ...row.fields, date: new Date(row.date) }).replace(/^'d:\d{6}' ?/, "");
      await client.query(`INSERT INTO "Mail" (id, "rawHash", raw, size) VALUES ($1, $2, '\\x00', 1)`, [id, `h${id}`]);
      await client.query(
        `INSERT INTO "Message" (id, "listId", "messageId", "rawHash", date, "threadId", "mailId", fts) VALUES ($1, 1, $2, $3, $4, 1, $1, $5::tsvector)`,
        [id, `m${id}@example.org`, `h${id}`, row.date, before],
      );
    }

    await ensurePostgresSchema(url, ROOT);

    const migrated = (await client.query<{ fts: string }>(`SELECT fts::text AS fts FROM "Message" ORDER BY id`)).rows.map((r) => r.fts);
    const built = (await client.query<{ v: string }>(
      `SELECT v::tsvector::text AS v FROM unnest($1::text[]) WITH ORDINALITY AS x(v, n) ORDER BY n`,
      [rows.map((row) => buildSearchVector({ ...(row.fields ?? { subject: "", fromName: "", fromAddr: "", toAddrs: "", ccAddrs: "", bodyText: "" }), date: new Date(row.date) }))],
    )).rows.map((r) => r.v);
    assert.deepEqual(migrated, built);
    assert.deepEqual(migrated.slice(1), ["'d:202701'", "'d:000101' 's:old':1A", "'d:201903'"]);
  } finally {
    await client.end();
  }
});
