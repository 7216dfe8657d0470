import assert from "node:assert/strict";
import { test } from "node:test";
import { contentDisposition, safeContentType } from "../../lib/mail/attachment";
import { extractAttachment, parseMessage } from "../../lib/mail/mime";

const MAIL = Buffer.from(
  [
    "From: a@b.c",
    "Message-ID: <att@x>",
    "Subject: two attachments",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain",
    "",
    "body",
    "--b",
    'Content-Type: text/x-patch; name="fix.patch"',
    'Content-Disposition: attachment; filename="fix.patch"',
    "",
    "diff --git a/x b/x",
    "--b",
    "Content-Type: text/html",
    'Content-Disposition: attachment; filename="x.html"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from("<script>alert(1)</script>").toString("base64"),
    "--b--",
    "",
  ].join("\r\n"),
);

test("extractAttachment returns the decoded bytes by position", async () => {
  const first = await extractAttachment(MAIL, 0);
  assert.equal(first?.filename, "fix.patch");
  assert.equal(first?.content.toString().trim(), "diff --git a/x b/x");
  const second = await extractAttachment(MAIL, 1);
  assert.equal(second?.content.toString(), "<script>alert(1)</script>");
  assert.equal(await extractAttachment(MAIL, 2), null);
});

test("ingest keeps the same decoded bytes a download would extract, position by position", async () => {
  const parsed = await parseMessage(MAIL);
  assert.equal(parsed.attachments.length, 2);
  for (const [i, a] of parsed.attachments.entries()) {
    const extracted = await extractAttachment(MAIL, i);
    assert.ok(extracted && Buffer.from(a.content).equals(extracted.content), `attachment ${i}`);
    assert.equal(a.size, a.content.length);
  }
});

test("safeContentType never lets HTML, SVG or XML through", () => {
  assert.equal(safeContentType("text/x-patch"), "text/plain; charset=utf-8");
  assert.equal(safeContentType("TEXT/HTML; charset=utf-8"), "application/octet-stream");
  assert.equal(safeContentType("image/svg+xml"), "application/octet-stream");
  assert.equal(safeContentType("text/xml"), "application/octet-stream");
  assert.equal(safeContentType("application/pdf"), "application/octet-stream");
});

test("contentDisposition escapes quotes, paths and non-ASCII", () => {
  assert.equal(contentDisposition('a"b;c.txt'), `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%3Bc.txt`);
  assert.equal(contentDisposition("../../etc/passwd"), `attachment; filename=".._.._etc_passwd"; filename*=UTF-8''.._.._etc_passwd`);
  assert.match(contentDisposition("résumé.pdf"), /filename="r_sum_.pdf"; filename\*=UTF-8''r%C3%A9sum%C3%A9\.pdf/);
  assert.match(contentDisposition(null), /attachment\.bin/);
  assert.equal(contentDisposition("a\ud800b.txt"), `attachment; filename="a_b.txt"; filename*=UTF-8''a%EF%BF%BDb.txt`);
});
