import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readSource } from "@/lib/ingest/mail-sources";
import { looksLikePatch, parseMessage, withoutUnreadHeaders, type ParsedMessage } from "@/lib/mail/mime";

const MAIL_DIR = new URL("../fixtures/mail/", import.meta.url);

const fixtureBytes = (name: string) => readFileSync(new URL(name, MAIL_DIR));
const fixture = (name: string): Promise<ParsedMessage> => parseMessage(fixtureBytes(name));
// Mail built in code: "\n" lines, latin1 so "\xe9" stays one raw byte.
const mail = (text: string) => Buffer.from(text, "latin1");

test("fixture plain-utf8.eml: every field of a plain 8-bit UTF-8 message", async () => {
  assert.deepEqual(await fixture("plain-utf8.eml"), {
    messageId: "plain-utf8@example.org",
    subject: "Plain UTF-8 body",
    fromName: "Jane Doe",
    fromAddr: "jane.doe@example.org",
    to: ["linux-foo@vger.example.org"],
    cc: [],
    date: new Date("2019-04-29T13:31:04Z"),
    inReplyTo: null,
    references: [],
    bodyText: "Grüße aus Köln — naïve café ✓\n",
    hasPatch: false,
    attachments: [],
  });
});

test("fixture qp-latin1.eml: quoted-printable Latin-1 is decoded and soft breaks joined", async () => {
  const m = await fixture("qp-latin1.eml");
  assert.equal(m.bodyText, "Grüße aus Köln. This line is long enough that the mailer broke it with a soft line break.\n");
});

test("fixture base64-utf8.eml: base64 UTF-8 body", async () => {
  const m = await fixture("base64-utf8.eml");
  assert.equal(m.bodyText, "Ελληνικά, русский, 日本語.\nSecond line.\n");
});

test("fixture iso-2022-jp.eml: ISO-2022-JP subject (encoded word) and body", async () => {
  const m = await fixture("iso-2022-jp.eml");
  assert.equal(m.subject, "会議の件");
  assert.equal(m.bodyText, "こんにちは、世界。\n");
  assert.equal(m.fromName, "Taro Yamada");
  assert.deepEqual(m.date, new Date("2019-04-29T06:31:04Z"));
});

test("fixture rfc2047-subject-split.eml: a UTF-8 character split across folded encoded words", async () => {
  const m = await fixture("rfc2047-subject-split.eml");
  // RFC 2047 §6.2: whitespace between adjacent encoded words is not displayed.
  assert.equal(m.subject, "Übergrößenträger");
});

test("fixture format-flowed.eml: flowed lines are joined, hard breaks and the signature kept", async () => {
  const m = await fixture("format-flowed.eml");
  assert.equal(
    m.bodyText,
    "This paragraph was typed as one line and the mailer wrapped it with trailing spaces, " +
      "which format=flowed says to join.\nHard break kept.\n\n-- \nJane",
  );
});

test("fixture multipart-alternative.eml: the text/plain part is the body, the HTML is dropped", async () => {
  const m = await fixture("multipart-alternative.eml");
  assert.equal(m.bodyText, "Plain part wins.\n");
  assert.deepEqual(m.attachments, []);
});

test("fixture html-only.eml: HTML-only mail becomes text with no markup left", async () => {
  const m = await fixture("html-only.eml");
  assert.ok(!m.bodyText.includes("<script"), m.bodyText);
  assert.ok(!m.bodyText.includes("onerror"), m.bodyText);
  assert.ok(!m.bodyText.includes("alert("), m.bodyText);
  assert.doesNotMatch(m.bodyText, /<\/?[a-z]/i);
  assert.match(m.bodyText, /^Hello world\n/);
  assert.match(m.bodyText, /\nGoodbye$/);
  assert.equal(m.hasPatch, false);
});

test("fixture patch-inline.eml: git format-patch mail", async () => {
  const m = await fixture("patch-inline.eml");
  assert.equal(m.messageId, "20190429133104.1234-1-jane@example.org");
  assert.equal(m.subject, "[PATCH] frob: return success");
  assert.equal(m.hasPatch, true);
  assert.deepEqual(m.attachments, []);
  // Tabs and the "-- " before the git version survive byte for byte.
  assert.ok(m.bodyText.includes("\ndiff --git a/lib/frob.c b/lib/frob.c\n"));
  assert.ok(m.bodyText.endsWith("-\treturn 1;\n+\treturn 0;\n-- \n2.20.1\n"), m.bodyText);
});

test("fixture patch-attachment.eml: a text/x-patch attachment is appended after a marker", async () => {
  const m = await fixture("patch-attachment.eml");
  const patch = "--- a/lib/frob.c\n+++ b/lib/frob.c\n@@ -2 +2 @@\n-\treturn 1;\n+\treturn 0;\n";
  assert.equal(m.bodyText, `Does the attached patch help?\n\n[-- Attachment #2: 0001-frob.patch --]\n${patch}`);
  assert.equal(m.hasPatch, true);
  assert.deepEqual(m.attachments, [
    { filename: "0001-frob.patch", contentType: "text/x-patch", size: Buffer.byteLength(patch), content: Buffer.from(patch) },
  ]);
});

test("fixture pgp-signed.eml: the signature is an attachment, not body text", async () => {
  const m = await fixture("pgp-signed.eml");
  const armor = /-----BEGIN PGP SIGNATURE-----[^]*?-----END PGP SIGNATURE-----\n/.exec(
    fixtureBytes("pgp-signed.eml").toString("latin1"),
  );
  assert.ok(armor);
  assert.equal(m.bodyText, "Signed text.\n");
  assert.deepEqual(m.attachments, [
    { filename: "signature.asc", contentType: "application/pgp-signature", size: armor[0].length, content: Buffer.from(armor[0], "latin1") },
  ]);
  assert.equal(m.hasPatch, false);
});

test("fixture no-message-id.eml: messageId is null, the rest still parses", async () => {
  const m = await fixture("no-message-id.eml");
  assert.equal(m.messageId, null);
  assert.equal(m.subject, "No Message-ID");
  assert.equal(m.fromAddr, "jane@example.org");
  assert.deepEqual(m.references, []);
});

test("fixture bad-date.eml: an unparsable Date is null, not the time of parsing", async () => {
  // mailparser substitutes new Date(); the archive must fall back to the From_ line.
  const m = await fixture("bad-date.eml");
  assert.equal(m.date, null);
  assert.equal(m.subject, "Bad Date");
});

test("fixture no-date.eml: a missing Date is null", async () => {
  assert.equal((await fixture("no-date.eml")).date, null);
});

test("fixture group-address.eml: empty groups vanish, members keep header order", async () => {
  const m = await fixture("group-address.eml");
  assert.deepEqual(m.to, []);
  assert.deepEqual(m.cc, ["Alice <Alice@Example.org>", "bob@example.org", "carol@example.org"]);
});

test("fixture references-messy.eml: comments, folding, duplicates, own id, bare In-Reply-To", async () => {
  const m = await fixture("references-messy.eml");
  assert.equal(m.messageId, "child@example.org");
  assert.equal(m.inReplyTo, "parent@example.org");
  // Not "not-an-id@example.org" (inside a comment), not "child@example.org" (our own id).
  assert.deepEqual(m.references, ["root@example.org", "middle@example.org", "parent@example.org"]);
});

test("fixture 8bit-header-latin1.eml: raw Latin-1 bytes in Subject are not lost to U+FFFD", async () => {
  const m = await fixture("8bit-header-latin1.eml");
  assert.equal(m.subject, "Café crème brûlée");
});

test("every fixture in test/fixtures/mail has a test naming it", () => {
  const source = readFileSync(fileURLToPath(import.meta.url), "utf8");
  const names = readdirSync(MAIL_DIR).filter((name) => name.endsWith(".eml"));
  assert.ok(names.length >= 17);
  for (const name of names) assert.ok(source.includes(`fixture ${name}:`), `no test for ${name}`);
});

// Built in code: variations on the fixtures above.

test("raw 8-bit UTF-8 headers stay UTF-8", async () => {
  const m = await parseMessage(Buffer.from("From: Jörg Müller <jm@example.org>\nSubject: Grüße\n\nx\n", "utf8"));
  assert.equal(m.subject, "Grüße");
  assert.equal(m.fromName, "Jörg Müller");
});

test("8-bit header fallback is windows-1252 (Latin-1 as mail clients read it), per line, and works with CRLF mail", async () => {
  const m = await parseMessage(
    mail("From: Ren\xe9 <r@example.org>\r\nSubject: \xabquoted\xbb \xe2\x80\x93 dash\r\n\r\nbody \xe9\r\n"),
  );
  assert.equal(m.fromName, "René");
  // The Subject line mixes Latin-1 quotes with a UTF-8 en dash: the line is not
  // UTF-8, so all of it is read as windows-1252 (the en dash as a client shows it).
  assert.equal(m.subject, "«quoted» â€“ dash");
  // Only the header is rewritten: the body decodes as it does under an ASCII header.
  const ascii = await parseMessage(mail("From: r@example.org\r\nSubject: x\r\n\r\nbody \xe9\r\n"));
  assert.equal(m.bodyText, ascii.bodyText);
});

test("folded Date with a zone comment parses", async () => {
  const m = await parseMessage(mail("Subject: x\nDate: Tue, 14 Jan 2003\n 14:57:32 +0100 (CET)\n\nx\n"));
  assert.deepEqual(m.date, new Date("2003-01-14T13:57:32Z"));
});

test("subject whitespace and folding collapse to single spaces", async () => {
  const m = await parseMessage(mail("Subject:  [PATCH v2 1/3]\n\tmm:   fix  it \n\nx\n"));
  assert.equal(m.subject, "[PATCH v2 1/3] mm: fix it");
});

test("From address is lowercased and the display name trimmed", async () => {
  const m = await parseMessage(mail('From: "  Jane  " <JANE@Example.ORG>\nSubject: x\n\nx\n'));
  assert.equal(m.fromName, "Jane");
  assert.equal(m.fromAddr, "jane@example.org");
});

test("attachments: text is inlined in its charset with LF endings, binary is only listed", async () => {
  const m = await parseMessage(
    mail(
      [
        "Subject: x",
        "Content-Type: multipart/mixed; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "body",
        "--b",
        "Content-Type: application/octet-stream; name=blob.bin",
        "Content-Disposition: attachment; filename=blob.bin",
        "",
        "BINARY",
        "--b",
        "Content-Type: text/plain; charset=iso-8859-1; name=notes.txt",
        "Content-Disposition: attachment; filename=notes.txt",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Caf\xe9",
        "--b",
        "Content-Type: text/plain; charset=windows-1252; name=quotes.txt",
        "Content-Disposition: attachment; filename=quotes.txt",
        "Content-Transfer-Encoding: 8bit",
        "",
        "\x93quoted\x94 \x805",
        "--b",
        "Content-Type: text/x-diff; charset=no-such-charset",
        "Content-Disposition: inline",
        "",
        "--- a/x",
        "+++ b/x",
        "--b--",
        "",
      ].join("\r\n"),
    ),
  );
  // Markers number every attachment (#2 is the binary one, not shown), like lore.
  assert.equal(
    m.bodyText,
    "body\n[-- Attachment #3: notes.txt --]\nCafé\n[-- Attachment #4: quotes.txt --]\n“quoted” €5\n[-- Attachment #5 --]\n--- a/x\n+++ b/x",
  );
  assert.deepEqual(
    m.attachments.map((a) => [a.filename, a.contentType]),
    [["blob.bin", "application/octet-stream"], ["notes.txt", "text/plain"], ["quotes.txt", "text/plain"], [null, "text/x-diff"]],
  );
  assert.equal(m.hasPatch, true);
});

test("a huge body is cut at 4,000,000 characters", async () => {
  const m = await parseMessage(mail(`Subject: big\n\n${"x".repeat(4_000_100)}\n`));
  assert.equal(m.bodyText.length, 4_000_000);
});

test("withoutUnreadHeaders: drops unread fields with their continuation lines, keeps the read ones, Content-* and the body bytes", () => {
  const head = [
    "Received: from a.example.org (a.example.org [192.0.2.1])\n\tby b.example.org; Mon, 1 Jan 2024 00:00:00 +0000\n",
    "From: Jane <jane@example.org>\n",
    "DKIM-Signature: v=1; a=rsa-sha256;\n d=example.org; b=abc\n",
    "Subject: a\n folded subject\n",
    "X-Mailer: git-send-email\n",
    "Content-Type: text/plain;\n\tcharset=\"utf-8\"\n",
    "content-transfer-encoding: 8bit\n",
    "MIME-Version: 1.0\n",
    "not a field line\n",
    "To: list@example.org\n",
  ].join("");
  const body = "\nReceived: in the body stays\n\xe9\n";
  const out = withoutUnreadHeaders(mail(head + body)).toString("latin1");
  assert.equal(out, [
    "From: Jane <jane@example.org>\n",
    "Subject: a\n folded subject\n",
    "Content-Type: text/plain;\n\tcharset=\"utf-8\"\n",
    "content-transfer-encoding: 8bit\n",
    "MIME-Version: 1.0\n",
    "not a field line\n",
    "To: list@example.org\n",
  ].join("") + body);
});

test("withoutUnreadHeaders: CRLF mail keeps its line endings; a message with nothing to drop is returned as it is", () => {
  const crlf = mail("Received: x\r\n y\r\nSubject: s\r\n\r\nbody\r\n");
  assert.equal(withoutUnreadHeaders(crlf).toString("latin1"), "Subject: s\r\n\r\nbody\r\n");
  const plain = mail("Subject: s\nFrom: a@b\n\nReceived: body line\n");
  assert.equal(withoutUnreadHeaders(plain), plain);
  const headOnly = mail("X-A: 1\nSubject: s\n");
  assert.equal(withoutUnreadHeaders(headOnly).toString("latin1"), "Subject: s\n");
});

test("parsing without the unread fields gives what parsing every field gives, on the bundled sample's real mail", async () => {
  const { simpleParser } = await import("mailparser");
  const sample = fileURLToPath(new URL("../../samples/linux-integrity-sample.mbox.gz", import.meta.url));
  let cut = 0;
  for await (const { raw } of readSource(sample)) {
    const fewer = withoutUnreadHeaders(raw);
    if (fewer !== raw) cut++;
    // The fields parseMessage reads, from mailparser given every field and given the cut header.
    const [whole, part] = await Promise.all([simpleParser(raw), simpleParser(fewer)]);
    const id = whole.messageId;
    for (const key of ["subject", "text", "messageId", "inReplyTo", "references"] as const) assert.deepEqual(part[key], whole[key], `${id}: ${key}`);
    for (const key of ["from", "to", "cc"] as const) assert.deepEqual(part[key], whole[key], `${id}: ${key}`);
    assert.deepEqual(part.attachments.map((a) => [a.filename, a.contentType, a.content]), whole.attachments.map((a) => [a.filename, a.contentType, a.content]), id);
  }
  // vger mail carries Received, DKIM and list fields: nearly every message is cut.
  assert.ok(cut > 400, `${cut} messages cut`);
});

test("looksLikePatch: diff markers only count at the start of a line", () => {
  assert.equal(looksLikePatch("diff --git a/x b/x\n", []), true);
  assert.equal(looksLikePatch("intro\n--- a/x\n", []), true);
  assert.equal(looksLikePatch("intro\n+++ b/x\n", []), true);
  assert.equal(looksLikePatch("Index: lib/x.c\n", []), true);
  assert.equal(looksLikePatch("see diff --git a/x b/x\n", []), false);
  assert.equal(looksLikePatch("> --- a/x\n> +++ b/x\n", []), false);
  assert.equal(looksLikePatch("--- \n+++ \n", []), false);
  assert.equal(looksLikePatch("", []), false);
});

test("looksLikePatch: attachment names and types", () => {
  const att = (filename: string | null, contentType: string) => [{ filename, contentType, size: 1 }];
  assert.equal(looksLikePatch("", att("0001-fix.PATCH", "application/octet-stream")), true);
  assert.equal(looksLikePatch("", att("fix.diff", "application/octet-stream")), true);
  assert.equal(looksLikePatch("", att(null, "text/x-diff")), true);
  assert.equal(looksLikePatch("", att(null, "TEXT/X-PATCH")), true);
  assert.equal(looksLikePatch("", att("patch.txt", "text/plain")), false);
  assert.equal(looksLikePatch("", att("fix.patch.gz", "application/gzip")), false);
  assert.equal(looksLikePatch("", att(null, "text/x-patchwork")), false);
});
