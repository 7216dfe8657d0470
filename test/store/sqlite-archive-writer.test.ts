// The SQLite writer's full-text keys: each batch's keys are written at its
// end in ascending order, and must still be the keys one message at a time
// would give (newest first, same date by id, past every stored key).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { SqliteArchiveWriter } from "../../lib/store/sqlite/archive-writer";
import { emptyCounts, type IncomingMessage } from "../../lib/store/types";
import { parseMessage } from "../../lib/mail/mime";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-writer-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

async function incoming(n: number, date: Date): Promise<IncomingMessage> {
  const raw = Buffer.from(
    `Message-ID: <m${n}@x>\nFrom: a@example.org\nSubject: message ${n}\nDate: ${date.toUTCString()}\n\nwombat body ${n}\n`,
  );
  // Milliseconds do not survive a Date header: set them on the parsed date.
  const parsed = await parseMessage(raw);
  parsed.date = date;
  return { raw, parsed, fallbackDate: null, position: `message ${n}` };
}

test("full-text keys order every message newest first, same millisecond by id, across batches in any date order", async () => {
  const file = path.join(TMP, "keys.db");
  ensureSchema(file, ROOT);
  // Seeded dates from a few milliseconds, so many copies share one; batches
  // arrive oldest first, newest first and mixed.
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const base = Date.UTC(2024, 0, 1);
  const dates = Array.from({ length: 300 }, () => new Date(base + Math.floor(random() * 6) * 1000 + Math.floor(random() * 3)));
  const messages = await Promise.all(dates.map((d, n) => incoming(n, d)));
  const batches = [
    messages.slice(0, 100).sort((a, b) => a.parsed!.date!.getTime() - b.parsed!.date!.getTime()),
    messages.slice(100, 200).sort((a, b) => b.parsed!.date!.getTime() - a.parsed!.date!.getTime()),
    messages.slice(200),
  ];
  const writer = new SqliteArchiveWriter(file);
  const counts = emptyCounts();
  try {
    const listId = await writer.ensureList({ name: "keys" });
    for (const batch of batches) await writer.writeBatch(listId, batch, counts, () => {});
  } finally {
    await writer.close();
  }
  assert.equal(counts.added, 300);
  const db = new Database(file);
  try {
    const byKey = db.prepare(`SELECT messageId AS id FROM message_search_key ORDER BY sortKey`).all();
    assert.deepEqual(byKey, db.prepare(`SELECT id FROM "Message" ORDER BY date DESC, id DESC`).all());
    // Each key sits in its own millisecond's slot of positions.
    const rows = db.prepare(`SELECT k.sortKey AS key, m.date AS date FROM message_search_key k JOIN "Message" m ON m.id = k.messageId`).safeIntegers().all() as { key: bigint; date: string }[];
    for (const { key, date } of rows) assert.equal(-key / 32768n, BigInt(Date.parse(date)), `${key} in ${date}'s slot`);
    // Every key brought its message into the index.
    const hits = db.prepare(`SELECT k.messageId AS id FROM message_fts f JOIN message_search_key k ON k.sortKey = f.rowid WHERE message_fts MATCH 'wombat' ORDER BY f.rowid`).all();
    assert.deepEqual(hits, byKey);
    db.prepare(`INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)`).run();
  } finally {
    db.close();
  }
});

test("each copy's full-text row holds its fields and its list; only a mail's first copy is in /all/", async () => {
  const file = path.join(TMP, "copies.db");
  ensureSchema(file, ROOT);
  const raw = Buffer.from(
    "Message-ID: <cross@x>\nFrom: Quinn Numbat <quinn@example.org>\nTo: alpha@example.org\nCc: beta@example.org\n" +
      "Subject: platypus subject\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nechidna body\n",
  );
  const writer = new SqliteArchiveWriter(file);
  const counts = emptyCounts();
  const lists: number[] = [];
  try {
    for (const name of ["alpha", "beta"]) {
      const listId = await writer.ensureList({ name });
      lists.push(listId);
      await writer.writeBatch(listId, [{ raw, parsed: await parseMessage(raw), fallbackDate: null, position: name }], counts, () => {});
    }
  } finally {
    await writer.close();
  }
  assert.equal(counts.added, 2);
  const db = new Database(file);
  try {
    const hits = (query: string) =>
      db.prepare(`SELECT m.listId AS list FROM message_fts f JOIN message_search_key k ON k.sortKey = f.rowid JOIN "Message" m ON m.id = k.messageId
                   WHERE message_fts MATCH ? ORDER BY m.listId`).all(query).map((r) => (r as { list: number }).list);
    assert.deepEqual(hits("subject:platypus"), lists);
    assert.deepEqual(hits("fromName:numbat AND fromAddr:quinn"), lists);
    assert.deepEqual(hits("toAddrs:alpha AND ccAddrs:beta"), lists);
    assert.deepEqual(hits("bodyText:echidna"), lists);
    assert.deepEqual(hits(`list:l${lists[0]}`), [lists[0]]);
    assert.deepEqual(hits(`list:l${lists[1]}`), [lists[1]]);
    assert.deepEqual(hits("list:all"), [lists[0]]);
    db.prepare(`INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)`).run();
  } finally {
    db.close();
  }
});
