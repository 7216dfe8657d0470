// Thread index paging over a real ingested DB: every thread appears exactly
// once walking older pages, and walking back newer gives the same pages, even
// when many threads share the second at a page boundary.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseCursor } from "../../lib/web/cursor";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { ingest } from "../../lib/ingest/ingest";
import { formatMboxrd } from "../../lib/mail/mbox";
import { SqliteReader } from "../../lib/store/sqlite/reader";
import { THREADS_PER_PAGE } from "../../lib/store/types";

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
  (await reader.close());
  fs.rmSync(dir, { recursive: true, force: true });
});

test("older pages cover every thread once, newest first, without splitting a second", async () => {
  const list = ((await reader.getList("many")))!;
  const pages: string[][] = [];
  let page = (await reader.listRecentThreads(list.id));
  pages.push(page.threads.map((t) => t.rootMid));
  assert.equal(page.newerCursor, null);
  while (page.olderCursor) {
    page = (await reader.listRecentThreads(list.id, { before: parseCursor(page.olderCursor) }));
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
    page = (await reader.listRecentThreads(list.id, { after: parseCursor(page.newerCursor) }));
    back.unshift(page.threads.map((t) => t.rootMid));
  }
  // Keyset pages built from the other end may cut elsewhere, but together
  // they list the same threads in the same order.
  assert.deepEqual(back.flat(), all);
  assert.ok(back.slice(1, -1).every((p) => p.length >= THREADS_PER_PAGE), "only the ends may be short");
});

test("listLists reports counts and the last activity", async () => {
  const [many] = (await reader.listLists());
  assert.equal(many?.name, "many");
  assert.equal(many?.messageCount, 450);
  assert.equal(many?.lastDate?.toISOString(), new Date(Date.UTC(2024, 0, 1) + 2_000_000_000 + 450 * 60_000).toISOString());
});

test("a merge-guarded message hangs under its direct parent only, so no other thread's root shows as a ghost", async () => {
  const roots = [1, 2, 3, 4, 5].map((k) => `root${k}@g`);
  const raws = roots.map((mid, k) => Buffer.from(`Message-ID: <${mid}>\nFrom: A <a@x>\nSubject: root ${k}\nDate: Mon, 0${k + 1} Jan 2024 10:00:00 +0000\n\nbody\n`));
  raws.push(Buffer.from(
    `Message-ID: <merger@g>\nFrom: M <m@x>\nSubject: Re: all\nDate: Mon, 08 Jan 2024 10:00:00 +0000\n` +
      `In-Reply-To: <root2@g>\nReferences: ${roots.map((m) => `<${m}>`).join(" ")}\n\nbody\n`,
  ));
  const file = path.join(dir, "guard.mbox");
  fs.writeFileSync(file, Buffer.concat(raws.map(formatMboxrd)));
  await ingest({ dbFile, list: { name: "guard" }, sources: [file] });
  const fresh = new SqliteReader(dbFile);
  try {
    const list = (await fresh.getList("guard"))!;
    assert.equal((await fresh.listRecentThreads(list.id)).threads.length, 5);
    const merger = (await fresh.getMessageState(list.id, "merger@g"))!;
    const members = (await fresh.listThreadMembers(merger.threadId));
    assert.deepEqual(members.map((m) => m.mid), ["root2@g", "merger@g"]);
    assert.deepEqual(members.find((m) => m.mid === "merger@g")!.references, ["root2@g"]);
  } finally {
    (await fresh.close());
  }
});
