import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { amMessage, amSubject, type AmPatch } from "../../lib/series/am-mbox";

const PATCH_BODY = [
  "Measure keys loaded onto any keyring.",
  "",
  "Signed-off-by: Ann Author <ann@example.org>",
  "---",
  " src/hello.c | 1 +",
  " 1 file changed, 1 insertion(+)",
  "",
  "diff --git a/src/hello.c b/src/hello.c",
  "index 1111111..2222222 100644",
  "--- a/src/hello.c",
  "+++ b/src/hello.c",
  "@@ -1 +1,2 @@",
  " int main(void) { return 0; }",
  "+/* hello */",
  "-- ",
  "2.43.0",
  "",
].join("\n");

function patch(overrides: Partial<AmPatch> = {}): AmPatch {
  return {
    mid: "20240101-1-ann@example.org",
    fromName: "Ann Author",
    fromAddr: "ann@example.org",
    date: new Date("2024-01-02T03:04:05Z"),
    subject: "[PATCH v2 1/3] hello: add a comment",
    bodyText: PATCH_BODY,
    trailers: [
      { name: "Reviewed-by", value: "Rita Reviewer <rita@example.com>" },
      { name: "Signed-off-by", value: "Ann Author <ann@example.org>" },
    ],
    ...overrides,
  };
}

// git's own reading of the message: what `git am` will commit.
function mailinfo(message: Buffer): { info: string; msg: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-mbox-"));
  try {
    const info = execFileSync("git", ["mailinfo", path.join(dir, "msg"), path.join(dir, "patch")], { input: message }).toString();
    return { info, msg: fs.readFileSync(path.join(dir, "msg"), "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const hasGit = (() => {
  try {
    execFileSync("git", ["--version"]);
    return true;
  } catch {
    return false;
  }
})();

describe("amMessage", () => {
  test("the headers git am reads, and the new trailers under the patch's own, above ---", () => {
    const text = amMessage(patch()).toString();
    assert.match(text, /^From: Ann Author <ann@example\.org>\nDate: Tue, 02 Jan 2024 03:04:05 \+0000\nSubject: \[PATCH v2 1\/3\] hello: add a comment\nMessage-Id: <20240101-1-ann@example\.org>\n/);
    assert.ok(text.includes("Signed-off-by: Ann Author <ann@example.org>\nReviewed-by: Rita Reviewer <rita@example.com>\n---\n"), text);
    assert.equal(text.split("Signed-off-by: Ann Author").length, 2, "the existing trailer is not repeated");
  });

  test("stored values cannot add header lines, and non-ASCII names are encoded words", () => {
    const text = amMessage(patch({ fromName: "Jürgen \"J\" Müller\r\nBcc: x@evil.example", subject: "[PATCH] a\r\nX-Injected: yes" })).toString();
    const headers = text.slice(0, text.indexOf("\n\n")).split("\n");
    assert.ok(headers.every((line) => !line.startsWith("Bcc:") && !line.startsWith("X-Injected:")), headers.join("\n"));
    assert.match(headers[0]!, /^From: =\?UTF-8\?Q\?.*\?= <ann@example\.org>$/);
  });

  test("git mailinfo reads the author, subject and the trailers as the commit message", { skip: !hasGit && "git is not installed" }, () => {
    const { info, msg } = mailinfo(amMessage(patch({ fromName: "Jürgen Müller" })));
    assert.match(info, /^Author: Jürgen Müller$/m);
    assert.match(info, /^Email: ann@example\.org$/m);
    assert.match(info, /^Subject: hello: add a comment$/m);
    assert.equal(msg, "Measure keys loaded onto any keyring.\n\nSigned-off-by: Ann Author <ann@example.org>\nReviewed-by: Rita Reviewer <rita@example.com>\n");
  });
});

describe("amSubject", () => {
  test("rebuilds the tags as b4 am does: RFC, an explicit revision, the counter unpadded; tree and RESEND dropped", () => {
    assert.equal(amSubject("[RFC PATCH net-next v3 02/17] tcp: fix foo"), "[PATCH RFC v3 2/17] tcp: fix foo");
    assert.equal(amSubject("[PATCH RESEND 5.10 001/300] CHANGES: record"), "[PATCH 1/300] CHANGES: record");
    assert.equal(amSubject("[PATCH] util: one"), "[PATCH] util: one");
    assert.equal(amSubject("[PATCH v1 1/2] util: two"), "[PATCH v1 1/2] util: two");
  });
});
