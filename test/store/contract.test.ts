// THE store contract (lib/store/types.ts), run against every backend.
//
// One SQLite store is built by the normal ingest from:
//   linux-integrity  the committed sample (samples/linux-integrity-sample.mbox.gz, 439 messages, variants)
//   series           test/fixtures/series/*.mbox (patch series, trailers, 300-patch version)
//   search-fixture   test/fixtures/search/search-list.mbox (one message per search behaviour)
//   mail             test/fixtures/mail/*.eml as a Maildir (attachments, charsets, repaired headers)
//   hostile          e2e/fixtures/hostile.mbox without its NUL-byte messages (odd Message-IDs,
//                    dates clamped to years 1 and 9999, attachment names). PostgreSQL text cannot
//                    hold NUL: its writer stores U+FFFD instead, a deliberate difference, so a
//                    message with NUL in its text cannot read the same from both stores
//   paging           generated: 450 threads, 50 of them in one second across the first page
//                    boundary; Message-IDs whose byte order is not a locale's; one also
//                    stored in "mail"; a body with emoji (the tokenizer difference)
//   crosspost-a, -b  e2e/fixtures/crosspost-*.mbox: mail sent to both lists (stored once),
//                    replies in one list only, threads joined across lists (/all/)
// and copied, ids and all, into a fresh PostgreSQL database (test/support/copy-to-postgres.ts)
// whose collation is ICU en-US where the server has ICU, so byte order must be asked for.
//
// Each backend then answers the same questions: every ArchiveReader and
// SeriesReads method over every list, thread and message, and the search
// index over realistic lore queries. The expectations are real behaviour,
// checked on every backend (SQLite included); on top of that every answer of
// a non-SQLite backend must deepEqual SQLite's answer to the same call.
// PostgreSQL's part is skipped, and says so, without PG_TEST_URL.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { ingest } from "../../lib/ingest/ingest";
import { formatMboxrd, splitMbox } from "../../lib/mail/mbox";
import { SEARCH_LIMITS } from "../../lib/search/limits";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { SqliteReader } from "../../lib/store/sqlite/reader";
import { SqliteSearchIndex } from "../../lib/store/sqlite/search";
import { PostgresReader, READER_SQL } from "../../lib/store/postgres/reader";
import { SERIES_SQL } from "../../lib/store/postgres/series-reader";
import { PostgresSearchIndex } from "../../lib/store/postgres/search";
import {
  MAX_VARIANTS, THREADS_PER_PAGE,
  type ArchiveReader, type ListRow, type MboxOptions, type SearchIndex, type SearchOptions, type SearchResult, type SeriesReads,
} from "../../lib/store/types";
import type { ThreadMember, ThreadSummary } from "../../lib/types";
import { parseCursor } from "../../lib/web/cursor";
import { copySqliteToPostgres } from "../support/copy-to-postgres";
import { createTestDatabase, dropDatabase, PG_TEST_URL, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "store-contract-"));
const DB_FILE = path.join(TMP, "archive.db");

const SAMPLE = "linux-integrity";
const SERIES = "series";
const FIX = "search-fixture";
const MAIL = "mail";
const HOSTILE = "hostile";
const PAGING = "paging";
/** e2e/fixtures/crosspost-a.mbox, then -b: a patch and a reply in both lists, replies in one, a question answered in the other. */
const XP_A = "crosspost-a";
const XP_B = "crosspost-b";
const LIST_NAMES = [SAMPLE, SERIES, FIX, MAIL, HOSTILE, PAGING, XP_A, XP_B];
const SHARED_FROM = THREADS_PER_PAGE - 20;
const SHARED_TO = THREADS_PER_PAGE + 30;
const PAGING_THREADS = 450;
const PAGING_SERIES = 60;
/** Stored in "mail" first, then in "paging". */
const CROSS_LIST_MID = "plain-utf8@example.org";
/** Message-IDs in byte order (UTF-8, as SQLite compares); a locale would sort them otherwise (case, punctuation). */
const BYTE_ORDER_MIDS = ["order-1@x", "order-B@x", "order-_@x", "order-a-b@x", "order-a@x", "order-ab@x", "order-\u00e9@x"];
/** Holds the one documented tokenizer difference (lib/mail/tokenizer.ts): see TOKENIZER_DIFFERENCES. */
const EMOJI_MID = "emoji@x";
const VARIANT_MID = "20190731152032.4157-1-vt@altlinux.org";
const NOW = new Date("2020-06-01T00:00:00Z");

interface Backend {
  name: string;
  reader: ArchiveReader;
  search: SearchIndex;
}

/** What the store holds, read once from SQLite: the inputs every backend is asked about. */
interface Inventory {
  lists: ListRow[];
  threads: Map<string, ThreadSummary[]>;
  members: Map<number, ThreadMember[]>;
}

let sqlite: Backend;
let postgres: Backend | null = null;
let pgDb: TestDatabase | null = null;
let inventory: Inventory;

// ------------------------------------------------------------------ the store

async function writeMbox(file: string, raws: Buffer[]): Promise<void> {
  fs.writeFileSync(file, Buffer.concat(raws.map(formatMboxrd)));
}

async function buildStore(): Promise<void> {
  ensureSchema(DB_FILE, ROOT);
  const quiet = { workers: 0, onFailure: () => {} };
  await ingest({ dbFile: DB_FILE, list: { name: SAMPLE, address: "linux-integrity@vger.kernel.org", description: "sample" }, sources: [path.join(ROOT, "samples", "linux-integrity-sample.mbox.gz")], ...quiet });
  const seriesDir = path.join(ROOT, "test", "fixtures", "series");
  const seriesFiles = fs.readdirSync(seriesDir).filter((f) => f.endsWith(".mbox")).sort().map((f) => path.join(seriesDir, f));
  await ingest({ dbFile: DB_FILE, list: { name: SERIES, address: "series@lists.example.org" }, sources: seriesFiles, ...quiet });
  await ingest({ dbFile: DB_FILE, list: { name: FIX }, sources: [path.join(ROOT, "test", "fixtures", "search", "search-list.mbox")], ...quiet });

  const maildir = path.join(TMP, "maildir");
  fs.mkdirSync(path.join(maildir, "cur"), { recursive: true });
  for (const f of fs.readdirSync(path.join(ROOT, "test", "fixtures", "mail"))) {
    fs.copyFileSync(path.join(ROOT, "test", "fixtures", "mail", f), path.join(maildir, "cur", f));
  }
  await ingest({ dbFile: DB_FILE, list: { name: MAIL, description: "test/fixtures/mail" }, sources: [maildir], ...quiet });

  const hostile: Buffer[] = [];
  for await (const m of splitMbox([fs.readFileSync(path.join(ROOT, "e2e", "fixtures", "hostile.mbox"))])) {
    if (!m.raw.includes(0)) hostile.push(m.raw);
  }
  const hostileFile = path.join(TMP, "hostile.mbox");
  await writeMbox(hostileFile, hostile);
  await ingest({ dbFile: DB_FILE, list: { name: HOSTILE }, sources: [hostileFile], ...quiet });

  const start = Date.UTC(2024, 0, 1);
  const paging: Buffer[] = [];
  for (let i = 0; i < PAGING_THREADS; i++) {
    // Threads SHARED_FROM..SHARED_TO-1 share one second: the first page boundary falls inside it.
    const t = i >= SHARED_FROM && i < SHARED_TO ? start + 1_000_000_000 : start + (PAGING_THREADS - i) * 60_000 + (i < SHARED_FROM ? 2_000_000_000 : 0);
    paging.push(Buffer.from(`Message-ID: <t${i}@x>\nFrom: A <a@x>\nSubject: thread ${i}\nDate: ${new Date(t).toUTCString()}\n\nbody ${i}\n`));
  }
  for (const mid of BYTE_ORDER_MIDS.toReversed()) {
    paging.push(Buffer.from(`Message-ID: <${mid}>\nFrom: C <c@x>\nSubject: byte order\nDate: Sun, 1 Jan 2023 00:00:00 +0000\n\nbody\n`));
  }
  // One-patch series, one a day in 2022: more than a page of the series index.
  for (let i = 0; i < PAGING_SERIES; i++) {
    const day = new Date(Date.UTC(2022, 0, 1 + i, 12)).toUTCString();
    paging.push(Buffer.from(
      `Message-ID: <series-${i}@x>\nFrom: E <e@x>\nSubject: [PATCH] util: change number ${i}\nDate: ${day}\n\n` +
        `Change ${i}.\n\nSigned-off-by: E <e@x>\n---\n src/util.c | 1 +\n\ndiff --git a/src/util.c b/src/util.c\n` +
        `--- a/src/util.c\n+++ b/src/util.c\n@@ -1,1 +1,2 @@\n int x;\n+int y${i};\n-- \n2.39.5\n`,
    ));
  }
  paging.push(Buffer.from(`Message-ID: <${EMOJI_MID}>\nFrom: D <d@x>\nSubject: emoji\nDate: Sun, 1 Jan 2023 00:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nhi\u{1F914}there, great\u{1F600}day\n`, "utf8"));
  paging.push(Buffer.from(`Message-ID: <${CROSS_LIST_MID}>\nFrom: B <b@x>\nSubject: same id, other list\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody\n`));
  const pagingFile = path.join(TMP, "paging.mbox");
  await writeMbox(pagingFile, paging);
  await ingest({ dbFile: DB_FILE, list: { name: PAGING }, sources: [pagingFile], ...quiet });

  for (const name of [XP_A, XP_B]) {
    await ingest({ dbFile: DB_FILE, list: { name }, sources: [path.join(ROOT, "e2e", "fixtures", `${name}.mbox`)], ...quiet });
  }

  // PostgreSQL text cannot hold NUL: the copy would fail on one.
  const db = new Database(DB_FILE, { readonly: true });
  try {
    const nul = db.prepare(
      `SELECT count(*) AS n FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId
        WHERE instr(subject || fromName || fromAddr || toAddrs || ccAddrs || bodyText || messageId || "references" || coalesce(inReplyTo, ''), char(0)) > 0`,
    ).get() as { n: number };
    assert.equal(nul.n, 0, "no NUL in the stored text");
  } finally {
    db.close();
  }
}

/**
 * A PostgreSQL database whose collation is not byte order (ICU en-US: case
 * and punctuation sort apart from their bytes, as in a production cluster
 * made with en_US.UTF-8), so every text order and range the reader relies on
 * must say COLLATE "C" for the answers to equal SQLite's. A server without
 * ICU gets the default database.
 */
async function createLocaleDatabase(): Promise<TestDatabase> {
  const name = `contract_icu_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_TEST_URL! });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
  } catch {
    return createTestDatabase("contract");
  } finally {
    await admin.end();
  }
  const url = new URL(PG_TEST_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_TEST_URL! });
      await client.connect();
      try {
        await dropDatabase(client, name);
      } finally {
        await client.end();
      }
    },
  };
}

async function allThreads(reader: ArchiveReader, listId: number): Promise<ThreadSummary[]> {
  const out: ThreadSummary[] = [];
  let page = await reader.listRecentThreads(listId);
  out.push(...page.threads);
  while (page.olderCursor) {
    page = await reader.listRecentThreads(listId, { before: parseCursor(page.olderCursor) });
    out.push(...page.threads);
  }
  return out;
}

before(async () => {
  await buildStore();
  sqlite = { name: "SQLite", reader: new SqliteReader(DB_FILE), search: new SqliteSearchIndex(DB_FILE) };
  const lists: ListRow[] = [];
  for (const name of LIST_NAMES) lists.push((await sqlite.reader.getList(name))!);
  const threads = new Map<string, ThreadSummary[]>();
  const members = new Map<number, ThreadMember[]>();
  for (const list of lists) {
    const all = await allThreads(sqlite.reader, list.id);
    threads.set(list.name, all);
    for (const t of all) members.set(t.id, await sqlite.reader.listThreadMembers(t.id));
  }
  inventory = { lists, threads, members };
  if (!skipWithoutPostgres) {
    pgDb = await createLocaleDatabase();
    await copySqliteToPostgres(DB_FILE, pgDb.url);
    postgres = { name: "PostgreSQL", reader: new PostgresReader(pgDb.url), search: new PostgresSearchIndex(pgDb.url) };
  }
});

after(async () => {
  await sqlite?.reader.close();
  await sqlite?.search.close();
  await postgres?.reader.close();
  await postgres?.search.close();
  await pgDb?.drop();
  fs.rmSync(TMP, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
const listNamed = (name: string) => inventory.lists.find((l) => l.name === name)!;
const membersOf = (name: string) => inventory.threads.get(name)!.flatMap((t) => inventory.members.get(t.id)!);
const sorted = (values: string[]) => [...values].sort();

function contract(name: string, get: () => Backend, skip: string | false): void {
  describe(`store contract: ${name}`, { skip }, () => {
    /** The backend's answer, asserted deepEqual to SQLite's answer to the same call. */
    async function same<T>(label: string, call: (reader: ArchiveReader) => Promise<T>): Promise<T> {
      const backend = get();
      const got = await call(backend.reader);
      if (backend !== sqlite) assert.deepStrictEqual(got, await call(sqlite.reader), `${name} differs from SQLite: ${label}`);
      return got;
    }
    const sameSeries = <T>(label: string, call: (series: SeriesReads) => Promise<T>) => same(label, (r) => call(r.series));

    test("lists: every list, in byte order, with counts and last activity", async () => {
      const lists = await same("listLists", (r) => r.listLists());
      assert.deepEqual(lists.map((l) => l.name), [...LIST_NAMES].sort(byteOrder));
      for (const summary of lists) {
        const row = await same(`getList ${summary.name}`, (r) => r.getList(summary.name));
        assert.ok(row);
        const { id, ...rest } = row;
        assert.deepEqual(rest, summary);
        assert.equal(await get().reader.getListId(summary.name), id);
        assert.equal(await get().reader.getListId(summary.name), id, "remembered");
        const threads = inventory.threads.get(summary.name)!;
        assert.equal(summary.messageCount, threads.reduce((n, t) => n + t.messageCount, 0));
        const newest = await same(`listNewestMessages ${summary.name}`, (r) => r.listNewestMessages(row, 1));
        assert.equal(summary.lastDate?.getTime(), newest[0]?.date.getTime());
      }
      assert.equal(await same("getList missing", (r) => r.getList("no-such-list")), null);
      assert.equal(await get().reader.getListId("no-such-list"), null);
      assert.equal(await same("getList NUL", (r) => r.getList("series\0")), null);
    });

    test("thread index: older pages hold every thread once, newer pages walk back, a second is never split", async () => {
      for (const list of inventory.lists) {
        const pages: ThreadSummary[][] = [];
        let page = await same(`first page ${list.name}`, (r) => r.listRecentThreads(list.id));
        assert.equal(page.newerCursor, null);
        pages.push(page.threads);
        while (page.olderCursor) {
          const cursor = page.olderCursor;
          page = await same(`older page ${list.name} ${cursor}`, (r) => r.listRecentThreads(list.id, { before: parseCursor(cursor) }));
          assert.ok(page.newerCursor, "an older page links back");
          pages.push(page.threads);
        }
        const all = pages.flat();
        assert.equal(new Set(all.map((t) => t.id)).size, all.length);
        assert.deepEqual(all.map((t) => t.id), inventory.threads.get(list.name)!.map((t) => t.id));
        assert.equal(all.reduce((n, t) => n + t.messageCount, 0), list.messageCount);
        for (let i = 1; i < all.length; i++) {
          const [a, b] = [all[i - 1]!, all[i]!];
          assert.ok(a.lastDate!.getTime() > b.lastDate!.getTime() || (a.lastDate!.getTime() === b.lastDate!.getTime() && a.id > b.id), "newest first");
        }
        for (let i = 1; i < pages.length; i++) {
          const last = pages[i - 1]!.at(-1)!.lastDate!.getTime();
          const first = pages[i]![0]!.lastDate!.getTime();
          assert.notEqual(Math.floor(last / 1000), Math.floor(first / 1000), `${list.name}: page ${i} splits a second`);
        }
        // Walk back with the newer links: the same threads in the same order.
        const back: ThreadSummary[][] = [page.threads];
        while (page.newerCursor) {
          const cursor = page.newerCursor;
          page = await same(`newer page ${list.name} ${cursor}`, (r) => r.listRecentThreads(list.id, { after: parseCursor(cursor) }));
          back.unshift(page.threads);
        }
        assert.deepEqual(back.flat().map((t) => t.id), all.map((t) => t.id));
        if (list.name === PAGING) {
          assert.equal(pages[0]!.length, SHARED_TO, "the first page keeps the whole shared second");
          assert.ok(pages.length >= 8);
        }
        if (list.name === SAMPLE) assert.ok(pages.length >= 2, "the sample has more than one page");
        const past = await same(`before 1970 ${list.name}`, (r) => r.listRecentThreads(list.id, { before: new Date(0) }));
        assert.ok(past.threads.every((t) => t.lastDate!.getTime() < 0));
        // Cursors past the year 9999 are read as its last millisecond, where the clamped hostile dates sit.
        const future = await same(`after 9999 ${list.name}`, (r) => r.listRecentThreads(list.id, { after: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)) }));
        assert.ok(future.threads.every((t) => t.lastDate!.toISOString() === "9999-12-31T23:59:59.999Z"));
        assert.equal(future.newerCursor, null);
      }
      assert.deepEqual(await same("threads of a missing list", (r) => r.listRecentThreads(999_999)), { threads: [], olderCursor: null, newerCursor: null });
    });

    test("threads: summary, members in date order, ids, raws, bytes, bodies with attachments", async () => {
      for (const list of inventory.lists) {
        for (const thread of inventory.threads.get(list.name)!) {
          const summary = await same(`getThread ${thread.id}`, (r) => r.getThread(thread.id));
          assert.deepEqual(summary, thread);
          const members = await same(`listThreadMembers ${thread.id}`, (r) => r.listThreadMembers(thread.id));
          assert.equal(members.length, thread.messageCount);
          for (let i = 1; i < members.length; i++) {
            const [a, b] = [members[i - 1]!, members[i]!];
            assert.ok(a.date.getTime() < b.date.getTime() || (a.date.getTime() === b.date.getTime() && a.id < b.id), "oldest first");
          }
          const ids = await same(`listThreadMessageIds ${thread.id}`, (r) => r.listThreadMessageIds(thread.id));
          assert.deepEqual(ids, members.map((m) => m.id));
          const raws = await same(`listThreadRaws ${thread.id}`, (r) => r.listThreadRaws(thread.id));
          assert.deepEqual(raws.map((r) => r.rawHash), raws.map((r) => sha256(r.raw)));
          assert.deepEqual(raws.map((r) => r.date), members.map((m) => m.date));
          const bytes = await same(`getThreadRawBytes ${thread.id}`, (r) => r.getThreadRawBytes(thread.id));
          assert.equal(bytes, raws.reduce((n, r) => n + r.raw.length, 0));
          const bodies = await same(`listMessagesById ${thread.id}`, (r) => r.listMessagesById(list, ids));
          assert.deepEqual([...bodies.keys()].sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
          for (const m of members) {
            const body = bodies.get(m.id)!;
            assert.deepEqual([body.mid, body.list, body.listAddress, body.threadId], [m.mid, list.name, list.address, thread.id]);
            assert.equal(m.textBytes, Buffer.byteLength(body.bodyText, "utf8"), "textBytes are UTF-8 bytes");
            assert.deepEqual(body.attachments.map((a) => a.position), body.attachments.map((_, i) => i));
            assert.deepEqual(body.variantIds, []);
          }
          const reversed = [...ids].reverse();
          const chosen = await same(`listRawsById ${thread.id}`, (r) => r.listRawsById([reversed[0]!, 987_654_321, ...reversed.slice(1)]));
          assert.deepEqual(chosen, [...raws].reverse().map((r) => r.raw));
        }
      }
      assert.equal(await same("getThread missing", (r) => r.getThread(987_654_321)), null);
      assert.deepEqual(await same("members missing", (r) => r.listThreadMembers(987_654_321)), []);
      assert.deepEqual(await same("raws missing", (r) => r.listThreadRaws(987_654_321)), []);
      assert.equal(await same("bytes missing", (r) => r.getThreadRawBytes(987_654_321)), 0);
      assert.deepEqual(await same("bodies of no ids", (r) => r.listMessagesById(listNamed(SAMPLE), [])), new Map());
      assert.deepEqual(await same("raws of no ids", (r) => r.listRawsById([])), []);
    });

    test("messages: every stored Message-ID resolves, with its variants, raws, attachments and lists", async () => {
      for (const list of inventory.lists) {
        const seen = new Set<string>();
        for (const member of membersOf(list.name)) {
          if (seen.has(member.mid)) continue;
          seen.add(member.mid);
          const mid = member.mid;
          const resolved = await same(`resolveMessage ${list.name} ${mid}`, (r) => r.resolveMessage(list.name, mid));
          assert.ok(resolved?.message, `${list.name}/${mid} resolves`);
          assert.deepEqual(resolved.list, list);
          const state = resolved.message;
          assert.deepEqual(await same(`getMessageState ${mid}`, (r) => r.getMessageState(list.id, mid)), state);
          const variants = await same(`listMessageVariants ${mid}`, (r) => r.listMessageVariants(list, mid));
          assert.equal(variants.length, state.variants);
          assert.ok(state.variants >= 1 && state.variants <= MAX_VARIANTS);
          assert.equal(variants[0]!.id, state.id, "the first stored is the one resolved");
          assert.deepEqual(variants.map((v) => v.id), [...variants.map((v) => v.id)].sort((a, b) => a - b));
          for (const v of variants) {
            assert.equal(v.mid, mid);
            assert.deepEqual(v.variantIds, variants.map((o) => o.id).filter((id) => id !== v.id));
          }
          const thread = inventory.threads.get(list.name)!.find((t) => t.id === state.threadId)!;
          assert.deepEqual([state.threadCount, state.threadLastDate, state.threadSubject, state.threadRootMid], [thread.messageCount, thread.lastDate, thread.subject, thread.rootMid]);
          const raws = await same(`listRawVariants ${mid}`, (r) => r.listRawVariants(list.id, mid));
          assert.deepEqual(raws.map((r) => r.rawHash), variants.map((v) => v.rawHash));
          assert.equal(state.rawHash, sha256(raws[0]!.raw));
          assert.deepEqual(await same(`listRawVariants take 1 ${mid}`, (r) => r.listRawVariants(list.id, mid, 1)), raws.slice(0, 1));
          assert.deepEqual(await same(`getRawById ${state.id}`, (r) => r.getRawById(state.id)), raws[0]!.raw);
          const lists = await same(`findListsWithMid ${mid}`, (r) => r.findListsWithMid(mid));
          assert.ok(lists.includes(list.name));
          const attachments = variants[0]!.attachments;
          for (let position = 0; position <= attachments.length; position++) {
            const got = await same(`getAttachment ${mid} ${position}`, (r) => r.getAttachment(list.id, mid, position));
            const want = attachments[position];
            if (want === undefined) {
              assert.equal(got, null);
              continue;
            }
            assert.ok(got);
            assert.deepEqual([got.filename, got.contentType, got.content?.length, got.messageRowId, got.rawHash], [want.filename, want.contentType, want.size, state.id, state.rawHash]);
          }
        }
        assert.ok(seen.size > 0);
        // A list without the message, a message without the list.
        assert.deepEqual(await same(`resolve missing mid ${list.name}`, (r) => r.resolveMessage(list.name, "no-such-message@example.org")), { list, message: null });
        assert.deepEqual(await same(`resolve NUL mid ${list.name}`, (r) => r.resolveMessage(list.name, "t1@x\0")), { list, message: null });
      }
      assert.equal(await same("resolve missing list", (r) => r.resolveMessage("no-such-list", VARIANT_MID)), null);
      assert.equal(await same("state missing", (r) => r.getMessageState(listNamed(SAMPLE).id, "no-such-message@example.org")), null);
      assert.deepEqual(await same("variants missing", (r) => r.listMessageVariants(listNamed(SAMPLE), "no-such-message@example.org")), []);
      assert.deepEqual(await same("raw variants missing", (r) => r.listRawVariants(listNamed(SAMPLE).id, "no-such-message@example.org")), []);
      assert.equal(await same("raw by missing id", (r) => r.getRawById(987_654_321)), null);
      assert.deepEqual(await same("lists of a missing mid", (r) => r.findListsWithMid("no-such-message@example.org")), []);
      assert.equal(await same("attachment of a missing mid", (r) => r.getAttachment(listNamed(MAIL).id, "no-such-message@example.org", 0)), null);
    });

    test("messages: the named cases (variants, attachments, a Message-ID in two lists)", async () => {
      const sample = listNamed(SAMPLE);
      const variants = await same("variants of the sample's reused id", (r) => r.listMessageVariants(sample, VARIANT_MID));
      assert.equal(variants.length, 2);
      assert.notEqual(variants[0]!.rawHash, variants[1]!.rawHash);
      assert.equal((await get().reader.resolveMessage(SAMPLE, VARIANT_MID))?.message?.variants, 2);
      const mail = listNamed(MAIL);
      const patch = await same("attachment 0", (r) => r.getAttachment(mail.id, "patch-attachment@example.org", 0));
      assert.deepEqual([patch?.filename, patch?.contentType, patch?.content?.length], ["0001-frob.patch", "text/x-patch", 70]);
      assert.equal(await same("attachment 1", (r) => r.getAttachment(mail.id, "patch-attachment@example.org", 1)), null);
      const [withAttachment] = await same("message with an attachment", (r) => r.listMessageVariants(mail, "patch-attachment@example.org"));
      assert.deepEqual(withAttachment?.attachments, [{ position: 0, filename: "0001-frob.patch", contentType: "text/x-patch", size: 70 }]);
      const hostile = listNamed(HOSTILE);
      const xss = await same("three attachments", (r) => r.listMessageVariants(hostile, "xss-filename@example.org"));
      assert.deepEqual(xss[0]?.attachments.map((a) => a.position), [0, 1, 2]);
      assert.deepEqual(await same("lists holding one id", (r) => r.findListsWithMid(CROSS_LIST_MID)), [MAIL, PAGING]);
      // Dates at the ends of what the store keeps.
      const dates = membersOf(HOSTILE).map((m) => m.date.toISOString());
      assert.ok(dates.includes("0001-01-01T00:00:00.000Z") && dates.includes("9999-12-31T23:59:59.999Z"));
    });

    test("spanning threads: each list's thread joins the threads of other lists sharing a Message-ID", async () => {
      const listOfThread = new Map<number, string>();
      for (const [list, threads] of inventory.threads) for (const t of threads) listOfThread.set(t.id, list);
      for (const [list, threads] of inventory.threads) {
        for (const t of threads) {
          const ids = await same(`spanning ${t.id}`, (r) => r.listSpanningThreadIds(t.id, 64));
          assert.equal(ids[0], t.id, "the thread itself first");
          assert.equal(new Set(ids).size, ids.length);
          // Joined threads are other lists' (a list's own threads never share a Message-ID).
          assert.ok(ids.slice(1).every((id) => listOfThread.has(id) && listOfThread.get(id) !== list));
          const copies = await same(`spanning members ${t.id}`, (r) => r.listSpanningMembers(ids));
          const expected = ids.flatMap((id) => inventory.members.get(id)!.map((m) => m.id));
          assert.deepEqual(copies.map((c) => c.id).sort((a, b) => a - b), expected.sort((a, b) => a - b));
          assert.ok(copies.every((c) => listNamed(c.list).id === c.listId));
          for (let i = 1; i < copies.length; i++) {
            const [a, b] = [copies[i - 1]!, copies[i]!];
            assert.ok(a.date.getTime() < b.date.getTime() || (a.date.getTime() === b.date.getTime() && a.id < b.id), "oldest first");
          }
        }
      }
      const patchThread = async (list: string) => (await get().reader.resolveMessage(list, "xp-patch@example.org"))!.message!.threadId;
      const [a, b] = [await patchThread(XP_A), await patchThread(XP_B)];
      assert.deepEqual(await same("cross-posted patch", (r) => r.listSpanningThreadIds(a, 64)), [a, b]);
      assert.deepEqual(await same("limit", (r) => r.listSpanningThreadIds(a, 1)), [a]);
      const copies = await same("cross-posted members", (r) => r.listSpanningMembers([a, b]));
      assert.deepEqual(copies.map((c) => [c.mid, c.list]), [
        ["xp-patch@example.org", XP_A], ["xp-patch@example.org", XP_B], ["xp-reply-a@example.org", XP_A], ["xp-reply-b@example.org", XP_B],
        ["xp-reply-b2@example.org", XP_B], ["xp-reply-both@example.org", XP_A], ["xp-reply-both@example.org", XP_B],
      ]);
      assert.equal(copies[0]!.mailId, copies[1]!.mailId, "one mail, two copies");
      assert.notEqual(copies[0]!.mailId, copies[2]!.mailId);
      const answer = (await get().reader.resolveMessage(XP_B, "xp-answer@example.org"))!.message!.threadId;
      const question = (await get().reader.resolveMessage(XP_A, "xp-question@example.org"))!.message!.threadId;
      assert.deepEqual(await same("answer on the other list", (r) => r.listSpanningThreadIds(answer, 64)), [answer, question]);
      assert.deepEqual(await same("no threads", (r) => r.listSpanningMembers([])), []);
    });

    test("newest messages, for new.atom", async () => {
      for (const list of inventory.lists) {
        for (const take of [1, 20, 10_000]) {
          const newest = await same(`listNewestMessages ${list.name} ${take}`, (r) => r.listNewestMessages(list, take));
          assert.equal(newest.length, Math.min(take, list.messageCount));
          for (let i = 1; i < newest.length; i++) {
            const [a, b] = [newest[i - 1]!, newest[i]!];
            assert.ok(a.date.getTime() > b.date.getTime() || (a.date.getTime() === b.date.getTime() && a.id > b.id));
          }
          assert.ok(newest.every((m) => m.list === list.name && m.attachments.length === 0 && m.variantIds.length === 0));
        }
      }
    });

    test("suggestMids: prefix matches in byte order, at most ten, then the local part, then the first characters", async () => {
      const sample = listNamed(SAMPLE);
      const cases: [number | null, string][] = [
        [sample.id, "20191113000913.5414-1"],
        [null, "20191113000913.5414-1"],
        [sample.id, "20191113000913.5414-99@schaufler-ca.com"],
        [sample.id, "2019"],
        [null, "t1"],
        [null, "t10@x-not-there"],
        [null, "t100"],
        [listNamed(PAGING).id, "t4"],
        [null, "plain-utf8@"],
        [null, "mid-"],
        [null, "order-"],
        [listNamed(PAGING).id, "order-a"],
        [listNamed(HOSTILE).id, "mid-"],
        [null, "zzzz-none@example.org"],
        [null, "abc"],
        [sample.id, "\u{10ffff}\u{10ffff}\u{10ffff}\u{10ffff}"],
        [null, "t1\0t1"],
      ];
      for (const mid of membersOf(HOSTILE).map((m) => m.mid)) cases.push([null, mid.slice(0, 6)], [listNamed(HOSTILE).id, `${mid}-gone`]);
      for (const [listId, mid] of cases) {
        const got = await same(`suggestMids ${listId} ${JSON.stringify(mid)}`, (r) => r.suggestMids(listId, mid));
        assert.ok(got.length <= 10);
        const prefixes = [mid, mid.split("@")[0] ?? "", mid.slice(0, 12)].filter((p) => p.length >= 4);
        const used = prefixes.find((p) => got.length > 0 && got.every((s) => s.mid.startsWith(p)));
        assert.ok(got.length === 0 || used !== undefined, `${mid}: every suggestion starts with one prefix`);
        assert.deepEqual(got.map((s) => s.mid), [...got.map((s) => s.mid)].sort(byteOrder));
        if (listId !== null) assert.ok(got.every((s) => s.list === inventory.lists.find((l) => l.id === listId)!.name));
      }
      assert.equal((await get().reader.suggestMids(sample.id, "20191113000913.5414-1")).length, 10);
      // Byte order, whatever the database's collation says.
      assert.deepEqual((await get().reader.suggestMids(null, "order-")).map((s) => s.mid), BYTE_ORDER_MIDS);
      assert.deepEqual((await get().reader.suggestMids(listNamed(PAGING).id, "order-a")).map((s) => s.mid), BYTE_ORDER_MIDS.slice(3, 6));
      assert.deepEqual((await get().reader.suggestMids(null, "t100")).map((s) => s.mid), ["t100@x"]);
      assert.deepEqual((await get().reader.suggestMids(null, "order-a@elsewhere")).map((s) => s.mid), BYTE_ORDER_MIDS.slice(3, 6), "then by the local part");
      const byStart = await get().reader.suggestMids(listNamed(SAMPLE).id, "20191113000913.5414-99@schaufler-ca.com");
      assert.ok(byStart.length === 10 && byStart.every((s) => s.mid.startsWith("201911130009")), "then by the first twelve characters");
      assert.deepEqual(await get().reader.suggestMids(null, "abc"), [], "prefixes under four characters are not tried");
    });

    test("query budgets: a message URL resolves in one statement, a thread page in three", async () => {
      const reader = get().reader;
      const thread = inventory.threads.get(SAMPLE)!.find((t) => t.messageCount > 5)!;
      const mid = thread.rootMid;
      let before = reader.queryCount;
      const resolved = await reader.resolveMessage(SAMPLE, mid);
      assert.equal(reader.queryCount - before, 1, "resolveMessage is one statement");
      before = reader.queryCount;
      const members = await reader.listThreadMembers(resolved!.message!.threadId);
      await reader.listMessagesById(resolved!.list, members.map((m) => m.id));
      assert.ok(reader.queryCount - before <= 2);
      before = reader.queryCount;
      const again = await reader.resolveMessage(SAMPLE, mid);
      const all = await reader.listThreadMembers(again!.message!.threadId);
      const bodies = await reader.listMessagesById(again!.list, all.map((m) => m.id));
      assert.equal(bodies.size, thread.messageCount);
      assert.ok(reader.queryCount - before <= 3, `a thread page took ${reader.queryCount - before} statements`);
      before = reader.queryCount;
      await reader.resolveMessage("no-such-list", mid);
      await reader.resolveMessage(SAMPLE, "no-such-message@example.org");
      assert.equal(reader.queryCount - before, 2, "a miss is one statement too");
      before = reader.queryCount;
      await reader.listRecentThreads(listNamed(SAMPLE).id);
      assert.ok(reader.queryCount - before <= 2);
    });

    test("series: the index, the feed and the state of every list", async () => {
      for (const list of inventory.lists) {
        const page = await sameSeries(`listSeries ${list.name}`, (s) => s.listSeries(list.id, null));
        const all = [...page.series];
        for (let cursor = page.olderCursor; cursor !== null; ) {
          const at = parseCursor(cursor);
          const older = await sameSeries(`listSeries ${list.name} ${cursor}`, (s) => s.listSeries(list.id, at));
          assert.ok(older.series.every((s) => s.lastDate < at!), "older than the cursor");
          all.push(...older.series);
          cursor = older.olderCursor;
        }
        assert.equal(new Set(all.map((s) => s.rootMid)).size, all.length, "each series once");
        if (list.name === PAGING) assert.deepEqual([page.series.length, all.length], [50, PAGING_SERIES], "two pages of series");
        else assert.equal(page.olderCursor, null);
        const dates = all.map((s) => s.lastDate.getTime());
        assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
        for (const s of all) {
          assert.equal(s.patches.length, s.total);
          assert.ok(s.present <= s.total && s.revision >= 1 && s.versionCount >= 1);
        }
        // The ?t= cursor: strictly older than the given time.
        if (all.length > 3) {
          const at = all[2]!.lastDate;
          const older = await sameSeries(`listSeries before ${list.name}`, (s) => s.listSeries(list.id, at));
          assert.deepEqual(older.series.map((s) => s.rootMid), all.filter((s) => s.lastDate < at).slice(0, 50).map((s) => s.rootMid));
        }
        const state = await sameSeries(`getListSeriesState ${list.name}`, (s) => s.getListSeriesState(list.id));
        assert.match(state, new RegExp(`^${all.length}:\\d+$`));
        const versions = await sameSeries(`listNewestVersions ${list.name}`, (s) => s.listNewestVersions(list.id, 1000));
        const vdates = versions.map((v) => v.date.getTime());
        assert.deepEqual(vdates, [...vdates].sort((a, b) => b - a));
        assert.equal(versions.length, all.reduce((n, s) => n + s.versionCount, 0));
        assert.deepEqual(await sameSeries(`listNewestVersions 2 ${list.name}`, (s) => s.listNewestVersions(list.id, 2)), versions.slice(0, 2));
      }
      const [sample, series] = [listNamed(SAMPLE), listNamed(SERIES)];
      assert.ok((await get().reader.series.listSeries(sample.id, null)).series.length > 10, "the sample holds series");
      assert.equal((await get().reader.series.listSeries(series.id, null)).series.length, 10);
      assert.deepEqual((await get().reader.series.listNewestVersions(series.id, 3)).map((v) => v.rootMid), [
        "20240912151515.9191-1-ida@example.net", "20240909081010.9090-1-hal@example.com", "20240820120000.000000000@example.org",
      ]);
      assert.equal(await sameSeries("state of a missing list", (s) => s.getListSeriesState(999_999)), "0:0");
    });

    test("series: every version's page, mbox, counterparts and interdiffs", async () => {
      for (const list of inventory.lists) {
        const versions = await get().reader.series.listNewestVersions(list.id, 1000);
        const roots = versions.map((v) => v.rootMid);
        for (const root of roots) {
          const detail = await sameSeries(`getSeries ${root}`, (s) => s.getSeries(list.id, root));
          assert.ok(detail);
          const chosen = detail.versions[detail.chosen]!;
          assert.equal(chosen.rootMid, root);
          assert.equal(detail.patches.length, chosen.total);
          assert.equal(detail.patches.filter((p) => p !== null).length, chosen.present);
          detail.patches.forEach((p, i) => assert.ok(p === null || p.counter === i + 1));
          const mbox = await sameSeries(`listMboxPatches ${root}`, (s) => s.listMboxPatches(list.id, root));
          assert.deepEqual(mbox?.map((p) => p.mid), detail.patches.flatMap((p) => (p ? [p.mid] : [])));
          for (const other of detail.versions) {
            const diff = await sameSeries(`getInterdiff ${root} ${other.rootMid}`, (s) => s.getInterdiff(list.id, root, other.rootMid));
            if (other.rootMid === root) assert.equal(diff, null);
            else assert.deepEqual([diff?.versions[diff.to]?.rootMid, diff?.versions[diff.from]?.rootMid], [root, other.rootMid]);
          }
          for (const mid of [...detail.patches.flatMap((p) => (p ? [p.mid] : [])), ...(detail.cover ? [detail.cover.mid] : [])]) {
            const info = await sameSeries(`getMessageSeries ${mid}`, (s) => s.getMessageSeries(list.id, mid));
            assert.ok(info);
            assert.equal(info.rootMid, root);
            assert.equal(info.versions.filter((v) => v.current).length, 1);
            const state = await sameSeries(`getMessageSeriesState ${mid}`, (s) => s.getMessageSeriesState(list.id, mid));
            assert.match(state, /^\d+:\d+:\d{4}-/);
          }
        }
        const some = [...roots.slice(0, 5), "no-such-message@example.org", ...roots.slice(0, 2)];
        const ofRoots = await sameSeries(`listSeriesOfRoots ${list.name}`, (s) => s.listSeriesOfRoots(list.id, some));
        assert.equal(new Set(ofRoots.map((s) => s.rootMid)).size, ofRoots.length, "each series once");
        assert.ok(ofRoots.length <= 5);
      }
      const sample = listNamed(SAMPLE);
      const notInSeries = membersOf(SAMPLE).find((m) => /^Re:/i.test(m.subject))!;
      assert.equal(await sameSeries("getMessageSeries of a reply", (s) => s.getMessageSeries(sample.id, notInSeries.mid)), null);
      assert.equal(await sameSeries("state of a reply", (s) => s.getMessageSeriesState(sample.id, notInSeries.mid)), "");
      assert.equal(await sameSeries("getSeries missing", (s) => s.getSeries(sample.id, "no-such-message@example.org")), null);
      assert.equal(await sameSeries("mbox missing", (s) => s.listMboxPatches(sample.id, "no-such-message@example.org")), null);
      assert.deepEqual(await sameSeries("no roots", (s) => s.listSeriesOfRoots(sample.id, [])), []);
    });

    test("series: the named fixture cases (test/fixtures/series/README.md)", async () => {
      const id = listNamed(SERIES).id;
      const series = get().reader.series;
      const trailersOf = async (root: string) =>
        (await series.getSeries(id, root))!.patches.map((p) => p?.trailers.map((t) => `${t.name}: ${t.value}`) ?? null);
      const v3 = "20240219100000.6060-1-ann@example.org";
      const detail = (await series.getSeries(id, v3))!;
      assert.deepEqual(detail.versions.map((v) => [v.revision, v.present, v.total, v.superseded]), [[1, 3, 3, true], [2, 3, 3, true], [3, 3, 3, false]]);
      assert.equal(detail.chosen, 2);
      assert.deepEqual(await trailersOf(v3), [
        ["Reviewed-by: Rita Reviewer <rita@example.com>", "Acked-by: Mona Maintainer <mona@example.org>"],
        ["Acked-by: Mona Maintainer <mona@example.org>"],
        ["Acked-by: Mona Maintainer <mona@example.org>", "Tested-by: Tom Tester <tom@example.net>"],
      ]);
      const both = ["Acked-by: Mona Maintainer <mona@example.org>", "Reviewed-by: Rita Reviewer <rita@example.com>"];
      assert.deepEqual(await trailersOf("20240603152000.6161-1-fay@example.org"), [both, both]);
      assert.deepEqual(await trailersOf("20240514093000.5555-1-eli@example.org"), [[]]);
      assert.deepEqual((await series.getSeries(id, "20240422110000.4444-1-dee@example.net"))!.patches.map((p) => p?.mid ?? null), [
        "20240422110000.4444-2-dee@example.net", "20240422110000.4444-3-dee@example.net", null,
        "20240422110000.4444-5-dee@example.net", "20240422110000.4444-6-dee@example.net",
      ]);
      assert.equal(await series.getSeries(id, "20240410060000.pull-integrity@mona.example.org"), null);
      assert.equal((await series.getSeries(id, "20240820120000.000000000@example.org"))!.patches.length, 300);
      const info = (await series.getMessageSeries(id, "20240129093000.5151-3-ann@example.org"))!;
      assert.deepEqual(info.versions.map((v) => [v.revision, v.counterpartMid, v.current]), [
        [1, "20240108090000.4242-3-ann@example.org", false],
        [2, "20240129093000.5151-3-ann@example.org", true],
        [3, "20240219100000.6060-3-ann@example.org", false],
      ]);
      const view = (await series.getInterdiff(id, v3, "20240129093000.5151-1-ann@example.org"))!;
      assert.deepEqual(view.pairs.map((p) => [p.old?.counter, p.new?.counter, p.how, p.diff?.identical]), [
        [1, 1, "patch-id", true], [2, 2, "patch-id", false], [3, 3, "patch-id", true],
      ]);
      assert.equal(await series.getInterdiff(id, v3, "20240402081500.3131-1-cal@example.com"), null);
      const mbox = (await series.listMboxPatches(id, v3))!;
      assert.deepEqual(mbox[2]!.trailers.map((t) => t.name), ["Acked-by", "Tested-by"]);
      const page = await series.listSeries(id, null);
      const reroll = page.series.find((s) => s.rootMid === v3)!;
      assert.deepEqual(reroll.patches, [{ reviewed: 1, acked: 1, tested: 0 }, { reviewed: 0, acked: 1, tested: 0 }, { reviewed: 0, acked: 1, tested: 1 }]);
      assert.deepEqual((await series.listSeriesOfRoots(id, ["20240108090000.4242-1-ann@example.org", v3, "20240402081500.3131-1-cal@example.com"])).map((s) => s.rootMid), [
        v3, "20240402081500.3131-1-cal@example.com",
      ]);
    });

    searchContract(name, get);
  });
}

// ------------------------------------------------------------------ search

const B4_SUBJECT = "ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API";

/** Realistic lore queries: [query, list, the Message-IDs it must find (date order) when pinned]. */
const QUERIES: [string, string | null, string[] | null][] = [
  ['s:"Convert v2 signatures"', FIX, ["reply-mimi@linux.ibm.com", "v7-0@altlinux.org", "v6-0@altlinux.org"]],
  [`((s:"${B4_SUBJECT}" AND f:"vt@altlinux.org")) AND d:20190623..`, null, ["v7-0@altlinux.org"]],
  ['f:"Vitaly Chikunov"', FIX, null],
  ["f:zohar", SAMPLE, null],
  ["f:zohar@linux.ibm.com", null, null],
  ["c:zohar@linux.ibm.com", FIX, ["tpm-log@kernel.org"]],
  ["a:zohar@linux.ibm.com", FIX, null],
  ["t:linux-integrity@vger.kernel.org", SAMPLE, null],
  ["ima_appraise", null, null],
  ["b:ima_appraise_measurement", FIX, ["appraise@example.org"]],
  ["imaappraise", FIX, ["one-word@example.org"]],
  ["security/integrity/ima/ima_appraise.c", null, null],
  ["CONFIG_IMA", FIX, ["tpm-log@kernel.org", "appraise@example.org"]],
  ["CONFIG_IMA_APPRAISE", SAMPLE, null],
  ["cafe", FIX, ["unicode@example.org"]],
  ["f:jose f:muller", FIX, ["unicode@example.org"]],
  ["ima AND evm", SAMPLE, null],
  ["tpm OR trusted", SAMPLE, null],
  ["ima -evm", SAMPLE, null],
  ["ima NOT s:Re", SAMPLE, null],
  ['s:"Convert v2" NOT s:Re', FIX, ["v7-0@altlinux.org", "v6-0@altlinux.org"]],
  ["(f:jane OR f:jarkko) -CONFIG_IMA_APPRAISE", FIX, ["tpm-log@kernel.org"]],
  ["s:(rework OR appraise) d:2019-04-01..2019-04-30", FIX, ["tpm-log@kernel.org"]],
  ["d:2019-01-01..2019-01-01", FIX, ["new@example.org"]],
  ["d:..2018-12-31", FIX, ["old@example.org"]],
  ["d:20191101..20191201 s:PATCH", SAMPLE, null],
  ["d:2.weeks.ago..", FIX, []],
  ["m:<v7-1@altlinux.org>", FIX, ["v7-1@altlinux.org"]],
  ["m:v7-1@altlinux.org OR m:old@example.org", FIX, ["v7-1@altlinux.org", "old@example.org"]],
  ["year -m:old@example.org", FIX, ["new@example.org"]],
  [`m:${VARIANT_MID}`, SAMPLE, null],
  ['"Reviewed-by: Mimi Zohar"', SAMPLE, null],
  ['"struct key"', null, null],
  ["keyring", SAMPLE, null],
  ["tpm", SAMPLE, null],
  ["d:2019..", SAMPLE, null],
  ["s:greeting", SERIES, null],
  ["s:hello OR s:README", SERIES, null],
  ["f:ann@example.org", null, null],
  ["thread", PAGING, null],
  ["body", PAGING, null],
  ["zzzzqqqq", null, []],
  // Malformed or empty: the same readable error, or the same nothing.
  ['s:"unbalanced', FIX, null],
  ["((ima", FIX, null],
  ["d:garbage", FIX, null],
  ["***", FIX, null],
  ["ima*", FIX, null],
  ["NEAR(ima appraise)", FIX, null],
  ["\u0000ima\u0000", FIX, null],
  ["\ud800ima", FIX, null],
  ["m:", FIX, null],
  ["-ima -tpm -evm", FIX, null],
  [Array.from({ length: 40 }, () => "a").join("_"), FIX, null],
];

/**
 * Where the backends may answer differently, and why: only the tokenizer
 * differences lib/mail/tokenizer.ts documents. No query of QUERIES needs an
 * exception; these are pinned here so a new difference cannot pass unnoticed.
 */
const TOKENIZER_DIFFERENCES: { q: string; list: string; SQLite: string[]; PostgreSQL: string[]; why: string }[] = [
  {
    q: "there",
    list: PAGING,
    SQLite: [],
    PostgreSQL: [EMOJI_MID],
    why: "FTS5's Unicode tables predate U+1F914 (🤔), so FTS5 reads hi🤔there as one token; lib/mail/tokenizer.ts separates at every emoji",
  },
  {
    q: "great",
    list: PAGING,
    SQLite: [EMOJI_MID],
    PostgreSQL: [EMOJI_MID],
    why: "not a difference: U+1F600 (😀) is older and separates in both; the contrast to the row above",
  },
];

function searchContract(name: string, get: () => Backend): void {
  /** The backend's result, deepEqual to SQLite's for the same search (date order: the same hits, snippets and all). */
  async function same(options: SearchOptions): Promise<SearchResult> {
    const backend = get();
    const got = await backend.search.search({ now: NOW, ...options });
    if (backend === sqlite) return got;
    const want = await sqlite.search.search({ now: NOW, ...options });
    const label = `${name} search ${JSON.stringify(options)}`;
    if (got.order === "relevance") {
      // Scores differ (bm25 against ts_rank_cd): the same hits, totals and page shape, not the same order.
      const { hits: gotHits, ...gotRest } = got;
      const { hits: wantHits, ...wantRest } = want;
      assert.deepStrictEqual(gotRest, wantRest, label);
      if (got.total <= got.limit) assert.deepEqual(sorted(gotHits.map((h) => String(h.id))), sorted(wantHits.map((h) => String(h.id))), label);
      else assert.equal(gotHits.length, wantHits.length, label);
    } else {
      assert.deepStrictEqual(got, want, label);
    }
    return got;
  }

  test("search: realistic lore queries find the same messages, counts and snippets", async () => {
    for (const [q, list, expected] of QUERIES) {
      for (const where of [list, null]) {
        const result = await same({ list: where, q, limit: 200 });
        if (result.error === undefined) {
          const dates = result.hits.map((h) => h.date.getTime());
          assert.deepEqual(dates, [...dates].sort((a, b) => b - a), `${q}: newest first`);
          assert.ok(result.hits.every((h) => where === null || h.list === where));
          assert.ok(result.total >= result.hits.length);
        }
        if (expected !== null && where === list) {
          assert.equal(result.error, undefined, `${q}: ${result.error}`);
          assert.deepEqual(result.hits.map((h) => h.mid), expected, q);
        }
      }
    }
    const errors = await Promise.all(['s:"unbalanced', "((ima", "d:garbage"].map((q) => get().search.search({ list: FIX, q })));
    assert.deepEqual(errors.map((e) => Boolean(e.error)), [true, true, true]);
  });

  test("search: the documented tokenizer differences, and only those", async () => {
    for (const d of TOKENIZER_DIFFERENCES) {
      const result = await get().search.search({ list: d.list, q: d.q, now: NOW });
      assert.deepEqual(result.hits.map((h) => h.mid), name === "SQLite" ? d.SQLite : d.PostgreSQL, `${d.q}: ${d.why}`);
    }
  });

  test("search: relevance ranks the same hits; paging, caps and the series-roots filter", async () => {
    for (const [q, list] of [["ima appraise", SAMPLE], ["tpm", SAMPLE], ["d:2018-12-31 OR cafe", FIX], ["d:2019..", FIX], ['s:"Convert v2"', FIX]] as const) {
      const byRank = await same({ list, q, limit: 200, order: "relevance" });
      const byDate = await same({ list, q, limit: 200 });
      assert.equal(byRank.total, byDate.total);
      assert.equal(byRank.order, q === "d:2019.." ? "date" : "relevance");
      if (byDate.total <= 200) assert.deepEqual(sorted(byRank.hits.map((h) => String(h.id))), sorted(byDate.hits.map((h) => String(h.id))));
    }
    // Hits matched without a positive word rank last, on every backend.
    const mixed = await get().search.search({ list: FIX, q: "d:2018-12-31 OR cafe", order: "relevance", now: NOW });
    assert.deepEqual(mixed.hits.map((h) => h.mid), ["unicode@example.org", "old@example.org"]);
    // A subject word outranks the same word deep in a body.
    const subject = await get().search.search({ list: FIX, q: "appraise", order: "relevance", now: NOW });
    assert.equal(subject.hits[0]?.mid, "appraise@example.org");

    const all = await same({ list: SAMPLE, q: "tpm", limit: 200 });
    assert.ok(all.total > 60);
    const seen: number[] = [];
    for (let offset = 0; offset < all.total; offset += 25) {
      const page = await same({ list: SAMPLE, q: "tpm", limit: 25, offset });
      assert.equal(page.total, all.total);
      seen.push(...page.hits.map((h) => h.id));
    }
    assert.equal(new Set(seen).size, all.total);
    if (all.total <= all.limit) assert.deepEqual(seen, all.hits.map((h) => h.id), "pages in the order of one long page");
    const beyond = await same({ list: SAMPLE, q: "tpm", offset: SEARCH_LIMITS.pageCap });
    assert.match(beyond.error ?? "", /first 10,000 results/);
    const clamped = await same({ list: SAMPLE, q: "tpm", limit: 100_000, offset: -5 });
    assert.deepEqual([clamped.limit, clamped.offset, clamped.hits.length], [SEARCH_LIMITS.maxPageSize, 0, Math.min(all.total, SEARCH_LIMITS.maxPageSize)]);
    assert.equal((await same({ list: "no-such-list", q: "ima" })).total, 0);

    const roots = await same({ list: SERIES, q: "s:greeting", seriesRoots: true, limit: 200 });
    assert.deepEqual(sorted(roots.hits.map((h) => h.mid)), [
      "20240108090000.4242-1-ann@example.org", "20240129093000.5151-1-ann@example.org", "20240219100000.6060-1-ann@example.org",
    ]);
    const rootsRanked = await same({ list: SERIES, q: "s:greeting", seriesRoots: true, order: "relevance" });
    assert.equal(rootsRanked.total, 3);
    const everything = await same({ list: SERIES, q: "s:greeting", limit: 200 });
    assert.ok(everything.total > roots.total);
  });

  test("search: x=m plans and gzipped mboxrd downloads", async () => {
    const plans: MboxOptions[] = [
      { list: FIX, q: 's:"Convert v2 signatures" OR CONFIG_IMA', threads: false },
      { list: FIX, q: "MAX_SIGNATURE_SIZE", threads: true },
      { list: FIX, q: "MAX_SIGNATURE_SIZE", threads: false },
      { list: null, q: `((s:"${B4_SUBJECT}" AND f:"vt@altlinux.org")) AND d:20190623..`, threads: true },
      { list: SAMPLE, q: "d:2019..", threads: false },
      { list: SAMPLE, q: "tpm", threads: true },
      { list: SERIES, q: "s:greeting", threads: true },
      { list: FIX, q: 's:"oops', threads: false },
      { list: FIX, q: "zzzzqqqq", threads: false },
      { list: FIX, q: "***", threads: true },
    ];
    for (const options of plans) {
      const plan = await get().search.planMbox({ now: NOW, ...options });
      if (get() !== sqlite) assert.deepStrictEqual(plan, await sqlite.search.planMbox({ now: NOW, ...options }), `${name} planMbox ${options.q}`);
      if (!plan.ok) {
        assert.ok([400, 404].includes(plan.status), `${options.q}: ${plan.status}`);
        continue;
      }
      const raws = await get().reader.listRawsById(plan.ids);
      assert.equal(plan.bytes, raws.reduce((n, r) => n + r.length, 0));
      const gz = Buffer.from(await new Response(get().search.streamMbox(plan.ids)).arrayBuffer());
      const messages: Buffer[] = [];
      for await (const m of splitMbox([zlib.gunzipSync(gz)])) messages.push(m.raw);
      assert.deepEqual(messages, raws, `${options.q}: the download holds the raw messages, in plan order`);
    }
    const bad = await get().search.planMbox({ list: FIX, q: 's:"oops', threads: false });
    assert.deepEqual(bad.ok ? null : [bad.status, /Unbalanced/.test(bad.message)], [400, true]);
    const none = await get().search.planMbox({ list: FIX, q: "zzzzqqqq", threads: false });
    assert.equal(none.ok ? 200 : none.status, 404);
    const whole = await get().search.planMbox({ list: SAMPLE, q: "d:2019..", threads: false, now: NOW });
    assert.ok(whole.ok && whole.ids.length === listNamed(SAMPLE).messageCount);
  });
}

contract("SQLite", () => sqlite, false);
contract("PostgreSQL", () => postgres!, skipWithoutPostgres);

// ------------------------------------------------------------------ PostgreSQL only

describe("PostgreSQL: every hot read is an index lookup, search statements are time-limited", { skip: skipWithoutPostgres }, () => {
  type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };
  const BIG = new Set(["Message", "Mail", "Thread", "ThreadRef", "Attachment", "SeriesVersion", "Series", "SeriesPatch", "PatchMail", "ReplyTrailer"]);

  function nodes(node: PlanNode): PlanNode[] {
    return [node, ...(node.Plans ?? []).flatMap(nodes)];
  }

  /** The plan with sequential scans priced out: a Seq Scan left means no index can answer. */
  async function explain(client: pg.Client, sql: string, params: unknown[]): Promise<PlanNode[]> {
    const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return nodes(rows[0]!["QUERY PLAN"][0].Plan);
  }

  test("the reader's and the series reader's statements scan no big table", async () => {
    const sample = listNamed(SAMPLE);
    const thread = inventory.threads.get(SAMPLE)![0]!;
    const at = new Date("2019-11-13T00:00:00Z").toISOString();
    const params: Record<string, unknown[]> = {
      list: [SAMPLE], threadsNewest: [sample.id, 51], threadsBefore: [sample.id, at, 51], threadsAfter: [sample.id, at, 51],
      threadsInSecond: [sample.id, at, at], messageState: [sample.id, VARIANT_MID], resolve: [VARIANT_MID, SAMPLE],
      variantIds: [sample.id, VARIANT_MID], attachment: [sample.id, VARIANT_MID, 0], rawById: [1], rawVariants: [sample.id, VARIANT_MID, 20],
      thread: [thread.id], threadMembers: [thread.id], threadRaws: [thread.id], threadIds: [thread.id], threadBytes: [thread.id],
      spanningThreadIds: [thread.id, 64], spanningMembers: [[thread.id]],
      messagesById: [[1, 2, 3]], rawsById: [[1, 2, 3]], newest: [sample.id, 20], listsWithMid: [VARIANT_MID],
      suggestIn: [sample.id, "2019", "2019\u{10ffff}"], suggestAll: ["2019", "2019\u{10ffff}"],
    };
    const seriesParams: Record<string, unknown[]> = {
      newest: [sample.id, "9999-12-31T23:59:59.999Z", 51], listState: [sample.id], newestVersions: [sample.id, 20],
      seriesOfRoots: [sample.id, [VARIANT_MID]], marks: [[1, 2]], versionByMid: [sample.id, VARIANT_MID], version: [1], versions: [1],
      patches: [1], message: [1], ofMessage: [sample.id, VARIANT_MID], counterparts: [1, 1],
    };
    const statements: [string, string, unknown[]][] = [
      ...Object.entries(READER_SQL).filter(([key]) => key !== "lists").map(([key, sql]) => [`reader.${key}`, sql, params[key]!] as [string, string, unknown[]]),
      ...Object.entries(SERIES_SQL).map(([key, sql]) => [`series.${key}`, sql, seriesParams[key]!] as [string, string, unknown[]]),
    ];
    const report: string[] = [];
    const client = new pg.Client({ connectionString: pgDb!.url });
    await client.connect();
    try {
      await client.query("SET enable_seqscan = off");
      for (const [key, sql, p] of statements) {
        assert.ok(p, `${key}: parameters for EXPLAIN`);
        const plan = await explain(client, sql, p);
        const scans = plan.filter((n) => n["Node Type"] === "Seq Scan" && BIG.has(n["Relation Name"] ?? ""));
        assert.deepEqual(scans.map((n) => n["Relation Name"]), [], `${key} scans a table`);
        report.push(`${key}: ${[...new Set(plan.flatMap((n) => (n["Index Name"] ? [n["Index Name"]] : [])))].join(", ")}`);
      }
    } finally {
      await client.end();
    }
    // The range scans of suggestMids need the byte-order index (migrations/*_message_id_byte_order).
    assert.ok(report.some((line) => line.startsWith("reader.suggestIn:") && line.includes("Message_listId_messageId_c_idx")), report.join("\n"));
    assert.ok(report.some((line) => line.startsWith("reader.suggestAll:") && line.includes("Message_listId_messageId_c_idx")), report.join("\n"));
  });

  test("the database sorts text unlike SQLite (ICU en-US), so byte order above is the reader's doing", async (t) => {
    const client = new pg.Client({ connectionString: pgDb!.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ provider: string; sorted: string[] }>(
        `SELECT datlocprovider AS provider, (SELECT array_agg(x ORDER BY x) FROM unnest($1::text[]) x) AS sorted
           FROM pg_database WHERE datname = current_database()`,
        [BYTE_ORDER_MIDS],
      );
      if (rows[0]?.provider !== "i") {
        t.skip("this server has no ICU: the database sorts as the cluster does");
        return;
      }
      assert.notDeepEqual(rows[0].sorted, BYTE_ORDER_MIDS);
    } finally {
      await client.end();
    }
  });

  test("search connections carry statement_timeout = SEARCH_LIMITS.budgetMs; search and reader sessions are read-only", async () => {
    const pool = (postgres!.search as unknown as { pool: pg.Pool }).pool;
    const { rows } = await pool.query<{ setting: string; unit: string }>(`SELECT setting, unit FROM pg_settings WHERE name = 'statement_timeout'`);
    assert.deepEqual(rows[0], { setting: String(SEARCH_LIMITS.budgetMs), unit: "ms" });
    await assert.rejects(pool.query("SELECT pg_sleep($1)", [SEARCH_LIMITS.budgetMs / 1000 + 1]), /statement timeout/);
    await assert.rejects(pool.query(`DELETE FROM "List" WHERE false`), /read-only/);
    const readerPool = (postgres!.reader as unknown as { pool: pg.Pool }).pool;
    await assert.rejects(readerPool.query(`DELETE FROM "List" WHERE false`), /read-only/, "the reader's sessions are read-only too");
  });
});
