import assert from "node:assert/strict";
import { test } from "node:test";
import { extractAddresses, replyInstructions, replySubject } from "../../lib/mail/reply";

test("extractAddresses reads bracketed and bare addresses, names with commas included", () => {
  assert.deepEqual(
    extractAddresses('"Doe, Jane" <Jane@Example.org>, bob@x.org, Carol <carol@y.org>'),
    ["jane@example.org", "bob@x.org", "carol@y.org"],
  );
  assert.deepEqual(extractAddresses(""), []);
  assert.deepEqual(extractAddresses("a@b.c, a@b.c"), ["a@b.c"]);
});

test("replySubject adds Re: once", () => {
  assert.equal(replySubject("[PATCH] ima: fix"), "Re: [PATCH] ima: fix");
  assert.equal(replySubject("RE: [PATCH] ima: fix"), "RE: [PATCH] ima: fix");
});

test("replyInstructions keeps the thread and everyone on Cc, list last, sender not repeated", () => {
  const r = replyInstructions({
    mid: "20191114031202.18012-1-nramas@linux.microsoft.com",
    subject: "[PATCH v7 0/5] KEYS: Measure keys",
    fromAddr: "nramas@linux.microsoft.com",
    to: "Mimi Zohar <zohar@linux.ibm.com>, nramas@linux.microsoft.com",
    cc: "linux-integrity@vger.kernel.org",
    listAddress: "linux-integrity@vger.kernel.org",
  });
  assert.equal(r.to, "nramas@linux.microsoft.com");
  assert.deepEqual(r.cc, ["zohar@linux.ibm.com", "linux-integrity@vger.kernel.org"]);
  assert.match(r.sendEmail, /--in-reply-to='<20191114031202\.18012-1-nramas@linux\.microsoft\.com>'/);
  assert.match(r.sendEmail, /--cc='zohar@linux\.ibm\.com'/);
  const url = new URL(r.mailto);
  assert.equal(url.protocol, "mailto:");
  assert.equal(url.pathname, "nramas@linux.microsoft.com");
  assert.equal(url.searchParams.get("In-Reply-To"), "<20191114031202.18012-1-nramas@linux.microsoft.com>");
  assert.equal(url.searchParams.get("Subject"), "Re: [PATCH v7 0/5] KEYS: Measure keys");
  assert.ok(!r.mailto.includes("+"), "spaces are %20, not +");
});

test("shell quoting survives hostile Message-IDs", () => {
  const r = replyInstructions({ mid: "a'$(rm -rf ~)@x", subject: "s", fromAddr: "a@b", to: "", cc: "", listAddress: null });
  assert.match(r.sendEmail, /--in-reply-to='<a'\\''\$\(rm -rf ~\)@x>'/);
});
