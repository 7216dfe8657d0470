// The mail-once migration (prisma/sqlite/migrations/20261206000000_mail_once)
// on an archive built by the migrations before it: every message keeps its
// id, bytes, text, attachments and search entry, and a mail held by two
// lists ends up stored once.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { SqliteReader } from "../../lib/store/sqlite/reader";
import { SqliteArchiveWriter } from "../../lib/store/sqlite/archive-writer";
import { emptyCounts } from "../../lib/store/types";
import { parseMessage } from "../../lib/mail/mime";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MIGRATION = "20261206000000_mail_once";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-migrate-"));
const dbFile = path.join(dir, "archive.db");

/** A project whose migrations stop before this one: what an archive made by the previous release was built with. */
function previousRelease(): string {
  const project = path.join(dir, "previous");
  const migrations = path.join(project, "prisma", "sqlite", "migrations");
  fs.mkdirSync(migrations, { recursive: true });
  for (const entry of fs.readdirSync(path.join(ROOT, "prisma", "sqlite", "migrations"))) {
    if (entry >= MIGRATION && entry !== "migration_lock.toml") continue;
    fs.cpSync(path.join(ROOT, "prisma", "sqlite", "migrations", entry), path.join(migrations, entry), { recursive: true });
  }
  fs.cpSync(path.join(ROOT, "prisma", "sqlite", "schema.prisma"), path.join(project, "prisma", "sqlite", "schema.prisma"));
  fs.cpSync(path.join(ROOT, "prisma.config.ts"), path.join(project, "prisma.config.ts"));
  fs.mkdirSync(path.join(project, "lib", "store"), { recursive: true });
  fs.cpSync(path.join(ROOT, "lib", "store", "db-path.ts"), path.join(project, "lib", "store", "db-path.ts"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
  return project;
}

function mail(mid: string, body: string, extra = ""): Buffer {
  return Buffer.from(`From: A <a@example.org>\nTo: l@example.org\nSubject: ${mid} subject\nMessage-ID: <${mid}>\n` +
    `Date: Mon, 4 Mar 2024 10:00:00 +0000\n${extra}\n${body}\n`);
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const shared = mail("shared@x", "crossposted quokka body");
const alone = mail("alone@x", "only in one list");
const variant = mail("alone@x", "a different mail reusing the Message-ID");

interface Before {
  raw: string;
  bodyText: string;
  attachments: unknown[];
}
const before_ = new Map<number, Before>();

before(() => {
  ensureSchema(dbFile, previousRelease());
  const db = new Database(dbFile);
  const list = db.prepare(`INSERT INTO "List" (name) VALUES (?)`);
  const thread = db.prepare(`INSERT INTO "Thread" (listId, rootMid) VALUES (?, ?)`);
  const message = db.prepare(
    `INSERT INTO "Message" (listId, messageId, rawHash, subject, date, threadId, bodyText, raw, size)
     VALUES (?, ?, ?, ?, '2024-03-04T10:00:00.000+00:00', ?, ?, ?, ?)`,
  );
  const attachment = db.prepare(`INSERT INTO "Attachment" (messageId, position, filename, contentType, size, content) VALUES (?, ?, ?, ?, ?, ?)`);
  const ref = db.prepare(`INSERT INTO "ThreadRef" (listId, mid, threadId) VALUES (?, ?, ?)`);
  const a = Number(list.run("alpha").lastInsertRowid);
  const b = Number(list.run("beta").lastInsertRowid);
  const put = (listId: number, mid: string, raw: Buffer, body: string, threadId: number) =>
    Number(message.run(listId, mid, sha256(raw), `${mid} subject`, threadId, body, raw, raw.length).lastInsertRowid);
  const ta = Number(thread.run(a, "shared@x").lastInsertRowid);
  const tb = Number(thread.run(b, "shared@x").lastInsertRowid);
  const ta2 = Number(thread.run(a, "alone@x").lastInsertRowid);
  const sharedA = put(a, "shared@x", shared, "crossposted quokka body", ta);
  const aloneA = put(a, "alone@x", alone, "only in one list", ta2);
  const sharedB = put(b, "shared@x", shared, "crossposted quokka body", tb);
  put(a, "alone@x", variant, "a different mail reusing the Message-ID", ta2);
  ref.run(a, "shared@x", ta);
  ref.run(b, "shared@x", tb);
  ref.run(a, "alone@x", ta2);
  // Each list's copy had its own attachment rows; the bytes are the same.
  for (const id of [sharedA, sharedB]) {
    attachment.run(id, 0, "fix.patch", "text/x-patch", 5, Buffer.from("diff\n"));
    attachment.run(id, 1, null, "application/octet-stream", 3, Buffer.from([0, 1, 2]));
  }
  attachment.run(aloneA, 0, "old.bin", "application/octet-stream", 4, null);
  for (const row of db.prepare(`SELECT id, raw, bodyText FROM "Message"`).all() as { id: number; raw: Buffer; bodyText: string }[]) {
    const attachments = db.prepare(`SELECT position, filename, contentType, size, content FROM "Attachment" WHERE messageId = ? ORDER BY position`).all(row.id);
    before_.set(row.id, { raw: sha256(row.raw), bodyText: row.bodyText, attachments });
  }
  db.close();
  ensureSchema(dbFile, ROOT);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("every message keeps its id, bytes, text and attachments, read through its mail", () => {
  const db = new Database(dbFile, { readonly: true });
  try {
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    assert.deepEqual(db.pragma("foreign_key_check"), []);
    const rows = db.prepare(`SELECT m.id, m.mailId, mail.raw, mail.bodyText FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId ORDER BY m.id`)
      .all() as { id: number; mailId: number; raw: Buffer; bodyText: string }[];
    assert.deepEqual(rows.map((r) => r.id), [...before_.keys()]);
    for (const row of rows) {
      const was = before_.get(row.id)!;
      assert.equal(sha256(row.raw), was.raw, `raw of ${row.id}`);
      assert.equal(row.bodyText, was.bodyText);
      const attachments = db.prepare(`SELECT position, filename, contentType, size, content FROM "Attachment" WHERE mailId = ? ORDER BY position`).all(row.mailId);
      assert.deepEqual(attachments, was.attachments, `attachments of ${row.id}`);
    }
    assert.equal((db.prepare(`SELECT count(*) AS n FROM "Mail"`).get() as { n: number }).n, 3, "three distinct mails");
    const sharedMails = db.prepare(`SELECT DISTINCT mailId FROM "Message" WHERE messageId = 'shared@x'`).all();
    assert.equal(sharedMails.length, 1, "both lists' copies point at one mail");
    assert.equal((db.prepare(`SELECT count(*) AS n FROM "Attachment"`).get() as { n: number }).n, 3, "the shared mail's attachments once");
  } finally {
    db.close();
  }
});

test("full text still finds every copy, and the index is consistent", () => {
  // integrity-check is written as an INSERT: it needs a writable handle.
  const db = new Database(dbFile);
  try {
    db.prepare(`INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)`).run();
    const hits = (q: string) => (db.prepare(
      `SELECT k.messageId AS id FROM message_fts f JOIN message_search_key k ON k.sortKey = f.rowid WHERE message_fts MATCH ? ORDER BY id`,
    ).all(q) as { id: number }[]).map((r) => r.id);
    const sharedIds = (db.prepare(`SELECT id FROM "Message" WHERE messageId = 'shared@x' ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
    assert.deepEqual(hits("quokka"), sharedIds);
    assert.deepEqual(hits("list:l2"), sharedIds.slice(1), "each copy carries its list's token");
    // Full-text rowids run newest first: date descending, then id descending.
    const byKey = db.prepare(`SELECT messageId AS id FROM message_search_key ORDER BY sortKey`).all();
    assert.deepEqual(byKey, db.prepare(`SELECT id FROM "Message" ORDER BY date DESC, id DESC`).all());
    assert.equal(hits("reusing").length, 1);
    assert.equal(hits(`subject:alone`).length, 2);
  } finally {
    db.close();
  }
});

test("the migrated archive reads and takes new mail, a cross-post again stored once", async () => {
  const reader = new SqliteReader(dbFile);
  try {
    const beta = (await reader.getList("beta"))!;
    const state = (await reader.getMessageState(beta.id, "shared@x"))!;
    const [view] = (await reader.listMessagesById(beta, [state.id])).values();
    assert.equal(view!.bodyText, "crossposted quokka body");
    assert.deepEqual(view!.attachments.map((a) => a.filename), ["fix.patch", null]);
    assert.equal((await reader.getAttachment(beta.id, "shared@x", 1))!.content!.toString("hex"), "000102");
    assert.equal(sha256((await reader.getRawById(state.id))!), sha256(shared));
  } finally {
    await reader.close();
  }
  const writer = new SqliteArchiveWriter(dbFile);
  const raw = mail("new@x", "after the migration", "Cc: beta@example.org\n");
  const counts = emptyCounts();
  try {
    for (const name of ["alpha", "beta"]) {
      const listId = await writer.ensureList({ name });
      await writer.writeBatch(listId, [{ raw, parsed: await parseMessage(raw), fallbackDate: null, position: "test" }], counts, () => {});
    }
  } finally {
    await writer.close();
  }
  assert.equal(counts.added, 2);
  const db = new Database(dbFile, { readonly: true });
  try {
    const ids = db.prepare(`SELECT mailId FROM "Message" WHERE messageId = 'new@x'`).all() as { mailId: number }[];
    assert.equal(ids.length, 2);
    assert.equal(new Set(ids.map((r) => r.mailId)).size, 1);
    const maxOld = Math.max(...before_.keys());
    assert.ok(ids[0]!.mailId > maxOld, "new mails get ids past the migrated ones");
    // The writer's keys continue the migration's order: same date, later id, first.
    const byKey = db.prepare(`SELECT messageId AS id FROM message_search_key ORDER BY sortKey`).all();
    assert.deepEqual(byKey, db.prepare(`SELECT id FROM "Message" ORDER BY date DESC, id DESC`).all());
  } finally {
    db.close();
  }
});
