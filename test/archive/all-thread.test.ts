// The /all/ conversation on the committed cross-post fixtures: two lists
// (e2e/fixtures/crosspost-a.mbox, then crosspost-b.mbox) that share a patch,
// a reply sent to both, and a question asked on one list and answered on the
// other. Each list threads its own copies; /all/ joins them, each mail once.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { ingest } from "../../lib/ingest/ingest";
import { SqliteReader } from "../../lib/store/sqlite/reader";
import { getSpanningRawBytes, getSpanningThread, getSpanningThreadView, oneCopyPerMail } from "../../lib/archive/all-thread";
import { getThreadView, resolveMessage } from "../../lib/archive/message";
import type { SpanningMember } from "../../lib/store/types";

const root = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "all-thread-test-"));
const dbFile = path.join(dir, "archive.db");
const [A, B] = ["crosspost-a", "crosspost-b"];
const PATCH = "xp-patch@example.org";
let reader: SqliteReader;

before(async () => {
  ensureSchema(dbFile, root);
  for (const list of [A, B]) {
    await ingest({ dbFile, list: { name: list }, sources: [path.join(root, "e2e", "fixtures", `${list}.mbox`)], workers: 0 });
  }
  reader = new SqliteReader(dbFile);
});

after(async () => {
  await reader.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a mail in both lists is stored once, with one set of attachments, and each list counts it", () => {
  const db = new Database(dbFile, { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    assert.equal(count(`SELECT count(*) AS n FROM "Mail"`), 7, "seven distinct mails");
    assert.equal(count(`SELECT count(*) AS n FROM "Message"`), 9, "four copies in one list, five in the other");
    assert.equal(count(`SELECT count(*) AS n FROM "Attachment"`), 1, "the shared patch's attachment once");
    assert.deepEqual(db.prepare(`SELECT name, messageCount FROM "List" ORDER BY name`).all(), [
      { name: A, messageCount: 4 }, { name: B, messageCount: 5 },
    ]);
  } finally {
    db.close();
  }
});

async function listThreadMids(list: string, mid: string): Promise<string[]> {
  const found = await resolveMessage(reader, list, mid);
  assert.ok(found.found, `${mid} in ${list}`);
  const view = (await getThreadView(reader, found.list, found.state, 1))!;
  return [...view.messages.values()].map((m) => m.mid).sort();
}

test("each list's thread shows only its own copies", async () => {
  assert.deepEqual(await listThreadMids(A, PATCH), [PATCH, "xp-reply-a@example.org", "xp-reply-both@example.org"]);
  assert.deepEqual(await listThreadMids(B, PATCH), [PATCH, "xp-reply-b2@example.org", "xp-reply-b@example.org", "xp-reply-both@example.org"]);
  assert.deepEqual(await listThreadMids(B, "xp-answer@example.org"), ["xp-answer@example.org"]);
});

test("the /all/ thread joins the lists' threads, each mail once, from the list that stored it first", async () => {
  const thread = (await getSpanningThread(reader, [A, B], PATCH))!;
  assert.equal(thread.threadIds.length, 2);
  assert.deepEqual(thread.members.map((m) => [m.mid, m.list]), [
    [PATCH, A], ["xp-reply-a@example.org", A], ["xp-reply-b@example.org", B], ["xp-reply-b2@example.org", B], ["xp-reply-both@example.org", A],
  ]);
  assert.equal(thread.subject, "[PATCH] keys: check the keyring before use");
  const view = (await getSpanningThreadView(reader, thread, 1))!;
  assert.equal(view.partCount, 1);
  assert.deepEqual([...view.messages.values()].map((m) => [m.mid, m.list]).sort(), thread.members.map((m) => [m.mid, m.list]).sort());
  const patch = [...view.messages.values()].find((m) => m.mid === PATCH)!;
  assert.deepEqual(patch.attachments.map((a) => a.filename), ["0001-keys-check.patch"]);
  // One tree: the keyrings-only replies hang under the patch, the reply sent to both under the linux-integrity-only reply.
  const depth = new Map(view.nodes.map((n) => [n.mid, n.depth]));
  assert.deepEqual([depth.get(PATCH), depth.get("xp-reply-a@example.org"), depth.get("xp-reply-both@example.org"), depth.get("xp-reply-b2@example.org")], [0, 1, 2, 2]);
  assert.equal(await getSpanningThreadView(reader, thread, 2), null);
  assert.ok((await getSpanningRawBytes(reader, thread)) > 0);
});

test("a question on one list and its answer on another are one /all/ thread", async () => {
  for (const [lists, mid] of [[[A], "xp-question@example.org"], [[B], "xp-answer@example.org"]] as const) {
    const thread = (await getSpanningThread(reader, [...lists], mid))!;
    assert.deepEqual(thread.members.map((m) => m.mid), ["xp-question@example.org", "xp-answer@example.org"]);
  }
});

test("the /all/ thread's state changes when any of its lists' threads grows", async () => {
  const before_ = (await getSpanningThread(reader, [A, B], PATCH))!.state;
  const file = path.join(dir, "late.mbox");
  fs.writeFileSync(file, `From x Mon Feb  5 15:00:00 2024\nFrom: Late <late@example.org>\nSubject: Re: late\nDate: Mon, 5 Feb 2024 15:00:00 +0000\n` +
    `Message-ID: <xp-late@example.org>\nIn-Reply-To: <xp-reply-b2@example.org>\n\nlate\n`);
  await ingest({ dbFile, list: { name: B }, sources: [file], workers: 0 });
  const after_ = (await getSpanningThread(reader, [A, B], PATCH))!;
  assert.notEqual(after_.state, before_);
  assert.ok(after_.members.some((m) => m.mid === "xp-late@example.org"));
});

test("unknown Message-IDs and empty list sets find nothing", async () => {
  assert.equal(await getSpanningThread(reader, [], PATCH), null);
  assert.equal(await getSpanningThread(reader, [A], "no-such@example.org"), null);
});

test("oneCopyPerMail keeps the first copy of each mail, in order", () => {
  const copy = (id: number, mailId: number, list: string): SpanningMember => ({
    id, mailId, list, listId: list === A ? 1 : 2, mid: `m${mailId}`, subject: "", fromName: "", date: new Date(0), references: [], textBytes: 0,
  });
  const copies = [copy(1, 10, A), copy(5, 10, B), copy(2, 11, B), copy(3, 12, A), copy(7, 11, A)];
  assert.deepEqual(oneCopyPerMail(copies).map((c) => c.id), [1, 2, 3]);
  assert.deepEqual(oneCopyPerMail([]), []);
});
