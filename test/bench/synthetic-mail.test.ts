import assert from "node:assert/strict";
import { test } from "node:test";
import { rewriteForCopy } from "../../bench/synthetic-mail";
import { parseMessage } from "../../lib/mail/mime";

const MAIL = Buffer.from(
  [
    "From: Ann <ann@example.org>",
    "Message-ID: <root.1@example.org>",
    "In-Reply-To: <parent@example.org>",
    "References: <grand@example.org>",
    "\t<parent@example.org>",
    "Date: Tue, 02 Jan 2024 10:00:00 +0000",
    "Subject: [PATCH] caf\xe9",
    "",
    "Message-ID: <in-body@example.org> stays",
    "bytes \xff\xfe pass through",
    "",
  ].join("\n"),
  "latin1",
);
const DAY = 86_400_000;

test("copy 0 is the mail unchanged, with its Message-ID and date", () => {
  const out = rewriteForCopy(MAIL, 0, 30 * DAY);
  assert.equal(out.raw, MAIL);
  assert.equal(out.mid, "root.1@example.org");
  assert.equal(out.date?.toISOString(), "2024-01-02T10:00:00.000Z");
});

test("copy k: fresh ids in every id header (folded lines too), date shifted back, body byte for byte", async () => {
  const out = rewriteForCopy(MAIL, 3, 30 * DAY);
  assert.equal(out.mid, "s3.root.1@example.org");
  assert.equal(out.date?.toISOString(), "2023-12-03T10:00:00.000Z");
  const parsed = await parseMessage(out.raw);
  assert.equal(parsed.messageId, "s3.root.1@example.org");
  assert.equal(parsed.inReplyTo, "s3.parent@example.org");
  assert.deepEqual(parsed.references, ["s3.grand@example.org", "s3.parent@example.org"]);
  assert.equal(parsed.date?.toISOString(), "2023-12-03T10:00:00.000Z");
  const body = (b: Buffer) => b.subarray(b.indexOf("\n\n"));
  assert.deepEqual(body(out.raw), body(MAIL));
  assert.ok(out.raw.toString("latin1").startsWith("X-Scale-Copy: 3\n"));
});

test("copy k: the sender's address is tagged, so a copy's patch series are its own", async () => {
  assert.equal((await parseMessage(rewriteForCopy(MAIL, 3, DAY).raw)).fromAddr, "ann+s3@example.org");
  assert.equal((await parseMessage(rewriteForCopy(MAIL, 0, DAY).raw)).fromAddr, "ann@example.org");
  const folded = Buffer.from("From: A Very Long Name\n <long@example.org>\nSubject: x\n\nFrom: body@example.org\n");
  const out = await parseMessage(rewriteForCopy(folded, 2, DAY).raw);
  assert.equal(out.fromAddr, "long+s2@example.org");
  assert.equal(out.fromName, "A Very Long Name");
  assert.match(out.bodyText, /^From: body@example\.org/);
});

test("a mail without Message-ID or Date still differs from copy to copy", () => {
  const bare = Buffer.from("Subject: hi\n\nbody\n");
  const a = rewriteForCopy(bare, 1, DAY);
  const b = rewriteForCopy(bare, 2, DAY);
  assert.equal(a.mid, null);
  assert.notDeepEqual(a.raw, b.raw);
});
