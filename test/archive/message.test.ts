// The archive's message reads on a real ingested sample: the list and the
// message resolve in one query, and a thread page needs at most three (the
// resolution, the members, the bodies of its part), however big the thread.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { ingest } from "../../lib/ingest/ingest";
import { formatMboxrd } from "../../lib/mail/mbox";
import { SqliteReader } from "../../lib/store/sqlite/reader";
import { findMissingMessage, getMessagePage, getThreadView, resolveMessage } from "../../lib/archive/message";

const root = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "archive-message-test-"));
const dbFile = path.join(dir, "archive.db");
const LIST = "linux-integrity";
// One patch sent as an attachment, one whose attachment name is a lone surrogate (kept through JSON).
const ATTACHMENT_MAILS = ["mail/patch-attachment.eml", "hostile/attachment-filename-lone-surrogate.eml"];
let reader: SqliteReader;

before(async () => {
  ensureSchema(dbFile, root);
  await ingest({ dbFile, list: { name: LIST }, sources: [path.join(root, "samples", "linux-integrity-sample.mbox.gz")], workers: 0 });
  const mbox = path.join(dir, "attachments.mbox");
  fs.writeFileSync(mbox, Buffer.concat(ATTACHMENT_MAILS.map((f) => formatMboxrd(fs.readFileSync(path.join(root, "test", "fixtures", f))))));
  await ingest({ dbFile, list: { name: "attachments" }, sources: [mbox], workers: 0 });
  reader = new SqliteReader(dbFile);
});

after(async () => {
  await reader.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `read` and returns its result with the number of statements it ran. */
async function counted<T>(read: () => Promise<T>): Promise<{ value: T; queries: number }> {
  const before = reader.queryCount;
  const value = await read();
  return { value, queries: reader.queryCount - before };
}

/** The root Message-ID of the biggest thread in the sample. */
async function biggestThreadRoot(): Promise<string> {
  const list = (await reader.getList(LIST))!;
  const page = await reader.listRecentThreads(list.id);
  return page.threads.reduce((a, b) => (b.messageCount > a.messageCount ? b : a)).rootMid;
}

test("a message URL resolves list and message in one query, and tells a missing list from a missing message", async () => {
  const mid = await biggestThreadRoot();
  const found = await counted(() => resolveMessage(reader, LIST, mid));
  assert.equal(found.queries, 1);
  assert.ok(found.value.found);
  assert.equal(found.value.list.name, LIST);
  assert.ok(found.value.state.threadCount > 1);
  assert.notEqual(found.value.state.threadSubject, "");

  const noMessage = await counted(() => resolveMessage(reader, LIST, "no-such-message@example.org"));
  assert.equal(noMessage.queries, 1);
  assert.deepEqual([noMessage.value.found, noMessage.value.list?.name], [false, LIST]);

  const noList = await resolveMessage(reader, "no-such-list", mid);
  assert.deepEqual(noList, { found: false, list: null });
});

test("a thread page costs at most 3 queries in all, and holds every member with the bodies of its part", async () => {
  const mid = await biggestThreadRoot();
  const before = reader.queryCount;
  const found = await resolveMessage(reader, LIST, mid);
  assert.ok(found.found);
  const view = await getThreadView(reader, found.list, found.state, 1);
  assert.ok(view);
  assert.ok(reader.queryCount - before <= 3, `thread page ran ${reader.queryCount - before} queries`);
  assert.equal(view.nodes.length, found.state.threadCount);
  assert.equal(view.messages.size, [...view.partOf.values()].filter((p) => p === 1).length);
  assert.equal(view.subject, found.state.threadSubject);
  const withAttachments = [...view.messages.values()].find((m) => m.attachments.length > 0);
  if (withAttachments) assert.ok(withAttachments.attachments.every((a, i) => a.position === i));
  assert.equal(await getThreadView(reader, found.list, found.state, view.partCount + 1), null);
});

test("attachments come back with the message that holds them, in position order, names as stored", async () => {
  const rows = reader.connection
    .prepare(`SELECT m.id, m.messageId AS mid, a.position, a.filename, a.contentType, a.size FROM "Attachment" a JOIN "Message" m ON m.mailId = a.mailId
               ORDER BY m.id, a.position`)
    .all() as { id: number; mid: string; position: number; filename: string | null; contentType: string; size: number }[];
  assert.ok(new Set(rows.map((r) => r.id)).size >= 2, "the attachment fixtures were stored");
  const list = (await reader.getList("attachments"))!;
  const ids = [...new Set(rows.map((r) => r.id))];
  const messages = await counted(() => reader.listMessagesById(list, ids));
  assert.equal(messages.queries, 1);
  for (const id of ids) {
    const expected = rows.filter((r) => r.id === id).map(({ position, filename, contentType, size }) => ({ position, filename, contentType, size }));
    assert.deepEqual(messages.value.get(id)?.attachments, expected);
  }
});

test("a message page holds the message, its thread overview and no series for a plain reply", async () => {
  const mid = await biggestThreadRoot();
  const found = await resolveMessage(reader, LIST, mid);
  assert.ok(found.found);
  const page = await getMessagePage(reader, found.list, found.state, mid, false);
  assert.equal(page.variants[0]?.mid, mid);
  assert.equal(page.nodes.length, found.state.threadCount);
  assert.equal(page.series, null);
});

test("a Message-ID missing from a list: the lists holding it and close matches", async () => {
  const mid = await biggestThreadRoot();
  const list = (await reader.getList(LIST))!;
  const elsewhere = await findMissingMessage(reader, null, mid);
  assert.deepEqual(elsewhere.elsewhere, [LIST]);
  const near = await findMissingMessage(reader, list, mid.slice(0, -3));
  assert.deepEqual(near.elsewhere, []);
  assert.ok(near.maybe.some((m) => m.mid === mid));
});
