// The search processes: answers match an in-process search, a search over its
// budget is answered "timeout" and its process is killed (a running SQLite
// statement cannot be interrupted any other way), a full queue turns searches
// away at once, and the pool keeps serving after both.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import zlib from "node:zlib";
import Database from "better-sqlite3";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { searchMessages } from "../../lib/store/sqlite/search";
import { SearchPool } from "../../lib/web/search-pool";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "search-pool-test-"));
const dbFile = path.join(dir, "archive.db");
// Common words in every body: OR-ing them with relevance makes FTS5 merge and
// score every row, a query slow enough to overrun a small budget.
const WORDS = Array.from({ length: 60 }, (_, i) => `word${i}`);
const MESSAGES = 12_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

before(() => {
  ensureSchema(dbFile, ROOT);
  const db = new Database(dbFile);
  db.pragma("journal_mode = WAL");
  const listId = Number(db.prepare(`INSERT INTO "List" (name) VALUES ('big')`).run().lastInsertRowid);
  const threadId = Number(db.prepare(`INSERT INTO "Thread" (listId, rootMid) VALUES (?, 'm0@x')`).run(listId).lastInsertRowid);
  const insertKey = db.prepare(`INSERT INTO message_search_key (sortKey, messageId) VALUES (?, ?)`);
  const insertFts = db.prepare(`INSERT INTO message_fts (rowid, subject, bodyText, list) VALUES (?, ?, ?, ?)`);
  const insertMail = db.prepare(`INSERT INTO "Mail" (rawHash, bodyText, raw, size) VALUES (?, ?, ?, 1)`);
  const insert = db.prepare(
    `INSERT INTO "Message" (listId, messageId, mailId, rawHash, subject, date, threadId) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < MESSAGES; i++) {
      const body = Array.from({ length: 120 }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(" ");
      const date = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
      const mailId = Number(insertMail.run(`h${i}`, body, Buffer.from("x")).lastInsertRowid);
      const subject = `subject ${WORDS[i % WORDS.length]}`;
      const id = insert.run(listId, `m${i}@x`, mailId, `h${i}`, subject, date, threadId).lastInsertRowid;
      // Newest first, as the writer orders full-text rows.
      insertKey.run(-i, id);
      insertFts.run(-i, subject, body, `l${listId} all`);
    }
  })();
  db.close();
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("search pool", () => {
  const pool = new SearchPool({ database: { backend: "sqlite", file: dbFile }, budgetMs: 20_000, maxWaiting: 2 });
  after(() => pool.close());
  const slow = { list: "big", q: WORDS.join(" OR "), order: "relevance" as const };

  test("a search answers what the same search in this process answers", async () => {
    const outcome = await pool.page("light", { list: "big", q: "s:word7" });
    assert.ok(outcome.ok);
    const db = new Database(dbFile, { readonly: true });
    try {
      const here = await searchMessages({ list: "big", q: "s:word7", db });
      assert.deepEqual(outcome.value.hits.map((h) => h.mid), here.hits.map((h) => h.mid));
      assert.equal(outcome.value.total, here.total);
      assert.ok(outcome.value.hits[0]!.date instanceof Date, "dates survive the process boundary");
    } finally {
      db.close();
    }
    assert.notEqual(pool.pids().light, process.pid);
  });

  test("each lane's process runs at its priority in every thread, from its start (Linux)", { skip: !fs.existsSync("/proc/self/task") }, async () => {
    assert.ok((await pool.page("light", { list: "big", q: "word4" })).ok);
    assert.ok((await pool.page("heavy", { list: "big", q: "word5" })).ok);
    const nices = (pid: number) =>
      fs.readdirSync(`/proc/${pid}/task`).map((tid) => Number(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]));
    const own = nices(process.pid)[0]!;
    const light = nices(pool.pids().light!);
    const heavy = nices(pool.pids().heavy!);
    assert.ok(light.every((n) => n === own), `light lane threads: ${light.join(",")}`);
    assert.ok(heavy.length > 1 && heavy.every((n) => n === Math.min(19, own + 19)), `heavy lane threads: ${heavy.join(",")}`);
  });

  test("a search over its budget is answered 'timeout', its process killed, and the next search runs", async () => {
    const warm = await pool.page("heavy", { list: "big", q: "word1" });
    assert.ok(warm.ok, "the heavy lane's process is up");
    const pid = pool.pids().heavy!;
    const stopped = await pool.page("heavy", slow, { budgetMs: 30 });
    assert.deepEqual(stopped, { ok: false, reason: "timeout", budgetMs: 30 });
    assert.ok(await gone(pid), "the process running the statement was killed");
    const next = await pool.page("heavy", { list: "big", q: "word2" });
    assert.ok(next.ok && next.value.hits.length > 0);
    assert.notEqual(pool.pids().heavy, pid, "a fresh process took its place");
  });

  test("searches queued past maxWaiting are turned away at once; the light lane is not held up by the heavy one", async () => {
    const heavy = [1, 2, 3, 4].map((k) => pool.page("heavy", { ...slow, q: `${slow.q} OR extra${k}` }, { budgetMs: 10_000 }));
    const light = await pool.page("light", { list: "big", q: "s:word3" });
    assert.ok(light.ok, "a cheap search answers while costly ones wait in their own lane");
    const outcomes = await Promise.all(heavy);
    assert.ok(outcomes.some((o) => !o.ok && o.reason === "busy"), JSON.stringify(outcomes.map((o) => (o.ok ? "ok" : o.reason))));
    assert.ok(outcomes.some((o) => o.ok));
  });

  test("a download: the plan in the heavy lane, the gzipped mboxrd in the download process, chunk by chunk", async () => {
    const outcome = await pool.mboxPlan({ list: "big", q: "s:word5", threads: false });
    assert.ok(outcome.ok && outcome.value.ok);
    assert.equal(outcome.value.ids.length, MESSAGES / WORDS.length);
    const chunks: Buffer[] = [];
    const done = await pool.download(outcome.value.ids, async (chunk) => {
      chunks.push(Buffer.from(chunk));
    });
    assert.ok(done.ok);
    const mbox = zlib.gunzipSync(Buffer.concat(chunks)).toString("latin1");
    assert.equal(mbox.match(/^From /gm)?.length, MESSAGES / WORDS.length);
  });

  test("a download whose reader stops taking chunks loses its process, and the next download runs", async () => {
    const ids = Array.from({ length: MESSAGES }, (_, i) => i + 1);
    const pid = pool.pids().download!;
    const stopped = await pool.download(ids, async () => {
      throw new Error("the reader went away");
    });
    assert.deepEqual(stopped, { ok: false, reason: "timeout", budgetMs: 20_000 });
    assert.ok(await gone(pid));
    let bytes = 0;
    const next = await pool.download([1, 2, 3], async (chunk) => {
      bytes += chunk.length;
    });
    assert.ok(next.ok && bytes > 0);
  });
});
