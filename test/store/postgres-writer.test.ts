// The PostgreSQL writer (lib/store/postgres/archive-writer.ts) against the
// SQLite one: the same mail ingested into SQLite through ingest() and into
// PostgreSQL through PostgresArchiveWriter must give the same archive, read
// back as a canonical dump that names rows by content instead of ids (threads
// as their members' Message-IDs, messages by raw hash): threads and their
// index entries, guarded messages, counts, attachments, patch mails, trailers
// and series. Then PostgreSQL alone: other arrival orders and batch sizes, a
// batch that fails half-way, and two writers on one list at once all end in
// that same archive; the same mail in two lists is stored once, whichever
// list's writer gets there first, and each list's archive is still that one.
// Skipped without PG_TEST_URL (test/support/postgres.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { SqliteArchiveWriter } from "../../lib/store/sqlite/archive-writer";
import { ensurePostgresSchema } from "../../lib/store/postgres/migrate";
import { openPool } from "../../lib/store/postgres/pool";
import { PostgresArchiveWriter } from "../../lib/store/postgres/archive-writer";
import { PostgresReader } from "../../lib/store/postgres/reader";
import { buildSearchVector, type SearchFields } from "../../lib/store/postgres/search-vector";
import { DEFAULT_MAX_MESSAGE_BYTES, ingest } from "../../lib/ingest/ingest";
import { readSource } from "../../lib/ingest/mail-sources";
import { parseAll } from "../../lib/ingest/parse-pool";
import { formatMboxrd, type MboxVariant } from "../../lib/mail/mbox";
import { emptyCounts, type IncomingMessage, type IngestCounts, type ListInfo } from "../../lib/store/types";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLE = path.join(ROOT, "samples", "linux-integrity-sample.mbox.gz");
const TINY = path.join(ROOT, "test", "fixtures", "mbox", "tiny-list.mbox");
const SERIES = path.join(ROOT, "test", "fixtures", "series");
const HOSTILE = path.join(ROOT, "test", "fixtures", "hostile");
const LIST = { name: "parity", address: "parity@lists.example.org", description: "SQLite and PostgreSQL side by side" };

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "postgres-writer-test-"));
const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.drop().catch(() => {});
  fs.rmSync(TMP, { recursive: true, force: true });
});

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

// ---------------------------------------------------------------------------
// Inputs: what the SQLite tests ingest, as runs of ingest() (one source list
// and mbox variant each) in this order.

interface Run {
  sources: string[];
  variant?: MboxVariant;
}

function mail(headers: Record<string, string | undefined>, body: string): Buffer {
  const lines = Object.entries(headers).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join("\n")}\n\n${body}`, "utf8");
}

/** The merge-guard corpus of test/ingest/ingest.test.ts, and a message naming every thread root of the sample. */
function guardMail(): Buffer[] {
  const at = (day: number, hour: number) => new Date(Date.UTC(2024, 1, day, hour)).toUTCString().replace("GMT", "+0000");
  const q = (mid: string) => `${mid}@guard.example`;
  const m = (mid: string, subject: string, date: string, inReplyTo?: string, references: string[] = []) =>
    mail(
      {
        From: "Test Sender <sender@example.org>",
        To: "test@example.org",
        Subject: subject,
        Date: date,
        "Message-ID": `<${mid}>`,
        "In-Reply-To": inReplyTo && `<${inReplyTo}>`,
        References: references.length > 0 ? references.map((r) => `<${r}>`).join(" ") : undefined,
      },
      `Body of ${mid}.\n`,
    );
  const roots = [1, 2, 3, 4, 5, 6].map((k) => q(`t${k}`));
  return [
    ...[1, 2, 3, 4, 5, 6].flatMap((k) => [
      m(q(`t${k}`), `topic ${k}`, at(k, 8)),
      m(q(`t${k}-r`), `Re: topic ${k}`, at(k, 9), q(`t${k}`), [q(`t${k}`)]),
    ]),
    m(q("merger"), "Re: everything", at(7, 8), q("t3"), roots),
    m(q("merger-r"), "Re: everything", at(7, 9), q("merger"), [...roots, q("merger")]),
    ...Array.from({ length: 9 }, (_, i) =>
      m(q(`c${i}`), i === 0 ? "long chain" : "Re: long chain", at(8, i), i === 0 ? undefined : q(`c${i - 1}`), Array.from({ length: i }, (_, j) => q(`c${j}`)))),
    m(q("bridge"), "Re: topic 5 and 6", at(9, 8), q("t6-r"), [q("t5"), q("t5-r"), q("t6"), q("t6-r")]),
  ];
}

async function sampleRoots(): Promise<string[]> {
  // Thread roots of the sample: messages without In-Reply-To/References.
  const roots: string[] = [];
  for await (const message of parseAll(readSource(SAMPLE), 0)) {
    const p = message.parsed;
    if (p?.messageId && p.references.length === 0 && p.inReplyTo === null) roots.push(p.messageId);
  }
  return roots;
}

async function inputs(): Promise<Run[]> {
  const maildir = path.join(TMP, "hostile-maildir");
  fs.mkdirSync(path.join(maildir, "cur"), { recursive: true });
  for (const file of fs.readdirSync(HOSTILE).filter((f) => f.endsWith(".eml"))) fs.copyFileSync(path.join(HOSTILE, file), path.join(maildir, "cur", file));
  const guard = path.join(TMP, "guard.mbox");
  fs.writeFileSync(guard, Buffer.concat(guardMail().map(formatMboxrd)));
  const roots = await sampleRoots();
  assert.ok(roots.length > 20, `${roots.length} roots in the sample`);
  const attack = path.join(TMP, "attack.mbox");
  fs.writeFileSync(attack, formatMboxrd(mail({
    From: "Attacker <a@example.org>", Subject: "Re: all of it", Date: "Tue, 20 Feb 2024 08:00:00 +0000",
    "Message-ID": "<sample-merger@guard.example>", "In-Reply-To": `<${roots[0]}>`, References: roots.map((r) => `<${r}>`).join(" "),
  }, "Everything at once.\n")));
  return [
    { sources: [SAMPLE, TINY] },
    { sources: fs.readdirSync(SERIES).filter((f) => f.endsWith(".mbox")).sort().map((f) => path.join(SERIES, f)) },
    { sources: [maildir, ...fs.readdirSync(HOSTILE).filter((f) => f.endsWith(".mbox")).sort().map((f) => path.join(HOSTILE, f))] },
    { sources: [path.join(HOSTILE, "mboxo-from-quoting.mboxo")], variant: "mboxo" },
    { sources: [guard] },
    { sources: [attack] },
  ];
}

async function parsed(run: Run): Promise<IncomingMessage[]> {
  const out: IncomingMessage[] = [];
  async function* raws() {
    for (const source of run.sources) yield* readSource(source, { variant: run.variant, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  }
  for await (const message of parseAll(raws(), 0)) out.push(message);
  return out;
}

// Deterministic shuffles: a failing order can be replayed from its seed.
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function addCounts(total: IngestCounts, more: IngestCounts): IngestCounts {
  for (const key of Object.keys(total) as (keyof IngestCounts)[]) total[key] += more[key];
  return total;
}

// ---------------------------------------------------------------------------
// Writing

async function newPostgres(): Promise<string> {
  const db = await createTestDatabase("writer");
  databases.push(db);
  await ensurePostgresSchema(db.url, ROOT);
  return db.url;
}

/** What ingest() does with a writer: batches in order, then the series. */
async function writeAll(writer: PostgresArchiveWriter, messages: IncomingMessage[], batchSize: number, list: ListInfo = LIST): Promise<IngestCounts> {
  const counts = emptyCounts();
  const listId = await writer.ensureList(list);
  for (let i = 0; i < messages.length; i += batchSize) await writer.writeBatch(listId, messages.slice(i, i + batchSize), counts, () => {});
  await writer.refreshSeries();
  return counts;
}

async function writePostgres(url: string, messages: IncomingMessage[], batchSize: number, list: ListInfo = LIST): Promise<IngestCounts> {
  const writer = new PostgresArchiveWriter(url);
  try {
    return await writeAll(writer, messages, batchSize, list);
  } finally {
    await writer.close();
  }
}

/** The same messages through SQLite's own writer, batch for batch. */
async function writeSqlite(messages: IncomingMessage[], batchSize: number, label: string): Promise<{ file: string; counts: IngestCounts }> {
  const file = path.join(TMP, `${label.replace(/\W+/g, "-")}.db`);
  ensureSchema(file, ROOT);
  const writer = new SqliteArchiveWriter(file);
  try {
    const counts = emptyCounts();
    const listId = await writer.ensureList(LIST);
    for (let i = 0; i < messages.length; i += batchSize) await writer.writeBatch(listId, messages.slice(i, i + batchSize), counts, () => {});
    await writer.refreshSeries();
    return { file, counts };
  } finally {
    await writer.close();
  }
}

/**
 * A pool whose clients ask `hook` about every statement they send: null lets
 * it go, a promise holds it until it resolves, or fails it if it rejects.
 */
function hookedPool(url: string, hook: (sql: string) => Promise<void> | null): pg.Pool {
  const pool = openPool(url, { max: 1 });
  const patched = new WeakSet<object>();
  const patch = (client: pg.PoolClient) => {
    if (patched.has(client)) return client;
    patched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) => {
      const held = typeof args[0] === "string" ? hook(args[0]) : null;
      return held === null ? query(...args) : held.then(() => query(...args));
    };
    return client;
  };
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
  (pool as unknown as { connect: (callback?: unknown) => Promise<pg.PoolClient> | void }).connect = (callback?: unknown) => {
    // pool.query() connects with a callback: left as it is.
    if (callback !== undefined) return void connect(callback);
    return connect().then(patch);
  };
  return pool;
}

/**
 * A pool whose clients fail the next statement containing `marker` once
 * arm() is called: a batch that breaks half-way, as a lost connection or a
 * server error would break it.
 */
function failingPool(url: string, marker: string): { pool: pg.Pool; arm: () => void } {
  let armed = false;
  const pool = hookedPool(url, (sql) => {
    if (!armed || !sql.includes(marker)) return null;
    armed = false;
    return Promise.reject(new Error("injected failure"));
  });
  return { pool, arm: () => (armed = true) };
}

/** A pool whose clients hold their COMMITs until release(): a batch with all its rows written, not yet visible. */
function commitHoldingPool(url: string): { pool: pg.Pool; holding: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const holding = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const pool = hookedPool(url, (sql) => {
    if (sql !== "COMMIT") return null;
    reached();
    return released;
  });
  return { pool, holding, release };
}

// ---------------------------------------------------------------------------
// The canonical dump, from either store. Text is compared as PostgreSQL can
// hold it (U+0000 becomes U+FFFD: see pgText), dates as ISO strings,
// booleans as booleans.

type Row = Record<string, unknown>;

interface Tables {
  lists: Row[];
  messages: Row[];
  mails: Row[];
  threads: Row[];
  refs: Row[];
  guardedRefs: Row[];
  attachments: Row[];
  patchMails: Row[];
  trailers: Row[];
  series: Row[];
  versions: Row[];
  patches: Row[];
  dirty: number;
}

const BOOLEAN_COLUMNS = new Set(["hasPatch", "mergeGuarded", "rfc", "resend", "isPullRequest", "superseded"]);
const DATE_COLUMNS = new Set(["date", "lastDate", "firstDate"]);

function normalize(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null) out[key] = null;
    else if (BOOLEAN_COLUMNS.has(key)) out[key] = value === true || value === 1;
    else if (DATE_COLUMNS.has(key)) out[key] = new Date(value instanceof Date ? value : String(value)).toISOString();
    // SQLite stores a lone surrogate as its WTF-8 bytes, read back as three
    // U+FFFD; PostgreSQL (UTF-8 only) as one: runs compare as one.
    else if (typeof value === "string") out[key] = value.replaceAll("\0", "\uFFFD").replace(/\uFFFD+/g, "\uFFFD");
    else out[key] = value;
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonical(t: Tables) {
  const messages = t.messages.map(normalize);
  const members = new Map<number, string[]>();
  for (const m of messages) members.set(m.threadId as number, [...(members.get(m.threadId as number) ?? []), m.messageId as string]);
  const threadKey = (id: number) => [...new Set(members.get(id) ?? [`<empty thread ${id}>`])].sort(cmp).join(" ");
  const hashOf = new Map(messages.map((m) => [m.id as number, m.rawHash as string]));
  const versionKey = new Map(t.versions.map((v) => [v.id as number, `${hashOf.get(v.rootMessageId as number)} ${v.position}`]));
  const threadIds = new Set(t.threads.map((r) => r.id as number));
  const byJson = (a: unknown, b: unknown) => cmp(JSON.stringify(a), JSON.stringify(b));
  const versions = t.versions.map(normalize);
  return {
    lists: t.lists.map(normalize),
    mails: t.mails.map((r) => `${r.rawHash} ${r.size}`).sort(cmp),
    messages: messages
      .map(({ id: _id, listId: _list, threadId, raw, bodyText, ...rest }): Row => {
        assert.equal(sha256(raw as Buffer), rest.rawHash, `raw of ${String(rest.messageId)} matches its hash`);
        return { ...rest, bodyText: sha256(bodyText as string), thread: threadKey(threadId as number) };
      })
      .sort((a, b) => cmp(`${a.messageId} ${a.rawHash}`, `${b.messageId} ${b.rawHash}`)),
    threads: t.threads
      .map(normalize)
      .map(({ id, listId: _list, ...rest }) => ({
        ...rest,
        members: threadKey(id as number),
        refs: t.refs.filter((r) => r.threadId === id).map((r) => normalize(r).mid as string).sort(cmp),
      }))
      .sort((a, b) => cmp(a.members, b.members)),
    orphanRefs: t.refs.filter((r) => !threadIds.has(r.threadId as number)).length,
    guardedRefs: t.guardedRefs.map((r) => `${hashOf.get(r.messageId as number)} ${normalize(r).mid}`).sort(cmp),
    attachments: t.attachments
      .map(normalize)
      .map(({ id: _id, content, ...rest }) => ({ ...rest, content: content === null ? null : sha256(content as Buffer) }))
      .sort(byJson),
    patchMails: t.patchMails
      .map(normalize)
      .map(({ messageId, listId: _list, versionId, ...rest }) => ({
        ...rest, message: hashOf.get(messageId as number), version: versionId === null ? null : versionKey.get(versionId as number),
      }))
      .sort(byJson),
    trailers: t.trailers.map(normalize).map(({ messageId, ...rest }) => ({ ...rest, message: hashOf.get(messageId as number) })).sort(byJson),
    series: t.series
      .map(normalize)
      .map(({ id, listId: _list, latestVersionId, ...rest }) => ({
        ...rest,
        latest: versionKey.get(latestVersionId as number),
        versions: versions
          .filter((v) => v.seriesId === id)
          .sort((a, b) => (a.position as number) - (b.position as number))
          .map(({ id: versionId, seriesId: _s, listId: _l, rootMessageId, coverMessageId, ...v }) => ({
            ...v,
            root: hashOf.get(rootMessageId as number),
            cover: coverMessageId === null ? null : hashOf.get(coverMessageId as number),
            patches: t.patches
              .filter((p) => p.versionId === versionId)
              .sort((a, b) => (a.counter as number) - (b.counter as number))
              .map(({ versionId: _v, messageId, ...p }) => ({ ...p, message: hashOf.get(messageId as number) })),
          })),
      }))
      .sort(byJson),
    versionCount: t.versions.length,
    patchCount: t.patches.length,
    dirty: t.dirty,
  };
}

type Dump = ReturnType<typeof canonical>;

/**
 * What does not depend on arrival order, in either store: everything but
 * which of two variants (one Message-ID, one date, different bytes) a series
 * shows, which groupSeries decides by row id, that is by arrival. Series name
 * their mails by Message-ID here, and patch mails lose their version.
 */
function orderFree(dump: Dump) {
  const midOf = new Map(dump.messages.map((m) => [m.rawHash as string, m.messageId as string]));
  const byMid = (key: unknown) => (typeof key === "string" ? (midOf.get(key.split(" ")[0]!) ?? key) + key.slice(key.split(" ")[0]!.length) : key);
  const series = dump.series.map((s) => ({
    ...s,
    latest: byMid(s.latest),
    versions: s.versions.map((v) => ({ ...v, root: byMid(v.root), cover: byMid(v.cover), patches: v.patches.map((p) => ({ ...p, message: byMid(p.message) })) })),
  }));
  return {
    ...dump,
    patchMails: dump.patchMails.map(({ version: _v, ...rest }) => rest),
    series: series.sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b))),
  };
}

// A message's bytes, text and attachments as it reads them: through its Mail.
const TABLE_SQL = {
  lists: `SELECT name, address, description, "messageCount", "lastDate" FROM "List" ORDER BY name`,
  messages: `SELECT m.id, m."listId", m."messageId", m."rawHash", m.subject, m."fromName", m."fromAddr", m."toAddrs", m."ccAddrs", m.date,
                    m."inReplyTo", m."references", m."threadId", ma."bodyText", m."hasPatch", ma.raw, ma.size, m."mergeGuarded"
               FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId"`,
  mails: `SELECT "rawHash", size FROM "Mail"`,
  threads: `SELECT id, "listId", "rootMid", subject, "fromName", "messageCount", "firstDate", "lastDate" FROM "Thread"`,
  refs: `SELECT mid, "threadId" FROM "ThreadRef"`,
  guardedRefs: `SELECT "messageId", mid FROM "GuardedRef"`,
  attachments: `SELECT a.id, ma."rawHash" AS mail, a.position, a.filename, a."contentType", a.size, a.content
                  FROM "Attachment" a JOIN "Mail" ma ON ma.id = a."mailId"`,
  patchMails: `SELECT "messageId", "listId", revision, counter, total, rfc, resend, "isPullRequest", prefixes, "normalizedTitle", "changeId", "versionId" FROM "PatchMail"`,
  trailers: `SELECT "messageId", position, name, value FROM "ReplyTrailer"`,
  series: `SELECT id, "listId", "latestVersionId", "versionCount", "firstDate", "lastDate" FROM "Series"`,
  versions: `SELECT id, "seriesId", "listId", position, revision, total, present, "rootMessageId", "rootMid", "coverMessageId", title, "fromAddr",
                    date, "lastDate", "replyCount", rfc, resend, "isPullRequest", superseded FROM "SeriesVersion"`,
  patches: `SELECT "versionId", counter, "messageId", reviewed, acked, tested FROM "SeriesPatch"`,
} as const;

function sqliteDump(file: string): Dump {
  const db = new Database(file, { readonly: true });
  try {
    // SQLite's schema has the same quoted camelCase names, unquoted in its own SQL.
    const tables = Object.fromEntries(Object.entries(TABLE_SQL).map(([key, sql]) => [key, db.prepare(sql).all() as Row[]])) as Omit<Tables, "dirty">;
    const dirty = (db.prepare(`SELECT count(*) AS n FROM "SeriesDirty"`).get() as { n: number }).n;
    return canonical({ ...tables, dirty });
  } finally {
    db.close();
  }
}

/**
 * Leaves only `list`'s rows, and the mails they hold, for the rest of the
 * transaction: a dump of one list of several.
 */
async function keepOnlyList(client: pg.Client, list: string): Promise<void> {
  const [kept] = (await client.query<{ id: number }>(`SELECT id FROM "List" WHERE name = $1`, [list])).rows;
  assert.ok(kept, `list ${list}`);
  // Deleting a series or a message takes what hangs off it (versions and patches; guarded refs, patch mails, trailers).
  for (const sql of [
    `DELETE FROM "Series" WHERE "listId" <> $1`,
    `DELETE FROM "Message" WHERE "listId" <> $1`,
    `DELETE FROM "SeriesDirty" WHERE "threadId" IN (SELECT id FROM "Thread" WHERE "listId" <> $1)`,
    `DELETE FROM "Thread" WHERE "listId" <> $1`,
    `DELETE FROM "List" WHERE id <> $1`,
  ]) await client.query(sql, [kept.id]);
  await client.query(`DELETE FROM "Mail" ma WHERE NOT EXISTS (SELECT 1 FROM "Message" m WHERE m."mailId" = ma.id)`);
}

/** The whole store's dump, or with `list` only that list's (its rows and the mails they hold). */
async function postgresDump(url: string, list?: string): Promise<Dump> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (list !== undefined) {
      await client.query("BEGIN");
      await keepOnlyList(client, list);
    }
    const tables: Partial<Tables> = {};
    for (const [key, sql] of Object.entries(TABLE_SQL)) (tables as Record<string, Row[]>)[key] = (await client.query(sql)).rows as Row[];
    tables.dirty = Number((await client.query(`SELECT count(*) AS n FROM "SeriesDirty"`)).rows[0].n);
    // Every stored message is searchable: its vector is buildSearchVector of its stored fields.
    const fields = (
      await client.query(`SELECT m.id, m.subject, m."fromName", m."fromAddr", m."toAddrs", m."ccAddrs", ma."bodyText", m.date FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId"`)
    ).rows as (SearchFields & { id: number })[];
    const wrong = await client.query(
      `SELECT m."messageId" FROM "Message" m JOIN unnest($1::int[], $2::text[]) AS x(id, v) ON x.id = m.id WHERE m.fts IS DISTINCT FROM x.v::tsvector`,
      [fields.map((f) => f.id), fields.map((f) => buildSearchVector(f))],
    );
    assert.deepEqual(wrong.rows, [], "messages whose search vector is not that of their fields");
    return canonical(tables as Tables);
  } finally {
    if (list !== undefined) await client.query("ROLLBACK");
    await client.end();
  }
}

/** deepEqual for dumps, failing with the first differing row of each table rather than a diff of thousands. */
function assertSameDump<T extends object>(actual: T, expected: T, label: string): void {
  const problems: string[] = [];
  const short = (row: unknown) => JSON.stringify(row, (_k, v) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 200)}…` : v));
  for (const key of Object.keys(expected) as (keyof T)[]) {
    const a = actual[key] as unknown;
    const e = expected[key] as unknown;
    if (!Array.isArray(a) || !Array.isArray(e)) {
      if (JSON.stringify(a) !== JSON.stringify(e)) problems.push(`${String(key)}: ${short(a)} != expected ${short(e)}`);
      continue;
    }
    if (a.length !== e.length) problems.push(`${String(key)}: ${a.length} rows, expected ${e.length}`);
    const i = a.findIndex((row, n) => JSON.stringify(row) !== JSON.stringify(e[n]));
    if (i !== -1) problems.push(`${String(key)}[${i}]: ${short(a[i])}\n  expected ${short(e[i])}`);
  }
  if (problems.length > 0) assert.fail(`${label} differs:\n${problems.join("\n")}`);
  assert.deepEqual(actual, expected, label);
}

// ---------------------------------------------------------------------------

describe("PostgreSQL writer", { skip: skipWithoutPostgres }, () => {
  let runs: Run[];
  let messagesByRun: IncomingMessage[][];
  let all: IncomingMessage[];
  let reference: Dump;
  let referenceCounts: IngestCounts;

  before(async () => {
    runs = await inputs();
    messagesByRun = [];
    for (const run of runs) messagesByRun.push(await parsed(run));
    all = messagesByRun.flat();
    const file = path.join(TMP, "reference.db");
    ensureSchema(file, ROOT);
    referenceCounts = emptyCounts();
    for (const run of runs) addCounts(referenceCounts, await ingest({ dbFile: file, list: LIST, sources: run.sources, variant: run.variant, workers: 0 }));
    reference = sqliteDump(file);
  });

  test("the same runs as SQLite's ingest() give the same archive and counts", async () => {
    const url = await newPostgres();
    const counts = emptyCounts();
    for (const messages of messagesByRun) addCounts(counts, await writePostgres(url, messages, 1000));
    assert.deepEqual(counts, referenceCounts);
    const dump = await postgresDump(url);
    assertSameDump(dump, reference, "PostgreSQL vs SQLite");
    // What the inputs are there for: check they are exercised.
    assert.ok(reference.messages.some((m) => m.mergeGuarded), "some message is guarded");
    assert.ok(reference.attachments.length >= 2, "attachments");
    assert.ok(reference.series.length >= 10, `${reference.series.length} series`);
    assert.ok(referenceCounts.variant > 0 && referenceCounts.duplicate > 0 && referenceCounts.repaired > 0, JSON.stringify(referenceCounts));
    assert.equal(dump.dirty, 0);
    assert.equal(dump.orphanRefs, 0);
  });

  test("reversed, and shuffled in small batches: the same archive as SQLite's writer in that order, the same threads as in file order", async () => {
    for (const [label, messages, batchSize] of [
      ["reversed", [...all].reverse(), 1000],
      ["shuffle seed 7, batches of 7", shuffled(all, 7), 7],
      ["shuffle seed 8, batches of 50", shuffled(all, 8), 50],
    ] as const) {
      const url = await newPostgres();
      const counts = await writePostgres(url, messages, batchSize);
      const sqlite = await writeSqlite(messages, batchSize, label);
      assert.deepEqual(counts, sqlite.counts, label);
      assert.deepEqual(counts, referenceCounts, label);
      const dump = await postgresDump(url);
      assertSameDump(dump, sqliteDump(sqlite.file), `${label}: PostgreSQL vs SQLite`);
      assertSameDump(orderFree(dump), orderFree(reference), `${label}: vs file order`);
    }
  });

  test("a batch that fails half-way leaves nothing of itself; the run then resumes to the same archive", async () => {
    const url = await newPostgres();
    // Fails the batch's last statement but one (the thread summaries): by
    // then its threads, merges, messages, refs and attachments are written.
    const { pool, arm } = failingPool(url, `UPDATE "Thread" t SET`);
    const writer = new PostgresArchiveWriter(pool);
    try {
      const listId = await writer.ensureList(LIST);
      const counts = emptyCounts();
      const batches: IncomingMessage[][] = [];
      for (let i = 0; i < all.length; i += 200) batches.push(all.slice(i, i + 200));
      await writer.writeBatch(listId, batches[0]!, counts, () => {});
      const before = await postgresDump(url);
      const countsBefore = { ...counts };
      arm();
      const failures: string[] = [];
      await assert.rejects(writer.writeBatch(listId, batches[1]!, counts, (position) => failures.push(position)), /injected failure/);
      assert.deepEqual(counts, countsBefore, "a failed batch counts nothing");
      assert.deepEqual(failures, [], "and reports nothing");
      assertSameDump(await postgresDump(url), before, "after the failed batch");
      // The writer goes on: the same batch again, then the rest.
      for (const batch of batches.slice(1)) await writer.writeBatch(listId, batch, counts, () => {});
      await writer.refreshSeries();
      assert.deepEqual(counts, referenceCounts);
    } finally {
      await writer.close();
      await pool.end();
    }
    assertSameDump(await postgresDump(url), reference, "resumed after the failure");
  });

  test("write-behind (pipeline): the same archive; a failed batch throws from the next call and leaves nothing", async () => {
    const url = await newPostgres();
    const { pool, arm } = failingPool(url, `UPDATE "Thread" t SET`);
    const writer = new PostgresArchiveWriter(pool, undefined, { pipeline: true });
    try {
      const listId = await writer.ensureList(LIST);
      const counts = emptyCounts();
      const batches: IncomingMessage[][] = [];
      for (let i = 0; i < all.length; i += 150) batches.push(all.slice(i, i + 150));
      const told = () => counts.added + counts.duplicate + counts.failed;
      await writer.writeBatch(listId, batches[0]!, counts, () => {});
      await writer.writeBatch(listId, batches[1]!, counts, () => {});
      assert.equal(told(), 150, "a batch is told once it commits: the first one is, once the second starts");
      while (told() < 300) await new Promise((resolve) => setTimeout(resolve, 5));
      arm(); // batch 3 fails behind the caller's back...
      await writer.writeBatch(listId, batches[2]!, counts, () => {});
      await assert.rejects(writer.writeBatch(listId, batches[3]!, counts, () => {}), /injected failure/, "...and the next call says so");
      assert.equal(counts.added + counts.duplicate + counts.failed, 300);
      // Batch 4 was refused before it started: the run resumes from batch 3.
      for (const batch of batches.slice(2)) await writer.writeBatch(listId, batch, counts, () => {});
      await writer.refreshSeries();
      assert.deepEqual(counts, referenceCounts);
    } finally {
      await writer.close();
      await pool.end();
    }
    assertSameDump(await postgresDump(url), reference, "pipeline");
  });

  test("two writers on one list at once end in the archive of one", async () => {
    const url = await newPostgres();
    const waits: string[] = [];
    const one = new PostgresArchiveWriter(url, (message) => waits.push(message));
    const two = new PostgresArchiveWriter(url, (message) => waits.push(message));
    try {
      // Both get every message, in opposite orders, in small batches: each
      // stores what the other has not stored yet and counts the rest as duplicates.
      const [a, b] = await Promise.all([writeAll(one, all, 40), writeAll(two, shuffled(all, 3), 40)]);
      const total = addCounts(addCounts(emptyCounts(), a), b);
      assert.equal(total.added, referenceCounts.added);
      assert.equal(total.failed, 2 * referenceCounts.failed);
      assert.equal(total.added + total.duplicate + total.failed, 2 * all.length);
    } finally {
      await one.close();
      await two.close();
    }
    // Which writer stored which of two same-date variants decides which one a
    // series shows (as arrival order does on SQLite): compared without that.
    assertSameDump(orderFree(await postgresDump(url)), orderFree(reference), "two writers");
  });

  const MIRROR = { name: "mirror", address: "mirror@lists.example.org" };

  /** Each mail once, with its attachments once, every list's copy pointing at it. */
  async function assertStoredOnce(url: string, lists: number): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const [row] = (await client.query(
        `SELECT (SELECT count(*)::int FROM "Mail") AS mails, (SELECT count(*)::int FROM "Message") AS messages, (SELECT count(*)::int FROM "Attachment") AS attachments,
                (SELECT count(*)::int FROM "Mail" ma WHERE (SELECT count(DISTINCT m."listId") FROM "Message" m WHERE m."mailId" = ma.id) <> $1) AS "notInEveryList",
                (SELECT count(*)::int FROM "Message" m JOIN "Mail" ma ON ma.id = m."mailId" WHERE ma."rawHash" <> m."rawHash") AS "wrongMail"`,
        [lists],
      )).rows;
      assert.deepEqual(row, {
        mails: reference.mails.length, messages: lists * reference.messages.length, attachments: reference.attachments.length, notInEveryList: 0, wrongMail: 0,
      });
    } finally {
      await client.end();
    }
  }

  /** A one-list dump is `expected` (a dump of the reference), under the list's own name. */
  function assertSameArchive<T extends { lists: Row[] }>(dump: T, expected: T, list: ListInfo, label: string): void {
    assert.deepEqual(dump.lists, [{ ...expected.lists[0], name: list.name, address: list.address ?? null, description: list.description ?? null }], label);
    assertSameDump({ ...dump, lists: [] }, { ...expected, lists: [] }, label);
  }

  test("a mail in two lists is stored once; each list has it, counted as added, and reads it", async () => {
    const url = await newPostgres();
    const counts = { [LIST.name]: emptyCounts(), [MIRROR.name]: emptyCounts() };
    for (const list of [LIST, MIRROR]) {
      for (const messages of messagesByRun) addCounts(counts[list.name]!, await writePostgres(url, messages, 1000, list));
    }
    // Already stored for the first list is new to the second: added, not a duplicate.
    assert.deepEqual(counts[MIRROR.name], referenceCounts);
    assert.deepEqual(counts[LIST.name], referenceCounts);
    await assertStoredOnce(url, 2);
    assertSameDump(await postgresDump(url, LIST.name), reference, "the first list");
    assertSameArchive(await postgresDump(url, MIRROR.name), reference, MIRROR, "the second list");

    const reader = new PostgresReader(url);
    try {
      const withAttachment = all.find((m) => (m.parsed?.attachments.length ?? 0) > 0)!;
      const mid = withAttachment.parsed!.messageId!;
      const copies = [];
      for (const name of [LIST.name, MIRROR.name]) {
        const list = (await reader.getList(name))!;
        const [view] = await reader.listMessageVariants(list, mid);
        assert.ok(view, `${mid} in ${name}`);
        const attachment = await reader.getAttachment(list.id, mid, 0);
        copies.push({ view, attachment, raw: await reader.getRawById(view.id) });
      }
      const [first, second] = copies as [(typeof copies)[0], (typeof copies)[0]];
      assert.notEqual(first.view.id, second.view.id, "two copies");
      assert.equal(first.view.list, LIST.name);
      assert.equal(second.view.list, MIRROR.name);
      assert.deepEqual(first.raw, withAttachment.raw);
      assert.deepEqual(second.raw, withAttachment.raw);
      assert.equal(second.view.bodyText, first.view.bodyText);
      assert.ok(first.view.attachments.length > 0);
      assert.deepEqual(second.view.attachments, first.view.attachments);
      assert.ok(first.attachment?.content && first.attachment.content.length > 0);
      assert.deepEqual(second.attachment?.content, first.attachment.content);

      // The /all/ thread: both lists' threads of the mail, and each copy once with its list and its (one) mail.
      const threads = await reader.listSpanningThreadIds(first.view.threadId, 10);
      assert.equal(threads[0], first.view.threadId, "the thread asked for first");
      assert.ok(threads.includes(second.view.threadId), "the other list's thread");
      assert.deepEqual(await reader.listSpanningThreadIds(first.view.threadId, 1), [first.view.threadId], "at most `limit`");
      const members = await reader.listSpanningMembers(threads);
      const ofMail = members.filter((m) => m.mid === mid);
      assert.deepEqual(ofMail.map((m) => [m.id, m.list]).sort(), [[first.view.id, LIST.name], [second.view.id, MIRROR.name]].sort());
      assert.equal(ofMail[0]!.mailId, ofMail[1]!.mailId, "one mail");
      assert.equal(members.length, new Set(members.map((m) => m.id)).size);
      for (let i = 1; i < members.length; i++) {
        const [a, b] = [members[i - 1]!, members[i]!];
        assert.ok(a.date.getTime() < b.date.getTime() || (a.date.getTime() === b.date.getTime() && a.id < b.id), "oldest first, then by id");
      }
    } finally {
      await reader.close();
    }
  });

  test("two lists' writers storing the same mail at once: one Mail row, its attachments once, both lists whole", async () => {
    // The first writer's batch is written and holds its COMMIT; the second
    // one's INSERT into "Mail" must then wait for it, find the rows taken,
    // and use them.
    const url = await newPostgres();
    const { pool, holding, release } = commitHoldingPool(url);
    const first = new PostgresArchiveWriter(pool);
    const second = new PostgresArchiveWriter(url);
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    try {
      const counts = [emptyCounts(), emptyCounts()];
      const firstList = await first.ensureList(LIST);
      const secondList = await second.ensureList(MIRROR);
      const firstDone = first.writeBatch(firstList, all, counts[0]!, () => {});
      await holding;
      const secondDone = second.writeBatch(secondList, all, counts[1]!, () => {});
      for (let waited = 0; ; waited += 20) {
        const { rows } = await watcher.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO "Mail"%'`,
        );
        if (rows.length > 0) break;
        assert.ok(waited < 30_000, "the second writer never waited for the first one's mails");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      release();
      await Promise.all([firstDone, secondDone]);
      await first.refreshSeries();
      await second.refreshSeries();
      assert.deepEqual(counts, [referenceCounts, referenceCounts]);
    } finally {
      release();
      await watcher.end();
      await first.close();
      await second.close();
      await pool.end();
    }
    await assertStoredOnce(url, 2);
    assertSameDump(await postgresDump(url, LIST.name), reference, "the first list");
    assertSameArchive(await postgresDump(url, MIRROR.name), reference, MIRROR, "the second list");
  });

  test("two lists' writers racing through the same mail in different orders neither deadlock nor store a mail twice", async () => {
    const url = await newPostgres();
    const one = new PostgresArchiveWriter(url);
    const two = new PostgresArchiveWriter(url);
    try {
      const [a, b] = await Promise.all([writeAll(one, all, 40), writeAll(two, shuffled(all, 3), 40, MIRROR)]);
      assert.deepEqual([a, b], [referenceCounts, referenceCounts]);
    } finally {
      await one.close();
      await two.close();
    }
    await assertStoredOnce(url, 2);
    assertSameDump(await postgresDump(url, LIST.name), reference, "the list in file order");
    assertSameArchive(orderFree(await postgresDump(url, MIRROR.name)), orderFree(reference), MIRROR, "the shuffled list");
  });
});
