// Thread index paging over a real ingested DB: every thread appears exactly
// once walking older pages, and walking back newer gives the same pages, even
// when many threads share the second at a page boundary.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseCursor } from "../../lib/cursor";
import { ensureSchema } from "../../lib/ensure-schema";
import { ingest } from "../../lib/ingest";
import { formatMboxrd } from "../../lib/mbox";
import { SqliteReader, THREADS_PER_PAGE } from "../../lib/store/sqlite/reader";

const root = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "queries-test-"));
const dbFile = path.join(dir, "archive.db");
let reader: SqliteReader;
const SHARED_FROM = THREADS_PER_PAGE - 20;
const SHARED_TO = THREADS_PER_PAGE + 30;

function mail(i: number, date: Date): Buffer {
  return Buffer.from(`Message-ID: <t${i}@x>\nFrom: A <a@x>\nSubject: thread ${i}\nDate: ${date.toUTCString()}\n\nbody\n`);
}

before(async () => {
  const start = Date.UTC(2024, 0, 1);
  const raws: Buffer[] = [];
  for (let i = 0; i < 450; i++) {
    // Threads SHARED_FROM..SHARED_TO-1 all share one second: the first page boundary falls inside it.
    const t = i >= SHARED_FROM && i < SHARED_TO ? start + 1_000_000_000 : start + (450 - i) * 60_000 + (i < SHARED_FROM ? 2_000_000_000 : 0);
    raws.push(mail(i, new Date(t)));
  }
  const file = path.join(dir, "many.mbox");
  fs.writeFileSync(file, Buffer.concat(raws.map(formatMboxrd)));
  ensureSchema(dbFile, root);
  await ingest({ dbFile, list: { name: "many" }, sources: [file] });
  reader = new SqliteReader(dbFile);
});

after(async () => {
  reader.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("older pages cover every thread once, newest first, without splitting a second", async () => {
  const list = (reader.getList("many"))!;
  const pages: string[][] = [];
  let page = reader.listRecentThreads(list.id);
  pages.push(page.threads.map((t) => t.rootMid));
  assert.equal(page.newerCursor, null);
  while (page.olderCursor) {
    page = reader.listRecentThreads(list.id, { before: parseCursor(page.olderCursor) });
    pages.push(page.threads.map((t) => t.rootMid));
  }
  const all = pages.flat();
  assert.equal(all.length, 450);
  assert.equal(new Set(all).size, 450);
  assert.equal(pages[0]!.length, SHARED_TO, "the first page keeps the whole shared second");
  assert.ok(pages[0]!.includes(`t${SHARED_TO - 1}@x`));

  // Walk back from the last page with the newer links: the same pages.
  const back: string[][] = [page.threads.map((t) => t.rootMid)];
  while (page.newerCursor) {
    page = reader.listRecentThreads(list.id, { after: parseCursor(page.newerCursor) });
    back.unshift(page.threads.map((t) => t.rootMid));
  }
  // Keyset pages built from the other end may cut elsewhere, but together
  // they list the same threads in the same order.
  assert.deepEqual(back.flat(), all);
  assert.ok(back.slice(1, -1).every((p) => p.length >= THREADS_PER_PAGE), "only the ends may be short");
});

test("listLists reports counts and the last activity", async () => {
  const [many] = reader.listLists();
  assert.equal(many?.name, "many");
  assert.equal(many?.messageCount, 450);
  assert.equal(many?.lastDate?.toISOString(), new Date(Date.UTC(2024, 0, 1) + 2_000_000_000 + 450 * 60_000).toISOString());
});
