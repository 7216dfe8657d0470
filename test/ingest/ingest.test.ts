// Integration tests for the ingest pipeline (lib/ingest/ingest.ts, lib/store/sqlite/archive-writer.ts,
// lib/ingest/mail-sources.ts) and the ingest CLI (scripts/ingest.ts) against a real,
// migrated SQLite store. One template DB is migrated per run (prisma migrate
// deploy, ~2 s) and copied for each case. The CLI is spawned as
// `node --import tsx scripts/ingest.ts` (what `npx tsx` ends up running) so that
// SIGKILL reaches the process that holds the database, not a wrapper.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../lib/generated/prisma/client";
import type { IngestCounts } from "../../lib/store/types";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { ingest, type IngestOptions } from "../../lib/ingest/ingest";
import { formatMboxrd, splitMbox } from "../../lib/mail/mbox";
import { syntheticMid } from "../../lib/mail/mid";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "mbox");
const TINY = path.join(FIXTURES, "tiny-list.mbox");
const SAMPLE = path.join(ROOT, "samples", "linux-integrity-sample.mbox.gz");
const PLACEHOLDER_FROM = "From mboxrd@z Thu Jan  1 00:00:00 1970";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-test-"));
after(() => {
  if (!process.env.KEEP_INGEST_TMP) fs.rmSync(TMP, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Databases

let template: string | null = null;
let dbCounter = 0;

/** A copy of the migrated template: a fresh, empty archive. */
function freshDb(label: string): string {
  if (template === null) {
    const file = path.join(TMP, "template.db");
    ensureSchema(file, ROOT);
    assert.ok(!fs.existsSync(`${file}-wal`), "template must be a single file to copy");
    template = file;
  }
  const file = path.join(TMP, `${String(++dbCounter).padStart(2, "0")}-${label}.db`);
  fs.copyFileSync(template, file);
  return file;
}

function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    return fn(db);
  } finally {
    db.close();
  }
}

async function run(dbFile: string, sources: string[], options: Partial<IngestOptions> = {}): Promise<IngestCounts> {
  return ingest({ dbFile, list: { name: "test" }, sources, workers: 0, ...options });
}

const sha256 = (data: Buffer | Uint8Array) => createHash("sha256").update(data).digest("hex");

interface MessageRow {
  id: number;
  messageId: string;
  rawHash: string;
  threadId: number;
  date: string;
  raw: Buffer;
}

function messages(file: string): MessageRow[] {
  return withDb(file, (db) =>
    db.prepare(
      `SELECT m.id, m.messageId, m.rawHash, m.threadId, m.date, mail.raw FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId ORDER BY m.id`,
    ).all() as MessageRow[],
  );
}

function ftsCheck(db: Database.Database): void {
  // Throws SQLITE_CORRUPT_VTAB if the index disagrees with the "Message" rows.
  db.prepare(`INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)`).run();
}

/**
 * Everything ingest stores, with database ids replaced by content (threads are
 * named by their sorted member Message-IDs), so archives built in different
 * orders or runs compare equal exactly when they hold the same data.
 */
function canonicalDump(file: string) {
  return withDb(file, (db) => {
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    ftsCheck(db);
    const rows = db.prepare(`SELECT m.*, mail.bodyText, mail.raw, mail.size FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId`)
      .all() as Array<Record<string, unknown> & MessageRow & { mailId: number }>;
    const members = new Map<number, string[]>();
    for (const row of rows) members.set(row.threadId, [...(members.get(row.threadId) ?? []), row.messageId]);
    const threadKey = new Map<number, string>();
    for (const [id, mids] of members) threadKey.set(id, [...new Set(mids)].sort().join(" "));
    const keyOf = (threadId: number) => threadKey.get(threadId) ?? `<empty thread ${threadId}>`;

    const messageList = rows
      .map(({ id: _id, listId: _list, mailId: _mail, threadId, raw, ...rest }) => {
        assert.equal(sha256(raw), rest.rawHash, `rawHash of ${rest.messageId}`);
        return { ...rest, thread: keyOf(threadId) };
      })
      .sort((a, b) => cmp(`${a.messageId} ${a.rawHash}`, `${b.messageId} ${b.rawHash}`));

    const refs = db.prepare(`SELECT mid, threadId FROM "ThreadRef"`).all() as Array<{ mid: string; threadId: number }>;
    const threadRows = db.prepare(
      `SELECT id, rootMid, subject, fromName, messageCount, firstDate, lastDate FROM "Thread"`,
    ).all() as Array<{
      id: number;
      rootMid: string;
      subject: string;
      fromName: string;
      messageCount: number;
      firstDate: string | null;
      lastDate: string | null;
    }>;
    const threads = threadRows
      .map(({ id, ...rest }) => ({
        ...rest,
        members: keyOf(id),
        refs: refs.filter((r) => r.threadId === id).map((r) => r.mid).sort(),
      }))
      .sort((a, b) => cmp(a.members, b.members));
    const threadIds = new Set(threadRows.map((t) => t.id));
    const orphanRefs = refs.filter((r) => !threadIds.has(r.threadId)).length;

    const hashById = new Map(rows.map((r) => [r.id, r.rawHash]));
    const hashByMail = new Map(rows.map((r) => [r.mailId, r.rawHash]));
    const attachments = (db.prepare(`SELECT mailId, position, filename, contentType, size FROM "Attachment"`).all() as Array<{
      mailId: number;
      position: number;
      filename: string | null;
      contentType: string;
      size: number;
    }>)
      .map(({ mailId, ...rest }) => ({ ...rest, message: hashByMail.get(mailId) }))
      .sort((a, b) => cmp(`${a.message} ${a.position}`, `${b.message} ${b.position}`));

    const lists = db.prepare(`SELECT name, address, description, messageCount, lastDate FROM "List" ORDER BY name`).all();
    const ftsRows = (db.prepare(`SELECT count(*) AS n FROM message_fts_docsize`).get() as { n: number }).n;
    const guardedRefs = (db.prepare(`SELECT messageId, mid FROM "GuardedRef"`).all() as Array<{ messageId: number; mid: string }>)
      .map(({ messageId, mid }) => `${hashById.get(messageId)} ${mid}`)
      .sort();
    return { messages: messageList, threads, attachments, lists, ftsRows, orphanRefs, guardedRefs };
  });
}

/** Every row of every table by primary key, ids included (raw as its hash). */
function exactDump(file: string) {
  return withDb(file, (db) => {
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    ftsCheck(db);
    const all = (sql: string) => db.prepare(sql).all();
    return {
      lists: all(`SELECT * FROM "List" ORDER BY id`),
      messages: all(`SELECT * FROM "Message" ORDER BY id`),
      mails: (all(`SELECT * FROM "Mail" ORDER BY id`) as Array<Record<string, unknown> & { raw: Buffer }>)
        .map(({ raw, ...rest }) => ({ ...rest, raw: sha256(raw) })),
      threads: all(`SELECT * FROM "Thread" ORDER BY id`),
      refs: all(`SELECT * FROM "ThreadRef" ORDER BY listId, mid`),
      guardedRefs: all(`SELECT * FROM "GuardedRef" ORDER BY messageId, mid`),
      attachments: all(`SELECT * FROM "Attachment" ORDER BY id`),
      fts: all(`SELECT * FROM message_fts_docsize ORDER BY id`),
      sequences: all(`SELECT * FROM sqlite_sequence ORDER BY name`),
    };
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * deepEqual for dumps, failing with the first differing row of each table
 * rather than a diff of thousands of rows.
 */
function assertSameDump<T extends Record<string, unknown>>(actual: T, expected: T, label = "archive"): void {
  const problems: string[] = [];
  const short = (row: unknown) => JSON.stringify(row, (_k, v) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 200)}…` : v));
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const a = actual[key];
    const e = expected[key];
    if (!Array.isArray(a) || !Array.isArray(e)) {
      if (JSON.stringify(a) !== JSON.stringify(e)) problems.push(`${key}: ${short(a)} != expected ${short(e)}`);
      continue;
    }
    if (a.length !== e.length) problems.push(`${key}: ${a.length} rows, expected ${e.length}`);
    const i = a.findIndex((row, n) => JSON.stringify(row) !== JSON.stringify(e[n]));
    if (i !== -1) problems.push(`${key}[${i}]: ${short(a[i])}\n  expected ${short(e[i])}`);
  }
  if (problems.length > 0) assert.fail(`${label} differs:\n${problems.join("\n")}`);
  assert.deepEqual(actual, expected, label); // same data; also catches what JSON cannot show
}

// ---------------------------------------------------------------------------
// Mail and mbox building

interface MailSpec {
  mid?: string | null;
  subject?: string;
  from?: string;
  date?: string | null;
  inReplyTo?: string;
  references?: string[];
  body?: string;
  extraHeaders?: string[];
  eol?: "\n" | "\r\n";
}

function mail(spec: MailSpec): Buffer {
  const headers = [
    `From: ${spec.from ?? "Test Sender <sender@example.org>"}`,
    `To: test@example.org`,
    `Subject: ${spec.subject ?? `message ${spec.mid ?? "without id"}`}`,
  ];
  if (spec.date !== null) headers.push(`Date: ${spec.date ?? "Mon, 01 Jan 2024 00:00:00 +0000"}`);
  if (spec.mid !== null) headers.push(`Message-ID: <${spec.mid ?? "x@example.org"}>`);
  if (spec.inReplyTo) headers.push(`In-Reply-To: <${spec.inReplyTo}>`);
  if (spec.references?.length) headers.push(`References: ${spec.references.map((r) => `<${r}>`).join(" ")}`);
  headers.push(...(spec.extraHeaders ?? []));
  const eol = spec.eol ?? "\n";
  const body = (spec.body ?? `Body of ${spec.mid ?? "a message"}.\n`).replace(/\n/g, eol);
  return Buffer.from(headers.join(eol) + eol + eol + body, "utf8");
}

interface MboxEntry {
  raw: Buffer;
  fromLine?: string;
}

/** mboxrd, written with lib/mbox's formatMboxrd; each entry may keep its own From_ line. */
function mbox(entries: Array<Buffer | MboxEntry>): Buffer {
  return Buffer.concat(
    entries.map((entry) => {
      const { raw, fromLine } = Buffer.isBuffer(entry) ? { raw: entry, fromLine: undefined } : entry;
      const formatted = formatMboxrd(raw);
      if (fromLine === undefined) return formatted;
      return Buffer.concat([Buffer.from(`${fromLine}\n`, "latin1"), formatted.subarray(PLACEHOLDER_FROM.length + 1)]);
    }),
  );
}

function writeFile(name: string, data: Buffer | string): string {
  const file = path.join(TMP, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

async function readMbox(data: Buffer): Promise<MboxEntry[]> {
  const out: MboxEntry[] = [];
  async function* once() {
    yield data;
  }
  for await (const m of splitMbox(once())) out.push({ raw: m.raw, fromLine: m.fromLine });
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

// ---------------------------------------------------------------------------
// CLI

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cliEnv(dbFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: `file:${dbFile}` };
  delete env.NODE_TEST_CONTEXT; // the CLI is not a test child
  return env;
}

// A failed assertion must not leave a CLI running (and writing) behind.
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill("SIGKILL");
});

function spawnCli(args: string[], dbFile: string) {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "ingest.ts"), ...args], {
    cwd: ROOT,
    env: cliEnv(dbFile),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  running.add(child);
  return { child, done };
}

async function runCli(args: string[], dbFile: string, input?: Buffer): Promise<CliResult> {
  const { child, done } = spawnCli(args, dbFile);
  child.stdin.on("error", () => {}); // the CLI may exit before reading (usage errors)
  child.stdin.end(input);
  return done;
}

const SUMMARY = /^ingest: added (\d+), duplicate (\d+), variant (\d+), repaired (\d+), failed (\d+) in \d+\.\d s$/m;

function summaryOf(result: CliResult): IngestCounts {
  const m = SUMMARY.exec(result.stdout);
  assert.ok(m, `no summary line in stdout: ${JSON.stringify(result.stdout)} (stderr ${JSON.stringify(result.stderr)})`);
  const [added, duplicate, variant, repaired, failed] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { added, duplicate, variant, repaired, failed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// 1. Idempotence

describe("idempotence", () => {
  test("ingesting the same files twice adds nothing the second time and changes no row", async () => {
    const db = freshDb("idempotent");
    const first = await run(db, [TINY, SAMPLE]);
    // tiny-list.mbox: 20 messages, one an exact copy, one a variant, one
    // without Message-ID and one without Date (both "repaired").
    assert.deepEqual(first, { added: 19 + 439, duplicate: 1, variant: 1 + 6, repaired: 2, failed: 0 });
    const before = canonicalDump(db);
    const beforeExact = exactDump(db);
    assert.equal(before.messages.length, 458);
    assert.equal(before.ftsRows, before.messages.length);
    assert.equal(before.orphanRefs, 0);
    assert.ok(before.attachments.length >= 2, "the fixture's attachments are recorded");

    const second = await run(db, [TINY, SAMPLE]);
    assert.deepEqual(second, { added: 0, duplicate: 20 + 439, variant: 0, repaired: 0, failed: 0 });
    assertSameDump(canonicalDump(db), before);
    assertSameDump(exactDump(db), beforeExact);
  });
});

// ---------------------------------------------------------------------------
// 2. Byte-exactness

describe("byte-exactness", () => {
  test("every stored raw equals the original bytes, >From quoting undone", async () => {
    // Written by hand (not with formatMboxrd) so that the mbox code is checked
    // against an independent idea of mboxrd.
    const originals = [
      "Message-ID: <q1@example.org>\nSubject: from lines\nDate: Mon, 01 Jan 2024 00:00:00 +0000\n\n" +
        "From the start of a line\n>From once quoted\n>>From twice quoted\n>>>From three times\n" +
        "Not From at the start\n From with a space\n>Fromage is not a From line\n",
      "Message-ID: <q2@example.org>\r\nSubject: CRLF mail\r\nDate: Mon, 01 Jan 2024 00:01:00 +0000\r\n\r\n" +
        "line one\r\nFrom a CRLF line\r\n>From quoted CRLF\r\n\r\n",
      "Message-ID: <q3@example.org>\nSubject: latin-1 bytes\nDate: Mon, 01 Jan 2024 00:02:00 +0000\n" +
        "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe, caf\xe9 \xff\x00\x01\n",
      "Message-ID: <q4@example.org>\nSubject: ends in blank lines\nDate: Mon, 01 Jan 2024 00:03:00 +0000\n\nbody\n\n\n",
      "Message-ID: <q5@example.org>\nSubject: looks like a separator\nDate: Mon, 01 Jan 2024 00:04:00 +0000\n\n" +
        "text\n\nFrom jdoe@example.org Mon Apr 29 15:31:04 2019\nmore text\n",
    ].map((s) => Buffer.from(s, "latin1"));
    const file =
      `${PLACEHOLDER_FROM}\n` +
      "Message-ID: <q1@example.org>\nSubject: from lines\nDate: Mon, 01 Jan 2024 00:00:00 +0000\n\n" +
      ">From the start of a line\n>>From once quoted\n>>>From twice quoted\n>>>>From three times\n" +
      "Not From at the start\n From with a space\n>Fromage is not a From line\n\n" +
      `${PLACEHOLDER_FROM}\n` +
      "Message-ID: <q2@example.org>\r\nSubject: CRLF mail\r\nDate: Mon, 01 Jan 2024 00:01:00 +0000\r\n\r\n" +
      "line one\r\n>From a CRLF line\r\n>>From quoted CRLF\r\n\r\n\n" +
      "From someone@example.org Mon Jan  1 00:02:00 2024\n" +
      "Message-ID: <q3@example.org>\nSubject: latin-1 bytes\nDate: Mon, 01 Jan 2024 00:02:00 +0000\n" +
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe, caf\xe9 \xff\x00\x01\n\n" +
      `${PLACEHOLDER_FROM}\n` +
      "Message-ID: <q4@example.org>\nSubject: ends in blank lines\nDate: Mon, 01 Jan 2024 00:03:00 +0000\n\nbody\n\n\n\n" +
      `${PLACEHOLDER_FROM}\n` +
      "Message-ID: <q5@example.org>\nSubject: looks like a separator\nDate: Mon, 01 Jan 2024 00:04:00 +0000\n\n" +
      "text\n\n>From jdoe@example.org Mon Apr 29 15:31:04 2019\nmore text\n";
    const db = freshDb("bytes");
    const counts = await run(db, [writeFile("bytes.mbox", Buffer.from(file, "latin1"))]);
    assert.deepEqual(counts, { added: 5, duplicate: 0, variant: 0, repaired: 0, failed: 0 });
    const stored = messages(db);
    assert.deepEqual(stored.map((m) => m.messageId), ["q1", "q2", "q3", "q4", "q5"].map((q) => `${q}@example.org`));
    stored.forEach((m, i) => {
      assert.equal(m.raw.toString("latin1"), originals[i]!.toString("latin1"), `raw of ${m.messageId}`);
      assert.ok(m.raw.equals(originals[i]!));
      assert.equal(m.rawHash, sha256(originals[i]!));
    });
  });

  test("the real sample round-trips: formatMboxrd over the stored raws rebuilds the file byte for byte", async () => {
    const db = freshDb("sample-bytes");
    const counts = await run(db, [SAMPLE]);
    assert.equal(counts.added, 439);
    const rebuilt = Buffer.concat(messages(db).map((m) => formatMboxrd(m.raw)));
    const original = zlib.gunzipSync(fs.readFileSync(SAMPLE));
    assert.equal(rebuilt.length, original.length);
    assert.ok(rebuilt.equals(original), "stored messages differ from the sample's bytes");
  });

  test("the fixture's >From lines are stored un-quoted", async () => {
    const db = freshDb("fixture-bytes");
    await run(db, [TINY]);
    const a3 = messages(db).find((m) => m.messageId === "a3@example.net");
    assert.ok(a3);
    const text = a3.raw.toString("latin1");
    assert.match(text, /\n\nFrom the numbers I see a 2x speed-up\.\n>From a quoted line, quoted once more/);
    assert.doesNotMatch(text, /\n>>From /);
  });
});

// ---------------------------------------------------------------------------
// 3. Variants and duplicates

describe("variants", () => {
  test("a different message with a seen Message-ID is kept; the same bytes again are a duplicate", async () => {
    const v1 = mail({ mid: "v@example.org", subject: "first", body: "first body\n" });
    const v2 = mail({ mid: "v@example.org", subject: "first", body: "edited and re-sent body\n" });
    const other = mail({ mid: "w@example.org", inReplyTo: "v@example.org", references: ["v@example.org"] });
    const db = freshDb("variants");
    const counts = await run(db, [writeFile("variants.mbox", mbox([v1, other, v2, v1]))]);
    assert.deepEqual(counts, { added: 3, duplicate: 1, variant: 1, repaired: 0, failed: 0 });
    const rows = messages(db).filter((m) => m.messageId === "v@example.org");
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => r.raw.toString()).sort(), [v1.toString(), v2.toString()].sort());
    assert.equal(new Set(messages(db).map((m) => m.threadId)).size, 1, "variants share their thread");

    // In a later run: the duplicate of a variant is a duplicate, a third version is a variant.
    const v3 = mail({ mid: "v@example.org", subject: "first", body: "third version\n" });
    const again = await run(db, [writeFile("variants-2.mbox", mbox([v2, v3]))]);
    assert.deepEqual(again, { added: 1, duplicate: 1, variant: 1, repaired: 0, failed: 0 });
    assert.equal(messages(db).filter((m) => m.messageId === "v@example.org").length, 3);
  });
});

// ---------------------------------------------------------------------------
// 4. Threading does not depend on arrival order

describe("threading order-independence", () => {
  const at = (day: number, hour: number, minute = 0) =>
    new Date(Date.UTC(2024, 0, day, hour, minute)).toUTCString().replace("GMT", "+0000");
  const p = (mid: string) => `${mid}@example.org`;
  const noMid = mail({ mid: null, subject: "Re: widget design", date: at(2, 11), inReplyTo: p("m1"), references: [p("m0"), p("m1")] });
  // File order: r2 (reply to r1) comes before r1; g links {m0, m1} and {n2, n3},
  // which meet only through mx, a message the archive never gets.
  const corpus: Buffer[] = [
    mail({ mid: p("p0"), subject: "[PATCH 0/3] widget: speed", date: at(1, 10) }),
    mail({ mid: p("p1"), subject: "[PATCH 1/3] widget: a", date: at(1, 10, 1), references: [p("p0")] }),
    mail({ mid: p("p2"), subject: "[PATCH 2/3] widget: b", date: at(1, 10, 2), references: [p("p0")] }),
    mail({ mid: p("r2"), subject: "Re: [PATCH 1/3] widget: a", date: at(1, 12), references: [p("p0"), p("p1"), p("r1")] }),
    mail({ mid: p("r1"), subject: "Re: [PATCH 1/3] widget: a", date: at(1, 11), references: [p("p0"), p("p1")] }),
    mail({ mid: p("p3"), subject: "[PATCH 3/3] widget: c", date: at(1, 10, 3), references: [p("p0")] }),
    mail({ mid: p("p1"), subject: "[PATCH 1/3] widget: a", date: at(1, 10, 1), references: [p("p0")], body: "variant\n" }),
    mail({ mid: p("m0"), subject: "widget design", date: at(2, 9) }),
    mail({ mid: p("m1"), subject: "Re: widget design", date: at(2, 9, 30), inReplyTo: p("m0"), references: [p("m0")] }),
    mail({ mid: p("n2"), subject: "Re: widget design", date: at(2, 10), inReplyTo: p("mx"), references: [p("mx")] }),
    mail({ mid: p("n3"), subject: "Re: widget design", date: at(2, 10, 30), references: [p("mx"), p("n2")] }),
    mail({ mid: p("g"), subject: "Re: widget design", date: at(2, 12), references: [p("m0"), p("mx"), p("n2")] }),
    noMid,
    // Same date: the thread's face is chosen by Message-ID, not by arrival.
    mail({ mid: p("s-b"), subject: "tie root", date: at(3, 8) }),
    mail({ mid: p("s-a"), subject: "Re: tie root", date: at(3, 8), references: [p("s-b")] }),
    mail({ mid: p("h1"), subject: "Re: lost", date: at(4, 8), inReplyTo: p("h0") }),
    mail({ mid: p("h2"), subject: "Re: lost", date: at(4, 9), references: [p("h0")] }),
    mail({ mid: p("z0"), subject: "alone", date: at(5, 8) }),
  ];
  const expectedPartition = [
    ["p0", "p1", "p2", "p3", "r1", "r2"].map(p),
    [...["g", "m0", "m1", "n2", "n3"].map(p), syntheticMid(noMid)],
    ["s-a", "s-b"].map(p),
    ["h1", "h2"].map(p),
    [p("z0")],
  ].map((mids) => mids.sort().join(" ")).sort();

  function threadView(file: string) {
    const dump = canonicalDump(file);
    return dump.threads.map(({ members, rootMid, subject, messageCount, firstDate, lastDate, refs }) => ({
      members, rootMid, subject, messageCount, firstDate, lastDate, refs,
    }));
  }

  test("two partial threads stay apart until the grandchild that links them arrives", async () => {
    const db = freshDb("partial");
    const m = corpus.slice(7, 11); // m0, m1, n2, n3
    await run(db, [writeFile("partial.mbox", mbox(m))]);
    assert.deepEqual(threadView(db).map((t) => t.members), [
      ["m0", "m1"].map(p).join(" "),
      ["n2", "n3"].map(p).join(" "),
    ]);
    await run(db, [writeFile("grandchild.mbox", mbox([corpus[11]!]))]);
    const threads = threadView(db);
    assert.deepEqual(threads.map((t) => t.members), [["g", "m0", "m1", "n2", "n3"].map(p).join(" ")]);
    assert.equal(threads[0]!.messageCount, 5);
    assert.equal(threads[0]!.rootMid, p("m0"));
    assert.equal(withDb(db, (d) => (d.prepare(`SELECT count(*) AS n FROM "Thread"`).get() as { n: number }).n), 1);
  });

  test("file order, reversed and shuffled orders, in any batch size, give the same threads", async () => {
    const orders: Array<{ name: string; messages: Buffer[]; batchSize: number }> = [
      { name: "file order", messages: corpus, batchSize: 1000 },
      { name: "file order, batch 1", messages: corpus, batchSize: 1 },
      { name: "reversed", messages: [...corpus].reverse(), batchSize: 1000 },
      { name: "reversed, batch 1", messages: [...corpus].reverse(), batchSize: 1 },
      ...[1, 2, 3, 4, 5].map((seed) => ({ name: `shuffle seed ${seed}`, messages: shuffled(corpus, seed), batchSize: 1 + (seed % 3) })),
    ];
    let reference: ReturnType<typeof canonicalDump> | null = null;
    for (const order of orders) {
      const db = freshDb(order.name.replace(/\W+/g, "-"));
      const counts = await run(db, [writeFile(`${order.name.replace(/\W+/g, "-")}.mbox`, mbox(order.messages))], {
        batchSize: order.batchSize,
      });
      assert.deepEqual(counts, { added: 18, duplicate: 0, variant: 1, repaired: 1, failed: 0 }, order.name);
      const view = threadView(db);
      assert.deepEqual(view.map((t) => t.members), expectedPartition, `${order.name}: partition`);
      const dump = canonicalDump(db);
      if (reference === null) {
        reference = dump;
        const byMembers = new Map(view.map((t) => [t.members, t]));
        const patch = byMembers.get(expectedPartition.find((k) => k.includes(p("p0")))!)!;
        assert.equal(patch.rootMid, p("p0"));
        assert.equal(patch.subject, "[PATCH 0/3] widget: speed");
        assert.equal(patch.messageCount, 7, "the variant counts as a message of its thread");
        assert.equal(patch.firstDate, "2024-01-01T10:00:00.000+00:00");
        assert.equal(patch.lastDate, "2024-01-01T12:00:00.000+00:00");
        const tie = byMembers.get([p("s-a"), p("s-b")].join(" "))!;
        assert.equal(tie.rootMid, p("s-a"));
        const ghost = byMembers.get([p("h1"), p("h2")].join(" "))!;
        assert.deepEqual(ghost.refs, ["h0", "h1", "h2"].map(p), "the missing parent is kept as a ref");
        assert.equal(dump.orphanRefs, 0);
      } else {
        assert.deepEqual(view, threadView(db), order.name);
        assertSameDump(dump, reference, `${order.name}: whole archive`);
      }
    }
  });

  test("the fixture reversed and shuffled gives the same archive as in file order", async () => {
    const entries = (await readMbox(fs.readFileSync(TINY))).filter((e) => e.fromLine !== "");
    assert.equal(entries.length, 20);
    const dumps = [];
    for (const [name, order] of [
      ["file", entries],
      ["reversed", [...entries].reverse()],
      ["shuffled", shuffled(entries, 42)],
    ] as const) {
      const db = freshDb(`tiny-${name}`);
      await run(db, [writeFile(`tiny-${name}.mbox`, mbox(order))], { batchSize: 3 });
      dumps.push(canonicalDump(db));
    }
    assert.equal(dumps[0]!.threads.length, 6);
    assertSameDump(dumps[1]!, dumps[0]!, "reversed");
    assertSameDump(dumps[2]!, dumps[0]!, "shuffled");
  });
});

// ---------------------------------------------------------------------------
// 4b. The merge guard (lib/threading/merge-guard.ts)

describe("merge guard", () => {
  const at = (day: number, hour: number) =>
    new Date(Date.UTC(2024, 1, day, hour)).toUTCString().replace("GMT", "+0000");
  const q = (mid: string) => `${mid}@guard.example`;
  // Six unrelated threads of two messages each.
  const threadsOfTwo = [1, 2, 3, 4, 5, 6].flatMap((k) => [
    mail({ mid: q(`t${k}`), subject: `topic ${k}`, date: at(k, 8) }),
    mail({ mid: q(`t${k}-r`), subject: `Re: topic ${k}`, date: at(k, 9), inReplyTo: q(`t${k}`), references: [q(`t${k}`)] }),
  ]);
  // The merging message: References name every root, In-Reply-To the third.
  const merger = mail({
    mid: q("merger"), subject: "Re: everything", date: at(7, 8), inReplyTo: q("t3"),
    references: [1, 2, 3, 4, 5, 6].map((k) => q(`t${k}`)),
  });
  // Its reply copies the References, as mail clients do: also guarded.
  const mergerReply = mail({
    mid: q("merger-r"), subject: "Re: everything", date: at(7, 9), inReplyTo: q("merger"),
    references: [...[1, 2, 3, 4, 5, 6].map((k) => q(`t${k}`)), q("merger")],
  });
  // A long but honest chain: eight ancestors, all in one thread once they arrive.
  const chain = Array.from({ length: 9 }, (_, i) =>
    mail({
      mid: q(`c${i}`), subject: i === 0 ? "long chain" : "Re: long chain", date: at(8, i),
      inReplyTo: i === 0 ? undefined : q(`c${i - 1}`),
      references: Array.from({ length: i }, (_, j) => q(`c${j}`)),
    }));
  // A reply that quotes two threads: two threads are within the limit, so it links them.
  const bridge = mail({
    mid: q("bridge"), subject: "Re: topic 5 and 6", date: at(9, 8), inReplyTo: q("t6-r"),
    references: [q("t5"), q("t5-r"), q("t6"), q("t6-r")],
  });
  const corpus = [...threadsOfTwo, merger, mergerReply, ...chain, bridge];
  const expectedPartition = [
    ["t1", "t1-r"], ["t2", "t2-r"], ["t3", "t3-r", "merger", "merger-r"], ["t4", "t4-r"],
    ["t5", "t5-r", "t6", "t6-r", "bridge"], chain.map((_, i) => `c${i}`),
  ].map((mids) => mids.map(q).sort().join(" ")).sort();

  function partition(file: string): string[] {
    return canonicalDump(file).threads.map((t) => t.members);
  }

  function guarded(file: string): string[] {
    return withDb(file, (db) =>
      (db.prepare(`SELECT messageId FROM "Message" WHERE mergeGuarded ORDER BY messageId`).all() as { messageId: string }[])
        .map((r) => r.messageId));
  }

  test("a message naming six threads joins only its In-Reply-To's; its reply follows it", async () => {
    const db = freshDb("guard");
    await run(db, [writeFile("guard.mbox", mbox(corpus))]);
    assert.deepEqual(partition(db), expectedPartition);
    assert.deepEqual(guarded(db), [q("merger-r"), q("merger")]);
    const dump = canonicalDump(db);
    const merged = dump.threads.find((t) => t.members.includes(q("merger")))!;
    assert.deepEqual(merged.refs, ["merger", "merger-r", "t3", "t3-r"].map(q).sort(), "the other roots stay out of the thread");
    assert.equal(dump.guardedRefs.length, 6 + 7, "every reference of a guarded message is kept for a later look");
  });

  test("the result does not depend on arrival order or batch size", async () => {
    const orders = [
      { name: "guard-reversed", messages: [...corpus].reverse(), batchSize: 1000 },
      { name: "guard-merger-first", messages: [merger, mergerReply, ...[...chain].reverse(), bridge, ...threadsOfTwo], batchSize: 1 },
      ...[11, 12, 13, 14].map((seed) => ({ name: `guard-shuffle-${seed}`, messages: shuffled(corpus, seed), batchSize: 1 + (seed % 4) })),
    ];
    const reference = freshDb("guard-file-order");
    await run(reference, [writeFile("guard-file-order.mbox", mbox(corpus))]);
    const expected = canonicalDump(reference);
    for (const order of orders) {
      const db = freshDb(order.name);
      await run(db, [writeFile(`${order.name}.mbox`, mbox(order.messages))], { batchSize: order.batchSize });
      assert.deepEqual(partition(db), expectedPartition, `${order.name}: partition`);
      assert.deepEqual(guarded(db), [q("merger-r"), q("merger")], `${order.name}: guarded`);
      assertSameDump(canonicalDump(db), expected, order.name);
    }
  });

  test("a reply that arrives before its eight ancestors is guarded, then joins their thread when they come", async () => {
    const db = freshDb("guard-lifted");
    await run(db, [writeFile("chain-tail.mbox", mbox([chain[8]!]))]);
    assert.deepEqual(guarded(db), [q("c8")], "eight unknown references count as eight threads");
    await run(db, [writeFile("chain-head.mbox", mbox(chain.slice(0, 8)))]);
    assert.deepEqual(guarded(db), []);
    assert.deepEqual(partition(db), [chain.map((_, i) => q(`c${i}`)).sort().join(" ")]);
    assert.equal(withDb(db, (d) => (d.prepare(`SELECT count(*) AS n FROM "GuardedRef"`).get() as { n: number }).n), 0);
  });

  test("on the sample, a message naming every thread root leaves the thread count as it was", async () => {
    const db = freshDb("guard-sample");
    await run(db, [SAMPLE]);
    const before = withDb(db, (d) => d.prepare(`SELECT rootMid, messageCount FROM "Thread" ORDER BY rootMid`).all() as
      Array<{ rootMid: string; messageCount: number }>);
    assert.ok(before.length > 40, `${before.length} threads in the sample`);
    const roots = before.map((t) => t.rootMid);
    const attack = mail({
      mid: q("sample-merger"), subject: "Re: all of it", date: at(20, 8), inReplyTo: roots[0]!, references: roots,
    });
    await run(db, [writeFile("sample-merger.mbox", mbox([attack]))]);
    const after = withDb(db, (d) => d.prepare(`SELECT rootMid, messageCount FROM "Thread" ORDER BY rootMid`).all() as
      Array<{ rootMid: string; messageCount: number }>);
    assert.equal(after.length, before.length);
    const largest = (threads: typeof before) => Math.max(...threads.map((t) => t.messageCount));
    assert.ok(largest(after) <= largest(before) + 1, `largest thread ${largest(before)} → ${largest(after)} messages`);
    const merged = withDb(db, (d) => d.prepare(
      `SELECT t.messageCount AS n, m.mergeGuarded AS guarded FROM "Message" m JOIN "Thread" t ON t.id = m.threadId WHERE m.messageId = ?`,
    ).get(q("sample-merger")) as { n: number; guarded: number });
    assert.equal(merged.guarded, 1);
    assert.equal(merged.n, before.find((t) => t.rootMid === roots[0])!.messageCount + 1, "it joined its In-Reply-To's thread");
  });
});

// ---------------------------------------------------------------------------
// 5. Kill and resume (the real CLI, SIGKILLed mid-run)

describe("kill and resume", () => {
  // The sample seven times, each copy with its own Message-IDs (every <x@y>
  // rewritten), in one plain mbox: 3073 messages, a few seconds of ingest.
  async function bigMbox(): Promise<{ file: string; count: number }> {
    const sample = await readMbox(zlib.gunzipSync(fs.readFileSync(SAMPLE)));
    const copies: Buffer[] = [];
    for (let k = 0; k < 7; k++) {
      for (const { raw } of sample) {
        const text = raw.toString("latin1");
        copies.push(k === 0 ? raw : Buffer.from(text.replace(/<([^<>\s@]+@[^<>\s]+)>/g, `<c${k}.$1>`), "latin1"));
      }
    }
    return { file: writeFile("big.mbox", mbox(copies)), count: copies.length };
  }

  function count(db: string, sql: string): number {
    try {
      return withDb(db, (d) => (d.prepare(sql).get() as { n: number } | undefined)?.n ?? 0);
    } catch {
      return 0; // polling while the CLI creates or writes the store
    }
  }

  /** Runs the CLI, SIGKILLs it once `ready` holds (plus delayMs), and reports what it left. */
  async function killWhen(args: string[], db: string, ready: () => boolean, delayMs: number, pollMs = 15) {
    const { child, done } = spawnCli(args, db);
    child.stdin.end();
    let exited = false;
    void done.then(() => (exited = true));
    const deadline = Date.now() + 40_000;
    while (!ready()) {
      assert.ok(!exited, "the CLI finished before the kill point: make the mbox larger");
      assert.ok(Date.now() < deadline, "kill point not reached in time");
      await sleep(pollMs);
    }
    if (delayMs > 0) await sleep(delayMs);
    assert.ok(!exited, "the CLI finished before the kill point: make the mbox larger");
    child.kill("SIGKILL");
    const result = await done;
    assert.equal(result.signal, "SIGKILL", `not killed: ${JSON.stringify(result)}`);
    assert.doesNotMatch(result.stdout, SUMMARY);
    // Also closes the last connection, which checkpoints and removes the WAL.
    return { left: withDb(db, (d) => (d.prepare(`SELECT count(*) AS n FROM "Message"`).get() as { n: number }).n) };
  }

  test("SIGKILL at three points, then a re-run, gives exactly the archive of one clean run", async (t) => {
    const { file, count: total } = await bigMbox();
    // No --address/--description: with them ensureList writes on every start,
    // and the third kill point needs a run whose first write is a batch commit.
    const args = ["--list", "big", "--quiet", file];
    const clean = freshDb("kill-clean");
    const resumed = freshDb("kill-resumed");
    const cleanRun = runCli(args, clean); // runs alongside the killed runs

    const messagesIn = () => count(resumed, `SELECT count(*) AS n FROM "Message"`);
    const listExists = () => count(resumed, `SELECT count(*) AS n FROM "List"`) > 0;
    const walSize = () => {
      try {
        return fs.statSync(`${resumed}-wal`).size;
      } catch {
        return 0;
      }
    };
    const kills = [];
    // 1. 300 ms into parsing the first batch: nothing committed yet.
    kills.push(await killWhen(args, resumed, listExists, 300));
    // 2. As soon as the first batch of 1000 is committed: mid-way through parsing the second.
    kills.push(await killWhen(args, resumed, () => messagesIn() >= 1000, 0));
    // 3. During a commit: the re-run only reads until it commits its first new
    //    batch, so what appears in the WAL is that commit being written (about
    //    15 MB in some 25 ms here); kill once 512 kB of it are there.
    assert.equal(walSize(), 0);
    kills.push(await killWhen(args, resumed, () => walSize() > 512 * 1024, 0, 1));

    t.diagnostic(`kills left ${kills.map((k) => k.left).join(", ")} of ${total} messages`);
    // Batches are transactions: a kill leaves whole batches only. (Here the
    // kills leave 0, 1000 and 1000; a much faster machine may get further.)
    for (const [i, kill] of kills.entries()) {
      assert.equal(kill.left % 1000, 0, `kill ${i + 1} left ${kill.left} messages, not whole batches`);
      assert.ok(kill.left < total, `kill ${i + 1} came too late`);
    }
    assert.ok(kills[1]!.left >= 1000);
    assert.ok([kills[1]!.left, kills[1]!.left + 1000].includes(kills[2]!.left), "kill 3 was not in the next commit");
    withDb(resumed, (d) => assert.equal(d.pragma("integrity_check", { simple: true }), "ok"));

    const stored = kills[2]!.left;
    const final = await runCli(args, resumed);
    assert.equal(final.code, 0, final.stderr);
    const cleanResult = await cleanRun;
    assert.equal(cleanResult.code, 0, cleanResult.stderr);
    const cleanCounts = summaryOf(cleanResult);
    assert.equal(cleanCounts.added + cleanCounts.duplicate, total);
    assert.equal(cleanCounts.failed, 0);
    const finalCounts = summaryOf(final);
    assert.equal(finalCounts.duplicate, stored, "what the killed runs committed is recognised");
    assert.equal(finalCounts.added, cleanCounts.added - stored);

    const want = exactDump(clean);
    assert.equal(want.messages.length, cleanCounts.added);
    assertSameDump(exactDump(resumed), want, "resumed archive");
  });
});

// ---------------------------------------------------------------------------
// 6. Bad input

describe("bad input", () => {
  test("garbage messages are counted as failed or stored, and never stop the run", async () => {
    let seed = 7;
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    junk[junk.length - 1] = 0x0a; // an mbox holds whole lines: formatMboxrd would add this LF
    const good = (n: number) => mail({ mid: `good${n}@example.org`, subject: `good ${n}`, date: `Mon, 0${n} Jan 2024 00:00:00 +0000` });
    const nested = Buffer.from(
      "Message-ID: <nested@example.org>\n" +
        Array.from({ length: 3000 }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\n`).join("") +
        "\ntext\n",
    );
    const entries = [
      good(1),
      junk, // binary junk: no headers at all
      good(2),
      Buffer.from("Subject: only a header block\nMessage-ID: <headers-only@example.org>\n"),
      good(3),
      Buffer.from(`Message-ID: <huge-header@example.org>\nSubject: ${"a".repeat(1 << 20)}\n\nbody\n`),
      good(4),
      nested,
      Buffer.from("Message-ID: <nul@example.org>\nSubject: a\0b\nDate: Mon, 1 Jan 275760 00:00:00 +0000\n\nNUL \0 in the body\n"),
      good(5),
      // A field the parse never reads is not given to mailparser, whatever its size.
      Buffer.from(`Message-ID: <huge-unread-header@example.org>\nX-Long: ${"a".repeat(1 << 20)}\n\nbody\n`),
    ];
    const file = writeFile("bad.mbox", mbox(entries));
    const failures: Array<{ position: string; reason: string }> = [];
    const db = freshDb("bad");
    const counts = await run(db, [file], { onFailure: (position, reason) => failures.push({ position, reason }) });

    // mailparser rejects the 1 MB Subject line and the 3000-deep multipart.
    assert.deepEqual(counts, { added: 9, duplicate: 0, variant: 0, repaired: 3, failed: 2 });
    assert.deepEqual(failures.map((f) => f.position.replace(/ at byte \d+$/, "")), [
      `${file}: message 6`,
      `${file}: message 8`,
    ]);
    assert.ok(failures.every((f) => f.reason.length > 0));
    const stored = messages(db);
    for (let n = 1; n <= 5; n++) assert.ok(stored.some((m) => m.messageId === `good${n}@example.org`), `good${n} stored`);
    const storedRaws = new Set(stored.map((m) => m.raw.toString("latin1")));
    for (const [i, raw] of entries.entries()) {
      if (i === 5 || i === 7) continue;
      assert.ok(storedRaws.has(raw.toString("latin1")), `message ${i + 1} stored byte for byte`);
    }
    const far = stored.find((m) => m.messageId === "nul@example.org");
    assert.match(far?.date ?? "", /^9999-12-31T/, "out-of-range dates are clamped, not thrown");
    assert.equal(canonicalDump(db).ftsRows, 9);

    const again = await run(db, [file]);
    assert.deepEqual(again, { added: 0, duplicate: 9, variant: 0, repaired: 0, failed: 2 });
  });

  test("ingest() rejects a missing source without leaving the database open", { skip: process.platform !== "linux" }, async () => {
    const db = freshDb("missing-source");
    const openHandles = () =>
      fs.readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(db);
        } catch {
          return false;
        }
      }).length;
    await assert.rejects(run(db, [TINY, path.join(TMP, "no-such-file.mbox")]), /ENOENT/);
    assert.equal(openHandles(), 0, "the database connection leaked");
    assert.equal(messages(db).length, 0);
  });

  test("a Date header that cannot be parsed gives way to the From_ line date, not the time of ingest", async () => {
    // mailparser substitutes new Date() for such a header; a stored "now"
    // would differ on every run and break the kill-and-resume equality.
    const raw = mail({ mid: "bad-date@example.org", date: "Tuesday, sometime in spring" });
    const noDate = mail({ mid: "no-date@example.org", date: null });
    const db = freshDb("bad-date");
    const counts = await run(db, [
      writeFile("bad-date.mbox", mbox([
        { raw, fromLine: "From x@example.org Mon Apr 29 15:31:04 2019" },
        { raw: noDate, fromLine: "From x@example.org Tue Apr 30 08:00:00 2019" },
      ])),
    ]);
    assert.deepEqual(counts, { added: 2, duplicate: 0, variant: 0, repaired: 2, failed: 0 });
    assert.deepEqual(messages(db).map((m) => m.date), ["2019-04-29T15:31:04.000+00:00", "2019-04-30T08:00:00.000+00:00"]);
  });
});

// ---------------------------------------------------------------------------
// 7. The CLI

describe("CLI", () => {
  test("a file that cannot be read: exit 1, a message on stderr, nothing written", async () => {
    const db = path.join(TMP, "cli-unreadable", "archive.db");
    const missing = path.join(TMP, "does-not-exist.mbox");
    const result = await runCli(["--list", "x", TINY, missing], db);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.doesNotMatch(result.stdout, SUMMARY);
    assert.ok(!fs.existsSync(db), "no database is created for a command that fails up front");
  });

  test("no --list: exit 1 with usage", async () => {
    const db = freshDb("cli-nolist");
    const result = await runCli([TINY], db);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--list NAME is required/);
    assert.match(result.stderr, /usage:/);
    assert.equal(messages(db).length, 0);
  });

  test("- reads standard input; failed messages are reported and do not change the exit code", async () => {
    const db = freshDb("cli-stdin");
    const broken = Buffer.from(`Message-ID: <huge@example.org>\nSubject: ${"b".repeat(1 << 20)}\n\nbody\n`);
    const input = Buffer.concat([fs.readFileSync(TINY), Buffer.from("\n"), mbox([broken])]);
    const result = await runCli(["--list", "tiny", "--quiet", "-"], db, input);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(summaryOf(result), { added: 19, duplicate: 1, variant: 1, repaired: 2, failed: 1 });
    assert.match(result.stderr, /ingest: failed standard input: message 21 at byte \d+: /);
    assert.equal(messages(db).length, 19);
  });

  test("a .mbox.gz into a database that does not exist yet (schema created on first use)", async () => {
    const db = path.join(TMP, "cli-gz", "nested", "archive.db");
    const result = await runCli(
      ["--list", "linux-integrity", "--address", "linux-integrity@vger.kernel.org", "--description", "sample", "--quiet", SAMPLE],
      db,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(summaryOf(result), { added: 439, duplicate: 0, variant: 6, repaired: 0, failed: 0 });
    const lists = withDb(db, (d) => d.prepare(`SELECT name, address, description, messageCount FROM "List"`).all());
    assert.deepEqual(lists, [
      { name: "linux-integrity", address: "linux-integrity@vger.kernel.org", description: "sample", messageCount: 439 },
    ]);
    assert.equal(canonicalDump(db).ftsRows, 439);
  });

  test("a message over --max-message-mb inside a .mbox.gz is one failure with its position; the rest are stored", async () => {
    const dir = path.join(TMP, "oversize");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "oversize.mbox.gz");
    const small = (n: number) => formatMboxrd(mail({ mid: `small${n}@example.org` }));
    // 3 MB of body, half of it one line without a newline: held and dropped, never built.
    const huge = formatMboxrd(mail({ mid: "huge@example.org", body: `${"z".repeat(1_500_000)}\n${"w".repeat(1_500_000)}` }));
    fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([small(1), huge, small(2), small(3)])));
    const db = path.join(dir, "archive.db");
    const result = await runCli(["--list", "big", "--quiet", "--max-message-mb", "1", file], db);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(summaryOf(result), { added: 3, duplicate: 0, variant: 0, repaired: 0, failed: 1 });
    const offset = small(1).length;
    assert.match(result.stderr, new RegExp(`failed .*oversize\\.mbox\\.gz: message 2 at byte ${offset}: message of 2\\.9 MB is over the size limit`));
    assert.deepEqual(messages(db).map((m) => m.messageId), ["small1@example.org", "small2@example.org", "small3@example.org"]);
    const bad = await runCli(["--list", "big", "--max-message-mb", "zero", file], db);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--max-message-mb takes a positive number/);
  });

  test("two ingests into one database at once both finish, and nothing is lost", async () => {
    const db = freshDb("concurrent");
    const [one, two] = await Promise.all([
      runCli(["--list", "first", "--quiet", SAMPLE], db),
      runCli(["--list", "second", "--quiet", SAMPLE], db),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual(summaryOf(one), { added: 439, duplicate: 0, variant: 6, repaired: 0, failed: 0 });
    assert.deepEqual(summaryOf(two), { added: 439, duplicate: 0, variant: 6, repaired: 0, failed: 0 });
    const lists = withDb(db, (d) => d.prepare(`SELECT name, messageCount FROM "List" ORDER BY name`).all());
    assert.deepEqual(lists, [{ name: "first", messageCount: 439 }, { name: "second", messageCount: 439 }]);
    assert.equal(canonicalDump(db).ftsRows, 878);
  });

  test("a Maildir folder (cur/ and new/, not tmp/ or dot files), stored byte for byte", async () => {
    const dir = path.join(TMP, "maildir");
    const one = mail({ mid: "md1@example.org", body: "From a line that an mbox would quote\n>From another\n" });
    const two = mail({ mid: "md2@example.org", inReplyTo: "md1@example.org", eol: "\r\n" });
    writeFile("maildir/cur/1700000000.1.host:2,S", one);
    writeFile("maildir/new/1700000001.2.host", two);
    writeFile("maildir/tmp/1700000002.3.host", mail({ mid: "md-tmp@example.org" }));
    writeFile("maildir/cur/.hidden", mail({ mid: "md-hidden@example.org" }));
    const db = freshDb("cli-maildir");
    const result = await runCli(["--list", "md", "--quiet", dir], db);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(summaryOf(result), { added: 2, duplicate: 0, variant: 0, repaired: 0, failed: 0 });
    const stored = messages(db);
    assert.deepEqual(stored.map((m) => m.messageId), ["md1@example.org", "md2@example.org"]);
    assert.ok(stored[0]!.raw.equals(one));
    assert.ok(stored[1]!.raw.equals(two));
    assert.equal(stored[0]!.threadId, stored[1]!.threadId);
  });
});

// ---------------------------------------------------------------------------
// 8. The web app reads what ingest wrote, through Prisma

describe("Prisma reads", () => {
  test("messages, threads and the list come back with the right Date values", async () => {
    const db = freshDb("prisma");
    await run(db, [TINY]);
    const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${db}` }) });
    try {
      const rows = await prisma.message.findMany({ orderBy: { id: "asc" }, include: { mail: true } });
      assert.equal(rows.length, 19);
      const fromLineDates = new Map(
        (await readMbox(fs.readFileSync(TINY))).map((e) => [sha256(e.raw), e.fromLine]),
      );
      for (const row of rows) {
        assert.ok(row.date instanceof Date && !Number.isNaN(row.date.getTime()), `date of ${row.messageId}`);
        const raw = Buffer.from(row.mail.raw);
        assert.equal(sha256(raw), row.rawHash);
        const header = /^Date: (.*)$/m.exec(raw.toString("latin1"))?.[1];
        // Without a Date header, the From_ line's date ("Sat Mar  2 08:00:00 2024", UTC).
        const expected = header !== undefined
          ? new Date(header)
          : new Date(`${fromLineDates.get(row.rawHash)!.split(" ").slice(2).join(" ")} UTC`);
        assert.equal(row.date.toISOString(), expected.toISOString(), row.messageId);
      }
      const a0 = rows.find((r) => r.messageId === "a0@example.org")!;
      assert.equal(a0.date.toISOString(), "2024-03-01T10:00:00.000Z", "11:00 +0100 is 10:00 UTC");

      // Prisma's own filters compare its parameters with what raw SQL wrote:
      // equality only works if both use the very same text form.
      const exact = await prisma.message.findMany({ where: { date: new Date("2024-03-01T10:00:00Z") } });
      assert.deepEqual(exact.map((m) => m.messageId), ["a0@example.org"]);
      const march2 = await prisma.message.findMany({
        where: { date: { gte: new Date("2024-03-02T00:00:00Z"), lt: new Date("2024-03-03T00:00:00Z") } },
        orderBy: { date: "asc" },
        select: { messageId: true },
      });
      assert.deepEqual(march2.map((m) => m.messageId), [
        "e0@example.org", "b1@example.net", "b2@example.org", "b3@example.com", "b4@example.net",
      ]);

      const threads = await prisma.thread.findMany({ orderBy: { lastDate: "desc" } });
      assert.deepEqual(threads.map((t) => t.rootMid), [
        "f0@example.com", "d0@example.org", "c0@example.org", "b1@example.net", "e0@example.org", "a0@example.org",
      ]);
      const first = threads.at(-1)!;
      assert.ok(first.firstDate instanceof Date && first.lastDate instanceof Date);
      assert.equal(first.firstDate.toISOString(), "2024-03-01T10:00:00.000Z");
      assert.equal(first.lastDate.toISOString(), "2024-03-01T14:05:00.000Z");
      assert.equal(first.messageCount, 7);

      const list = await prisma.list.findUniqueOrThrow({ where: { name: "test" } });
      assert.equal(list.messageCount, 19);
      assert.equal(list.lastDate?.toISOString(), "2024-03-05T08:00:00.000Z");
      const withAttachments = await prisma.message.findFirstOrThrow({
        where: { messageId: "d0@example.org" },
        include: { mail: { include: { attachments: { orderBy: { position: "asc" } } } } },
      });
      assert.deepEqual(
        withAttachments.mail.attachments.map((a) => [a.filename, a.contentType, a.size]),
        [["fix-build.patch", "text/x-patch", 103], ["blob.bin", "application/octet-stream", 16]],
      );
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("parse worker death", () => {
  test("a message that kills its parse worker is one failure at its position; the worker is replaced and every other message is stored", async () => {
    const db = freshDb("worker-death");
    // 20 MB of text: a parse worker with a 24 MB heap dies of OOM on it (the
    // default 256 MB heap parses it); small messages fit that heap.
    const line = `${"y".repeat(75)}\n`;
    const huge = mail({ mid: "huge@example.org", body: line.repeat(Math.ceil(20_000_000 / line.length)) });
    const before = [1, 2, 3].map((n) => mail({ mid: `before${n}@example.org` }));
    const after = [1, 2, 3, 4].map((n) => mail({ mid: `after${n}@example.org` }));
    const file = writeFile("worker-death/list.mbox", mbox([...before, huge, ...after]));
    const failures: Array<[string, string]> = [];
    const counts = await run(db, [file], { workers: 1, workerHeapMb: 24, onFailure: (position, reason) => failures.push([position, reason]) });
    assert.deepEqual(counts, { added: 7, duplicate: 0, variant: 0, repaired: 0, failed: 1 });
    assert.equal(failures.length, 1);
    assert.equal(failures[0]![0], `${file}: message 4 at byte ${mbox(before).length}`);
    assert.match(failures[0]![1], /^parse worker died \(.*out of memory.*\) while parsing this message$/);
    assert.deepEqual(
      messages(db).map((m) => m.messageId),
      [...before, ...after].map((_, i) => (i < 3 ? `before${i + 1}@example.org` : `after${i - 2}@example.org`)),
    );
  });
});
