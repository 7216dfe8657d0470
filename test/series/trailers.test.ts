import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  type Trailer,
  TRAILER_NAMES,
  applyTrailers,
  canonicalTrailerName,
  extractPatchTrailers,
  extractReplyTrailers,
  mergeTrailers,
} from "../../lib/series/trailers";

// Real message bodies; test/series/fixtures/README.md says where each is from.
function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

const MIMI_REVIEWED: Trailer = { name: "Reviewed-by", value: "Mimi Zohar <zohar@linux.ibm.com>" };
const ARD_REVIEWED: Trailer = { name: "Reviewed-by", value: "Ard Biesheuvel <ard.biesheuvel@linaro.org>" };
const JARKKO = "Jarkko Sakkinen <jarkko.sakkinen@linux.intel.com>";

describe("TRAILER_NAMES", () => {
  test("the trailers b4 collects from replies, plus Signed-off-by, Link and Fixes", () => {
    assert.deepEqual([...TRAILER_NAMES], [
      "Reviewed-by", "Acked-by", "Tested-by", "Reported-by", "Suggested-by",
      "Co-developed-by", "Signed-off-by", "Link", "Fixes",
    ]);
  });
  test("canonical casing for known names, others as given", () => {
    assert.equal(canonicalTrailerName("REVIEWED-BY"), "Reviewed-by");
    assert.equal(canonicalTrailerName("co-developed-BY"), "Co-developed-by");
    assert.equal(canonicalTrailerName("Cc"), "Cc");
  });
});

describe("extractReplyTrailers on real replies", () => {
  test("above a quoted '> ---' and quoted diff, which do not end the search", () => {
    assert.deepEqual(extractReplyTrailers(fixture("reply-reviewed-above-quoted-diff.txt")), [MIMI_REVIEWED]);
  });
  test("the quoted '> Reviewed-by' is ignored, the sender's own is taken", () => {
    const body = fixture("reply-quoted-and-own-reviewed.txt");
    assert.match(body, /^> Reviewed-by: Mimi Zohar/m);
    assert.deepEqual(extractReplyTrailers(body), [MIMI_REVIEWED]);
  });
  test("below a whole quoted diff", () => {
    assert.deepEqual(extractReplyTrailers(fixture("reply-reviewed-below-quoted-diff.txt")), [ARD_REVIEWED]);
  });
  test("above a '-- ' signature that holds an address", () => {
    const body = fixture("reply-acked-above-signature.txt");
    assert.match(body, /^-- \n[^]*<jmorris@namei\.org>/m);
    assert.deepEqual(extractReplyTrailers(body), [{ name: "Acked-by", value: "James Morris <jamorris@linux.microsoft.com>" }]);
  });
  test("quoted trailers at any depth and everything after the signature are ignored", () => {
    const body = fixture("reply-trailers-after-signature.txt");
    // The reply quotes trailers (">>Reviewed-by", "> Acked-by") and, under
    // its signature, sends an updated patch with its own chain.
    assert.match(body, /^>>Reviewed-by: Mimi Zohar/m);
    assert.match(body, /^> Acked-by: Jessica Yu/m);
    assert.match(body, /^-- \n[^]*^Acked-by: Jessica Yu <jeyu@kernel.org>$/m);
    assert.deepEqual(extractReplyTrailers(body), []);
  });
  test("a Tested-by under an unquoted diff is not taken: it cannot be told from a second patch's chain", () => {
    const body = fixture("reply-tested-after-unquoted-diff.txt");
    assert.match(body, /^diff --git [^]*^Tested-by: Ilias Apalodimas/m);
    assert.deepEqual(extractReplyTrailers(body), []);
  });
  test("Fixes asked for with Cc (not a reviewer trailer), then Reviewed-by", () => {
    assert.deepEqual(extractReplyTrailers(fixture("reply-fixes-and-reviewed.txt")), [
      { name: "Fixes", value: 'a3fbfae82b4c ("tpm: take TPM chip power gating out of tpm_transmit()")' },
      { name: "Reviewed-by", value: JARKKO },
    ]);
  });
  test("a Link among Cc lines", () => {
    assert.deepEqual(extractReplyTrailers(fixture("reply-link.txt")), [
      { name: "Link", value: "https://lore.kernel.org/stable/20190712152734.GA13940@kroah.com/" },
    ]);
  });
  test("no-break spaces after the colon (Evolution)", () => {
    const body = fixture("reply-nbsp-after-colon.txt");
    assert.ok(body.includes("Reviewed-by:\u00a0\u00a0Mimi"));
    assert.deepEqual(extractReplyTrailers(body), [MIMI_REVIEWED]);
  });
  test("several trailers in their order", () => {
    assert.deepEqual(extractReplyTrailers(fixture("reply-reviewed-and-tested.txt")), [
      { name: "Reviewed-by", value: JARKKO },
      { name: "Tested-by", value: JARKKO },
    ]);
  });
});

describe("extractReplyTrailers rules", () => {
  test("keys match in any case and come out canonical; values are whitespace-collapsed", () => {
    assert.deepEqual(extractReplyTrailers("reviewed-BY:  Mimi   Zohar <zohar@linux.ibm.com>  \n"), [MIMI_REVIEWED]);
  });
  test("only at the start of a line", () => {
    assert.deepEqual(extractReplyTrailers("  Reviewed-by: Mimi Zohar <zohar@linux.ibm.com>\nSo Reviewed-by: Mimi Zohar <zohar@linux.ibm.com>\n"), []);
  });
  test("quoted at any depth, with or without spaces", () => {
    const body = [
      "> Reviewed-by: A <a@example.org>",
      "> > Reviewed-by: B <b@example.org>",
      ">> Acked-by: C <c@example.org>",
      ">>>Tested-by: D <d@example.org>",
      "Acked-by: E <e@example.org>",
    ].join("\n");
    assert.deepEqual(extractReplyTrailers(body), [{ name: "Acked-by", value: "E <e@example.org>" }]);
  });
  test("person trailers need an address (lines seen in the corpus)", () => {
    const body = [
      "Reviewed-by: is not necessary, but to the extent that you modified",
      "Suggested-by: Matthew Garrett <...>",
      "Signed-off-by: muh",
      "Reported-by: syzbot+0123456789abcdef@syzkaller.appspotmail.com",
    ].join("\n");
    assert.deepEqual(extractReplyTrailers(body), [
      { name: "Reported-by", value: "syzbot+0123456789abcdef@syzkaller.appspotmail.com" },
    ]);
  });
  test("a name and address wrapped onto two lines are joined (as b4 does)", () => {
    const body = "Reviewed-by: A Rather Long Reviewer Name\n<long.name@example.org>\nThanks\n";
    assert.deepEqual(extractReplyTrailers(body), [
      { name: "Reviewed-by", value: "A Rather Long Reviewer Name <long.name@example.org>" },
    ]);
  });
  test("Fixes needs a commit id, Link a URL: prose that starts with them is not a trailer", () => {
    const body = [
      "Fixes: the crash on resume, thanks!",
      "Link: see the thread from last week",
      "Fixes: 22447981fc05 (\"KEYS: Move trusted.h to include/keys [ver #2]\")",
      "Link: https://bugzilla.kernel.org/show_bug.cgi?id=219383",
    ].join("\n");
    assert.deepEqual(extractReplyTrailers(body), [
      { name: "Fixes", value: "22447981fc05 (\"KEYS: Move trusted.h to include/keys [ver #2]\")" },
      { name: "Link", value: "https://bugzilla.kernel.org/show_bug.cgi?id=219383" },
    ]);
  });
  test("other keys (Cc, From, Subject) are not reviewer trailers", () => {
    assert.deepEqual(extractReplyTrailers("Cc: stable@vger.kernel.org\nFrom: A <a@example.org>\nSubject: x\n"), []);
  });
  test("an unquoted diff ends the search: 'diff --git', or '---' over '+++'", () => {
    const trailer = "Acked-by: A <a@example.org>";
    assert.deepEqual(extractReplyTrailers(`${trailer}\ndiff --git a/x b/x\n${trailer}\n`).length, 1);
    assert.deepEqual(extractReplyTrailers(`${trailer}\n--- a/x\n+++ b/x\n${trailer}\n`).length, 1);
  });
  test("a bare '---' (a horizontal rule in a reply) does not", () => {
    const body = "Looks fine.\n---\nAcked-by: A <a@example.org>\n";
    assert.deepEqual(extractReplyTrailers(body), [{ name: "Acked-by", value: "A <a@example.org>" }]);
  });
  test("the signature separator is '-- ' exactly, also before CRLF", () => {
    assert.deepEqual(extractReplyTrailers("Hi\r\n-- \r\nAcked-by: A <a@example.org>\r\n"), []);
    assert.deepEqual(extractReplyTrailers("Hi\r\n--\r\nAcked-by: A <a@example.org>\r\n").length, 1);
  });
  test("CRLF bodies give the same trailers", () => {
    const body = fixture("reply-reviewed-and-tested.txt");
    assert.deepEqual(extractReplyTrailers(body.replace(/\n/g, "\r\n")), extractReplyTrailers(body));
  });
  test("hostile bodies return", () => {
    const size = 100_000;
    for (const body of [
      "Reviewed-by: " + "a".repeat(size),
      "Reviewed-by: " + "@".repeat(size),
      "Reviewed-by: " + "a@a".repeat(size / 3),
      "Fixes: " + "f".repeat(size),
      "Link: " + "h:/".repeat(size / 3),
      "Reviewed-by: x\n".repeat(size / 15),
      "\n".repeat(size),
      "x".repeat(60) + ":" + " ".repeat(size),
    ]) {
      assert.ok(Array.isArray(extractReplyTrailers(body)));
    }
  });
});

describe("extractPatchTrailers", () => {
  test("the trailer block above '---'", () => {
    assert.deepEqual(extractPatchTrailers(fixture("patch-lf.txt")), [
      { name: "Signed-off-by", value: "Matthew Garrett <mjg59@google.com>" },
    ]);
  });
  test("a message in LF with CRLF from the '---' line on", () => {
    assert.deepEqual(extractPatchTrailers(fixture("patch-mixed-line-endings.txt")), [
      { name: "Reported-by", value: "kernel test robot <lkp@intel.com>" },
      { name: "Fixes", value: 'a536629ef32d ("tpm: Remove read16/read32/write32 calls from tpm_tis_phy_ops")' },
      { name: "Signed-off-by", value: "Johannes Holland <johannes.holland@infineon.com>" },
    ]);
  });
  test("the changelog under '---' is not the message", () => {
    const body = fixture("patch-changelog-below-separator.txt");
    assert.match(body, /^\s+\* add Suggested-by: Jarkko/m);
    assert.deepEqual(extractPatchTrailers(body), [
      { name: "Suggested-by", value: "Jarkko Sakkinen <jarkko@kernel.org>" },
      { name: "Signed-off-by", value: "Johannes Holland <johannes.holland@infineon.com>" },
    ]);
  });
  test("every key of the block counts, in its order", () => {
    const body = "Fix it.\n\nSigned-off-by: A <a@example.org>\nCc: stable@vger.kernel.org # 5.10+\nCloses: https://example.org/1\n---\n x | 1 +\n";
    assert.deepEqual(extractPatchTrailers(body), [
      { name: "Signed-off-by", value: "A <a@example.org>" },
      { name: "Cc", value: "stable@vger.kernel.org # 5.10+" },
      { name: "Closes", value: "https://example.org/1" },
    ]);
  });
  test("indented lines continue the trailer above", () => {
    const body = "Fix it.\n\nFixes: 0123456789ab (\"a subject far too long\n  to fit on one line\")\nSigned-off-by: A <a@example.org>\n---\n";
    assert.deepEqual(extractPatchTrailers(body), [
      { name: "Fixes", value: '0123456789ab ("a subject far too long to fit on one line")' },
      { name: "Signed-off-by", value: "A <a@example.org>" },
    ]);
  });
  test("git's rule for a block: all trailers, or a known one and a quarter of the lines", () => {
    const mixed = "Fix it.\n\nThis line is prose.\nSigned-off-by: A <a@example.org>\n---\n";
    assert.equal(extractPatchTrailers(mixed).length, 1);
    const mostlyProse = "Fix it.\n\nOne.\nTwo.\nThree.\nFour.\nSigned-off-by: A <a@example.org>\n---\n";
    assert.deepEqual(extractPatchTrailers(mostlyProse), []);
    const unknownOnly = "Fix it.\n\nCc: a@example.org\n---\n";
    assert.deepEqual(extractPatchTrailers(unknownOnly), [{ name: "Cc", value: "a@example.org" }]);
  });
  test("without '---' the message ends at the diff or at the signature", () => {
    assert.equal(extractPatchTrailers("Fix.\n\nSigned-off-by: A <a@example.org>\ndiff --git a/x b/x\n").length, 1);
    assert.equal(extractPatchTrailers("Fix.\n\nSigned-off-by: A <a@example.org>\n\n-- \n2.43.0\n").length, 1);
  });
  test("hostile bodies return", () => {
    const size = 100_000;
    for (const body of [
      "Signed-off-by: A <a@example.org>\n" + " x\n".repeat(size / 3) + "---\n",
      "Signed-off-by: A <a@example.org>\n".repeat(size / 33) + "---\n",
      "---".repeat(size / 3),
      "\n".repeat(size),
      "\r\n".repeat(size / 2),
    ]) {
      assert.ok(Array.isArray(extractPatchTrailers(body)));
      assert.equal(typeof applyTrailers(body, [ARD_REVIEWED]), "string");
    }
  });
  test("no block, no trailers", () => {
    assert.deepEqual(extractPatchTrailers(""), []);
    assert.deepEqual(extractPatchTrailers("Just a message.\n---\n"), []);
  });
});

describe("mergeTrailers", () => {
  const existing: Trailer[] = [
    { name: "Signed-off-by", value: "A <a@example.org>" },
    { name: "Signed-off-by", value: "A <a@example.org>" }, // the chain's own repeat stays
  ];
  test("the chain as is, then new ones in arrival order", () => {
    const added = [ARD_REVIEWED, { name: "Tested-by", value: JARKKO }, MIMI_REVIEWED];
    assert.deepEqual(mergeTrailers(existing, added), [...existing, ...added]);
  });
  test("a trailer the chain has is not added again", () => {
    assert.deepEqual(mergeTrailers(existing, [{ name: "signed-off-by", value: "A  <A@Example.org>" }]), existing);
  });
  test("repeats among the new ones fold: name in any case, whitespace, address case", () => {
    const merged = mergeTrailers([], [
      MIMI_REVIEWED,
      { name: "REVIEWED-BY", value: " Mimi  Zohar <Zohar@Linux.IBM.com> " },
      { name: "Reviewed-by", value: "Mimi Zohar zohar@linux.ibm.com" },
    ]);
    assert.deepEqual(merged, [MIMI_REVIEWED, { name: "Reviewed-by", value: "Mimi Zohar zohar@linux.ibm.com" }]);
  });
  test("the display name is compared as written", () => {
    assert.equal(mergeTrailers([MIMI_REVIEWED], [{ name: "Reviewed-by", value: "mimi zohar <zohar@linux.ibm.com>" }]).length, 2);
  });
  test("the same person in another trailer is another trailer", () => {
    assert.equal(mergeTrailers([MIMI_REVIEWED], [{ name: "Tested-by", value: MIMI_REVIEWED.value }]).length, 2);
  });
  test("new names come out canonical; inputs are not changed", () => {
    const added = [{ name: "acked-by", value: "B <b@example.org>" }];
    assert.deepEqual(mergeTrailers(existing, added).at(-1), { name: "Acked-by", value: "B <b@example.org>" });
    assert.equal(added[0]?.name, "acked-by");
    assert.equal(existing.length, 2);
  });
});

describe("applyTrailers", () => {
  const garrettSignoff = "Signed-off-by: Matthew Garrett <mjg59@google.com>\n";
  const ardLine = "Reviewed-by: Ard Biesheuvel <ard.biesheuvel@linaro.org>\n";

  test("Ard's Reviewed-by from his reply goes under Matthew's Signed-off-by, nothing else moves", () => {
    const patch = fixture("patch-lf.txt");
    const fromReply = extractReplyTrailers(fixture("reply-reviewed-below-quoted-diff.txt"));
    const expected = patch.replace(`${garrettSignoff}---\n`, `${garrettSignoff}${ardLine}---\n`);
    assert.notEqual(expected, patch);
    assert.equal(applyTrailers(patch, fromReply), expected);
  });
  test("CRLF bodies get CRLF trailers", () => {
    const patch = fixture("patch-lf.txt").replace(/\n/g, "\r\n");
    const expected = patch.replace(`${garrettSignoff.trimEnd()}\r\n---\r\n`, `${garrettSignoff.trimEnd()}\r\n${ardLine.trimEnd()}\r\n---\r\n`);
    assert.equal(applyTrailers(patch, [ARD_REVIEWED]), expected);
  });
  test("mixed line endings: the new line ends like the trailer above it", () => {
    const patch = fixture("patch-mixed-line-endings.txt");
    const signoff = "Signed-off-by: Johannes Holland <johannes.holland@infineon.com>\n---\r\n";
    assert.ok(patch.includes(signoff));
    const applied = applyTrailers(patch, [{ name: "Reviewed-by", value: JARKKO }]);
    assert.equal(applied, patch.replace(signoff, `Signed-off-by: Johannes Holland <johannes.holland@infineon.com>\nReviewed-by: ${JARKKO}\n---\r\n`));
  });
  test("the new line ends like the line it follows, not like the body's first", () => {
    const body = "Fix.\r\n\r\nSigned-off-by: A <a@example.org>\n---\r\n";
    assert.equal(applyTrailers(body, [ARD_REVIEWED]), `Fix.\r\n\r\nSigned-off-by: A <a@example.org>\n${ardLine}---\r\n`);
  });
  test("trailers already there are skipped, new ones added in order; applying twice changes nothing", () => {
    const patch = fixture("patch-changelog-below-separator.txt");
    const trailers = [
      { name: "Suggested-by", value: "Jarkko Sakkinen <jarkko@kernel.org>" },
      { name: "Reviewed-by", value: "Jarkko Sakkinen <jarkko@kernel.org>" },
      { name: "Tested-by", value: "Jarkko Sakkinen <jarkko@kernel.org>" },
    ];
    const once = applyTrailers(patch, trailers);
    const signoff = "Signed-off-by: Johannes Holland <johannes.holland@infineon.com>\n";
    assert.equal(once, patch.replace(signoff, `${signoff}Reviewed-by: Jarkko Sakkinen <jarkko@kernel.org>\nTested-by: Jarkko Sakkinen <jarkko@kernel.org>\n`));
    assert.equal(applyTrailers(once, trailers), once);
  });
  test("nothing new: the very same body", () => {
    const patch = fixture("patch-lf.txt");
    assert.equal(applyTrailers(patch, [{ name: "signed-off-by", value: "Matthew Garrett <MJG59@google.com>" }]), patch);
    assert.equal(applyTrailers(patch, []), patch);
  });
  test("a message without a trailer block gets them as a paragraph of their own", () => {
    // Matthew's patch without its Signed-off-by: the blank line above "---" stays.
    const patch = fixture("patch-lf.txt").replace(garrettSignoff, "");
    const applied = applyTrailers(patch, [ARD_REVIEWED]);
    assert.equal(applied, patch.replace("make it generic.\n\n---\n", `make it generic.\n\n${ardLine}\n---\n`));
    assert.equal(applyTrailers("Fix.\n---\n", [ARD_REVIEWED]), `Fix.\n\n${ardLine}---\n`);
  });
  test("blank lines between the block and '---' stay below the new trailers", () => {
    const body = "Fix.\n\nSigned-off-by: A <a@example.org>\n\n---\n";
    assert.equal(applyTrailers(body, [ARD_REVIEWED]), `Fix.\n\nSigned-off-by: A <a@example.org>\n${ardLine}\n---\n`);
  });
  test("before the diff when there is no '---'", () => {
    const body = "Fix.\n\nSigned-off-by: A <a@example.org>\ndiff --git a/x b/x\n";
    assert.equal(applyTrailers(body, [ARD_REVIEWED]), `Fix.\n\nSigned-off-by: A <a@example.org>\n${ardLine}diff --git a/x b/x\n`);
  });
  test("a body without a final newline", () => {
    assert.equal(applyTrailers("Fix.\n\nSigned-off-by: A <a@example.org>", [ARD_REVIEWED]), `Fix.\n\nSigned-off-by: A <a@example.org>\n${ardLine}`);
    assert.equal(applyTrailers("Fix.", [ARD_REVIEWED]), `Fix.\n\n${ardLine}`);
  });
  test("an empty message", () => {
    assert.equal(applyTrailers("", [ARD_REVIEWED]), ardLine);
    assert.equal(applyTrailers("---\n x | 1 +\n", [ARD_REVIEWED]), `${ardLine}---\n x | 1 +\n`);
  });
  test("a value cannot smuggle in lines of its own", () => {
    const applied = applyTrailers("Fix.\n\nSigned-off-by: A <a@example.org>\n---\n", [
      { name: "Reviewed-by", value: "B <b@example.org>\n---\nSigned-off-by: Mallory <m@example.org>" },
    ]);
    assert.equal(applied, "Fix.\n\nSigned-off-by: A <a@example.org>\nReviewed-by: B <b@example.org> --- Signed-off-by: Mallory <m@example.org>\n---\n");
  });
});
