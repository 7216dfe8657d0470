import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extractDiff, patchId } from "../../lib/series/patch-id";

// Real message bodies; test/series/fixtures/README.md says where each is from.
function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

const PATCH_LF = fixture("patch-lf.txt"); // 3 files, "-- \n2.22.0.rc2...\n" signature
const PATCH_MIXED = fixture("patch-mixed-line-endings.txt"); // 1 file, CRLF notes, LF diff
const PATCH_CHANGELOG = fixture("patch-changelog-below-separator.txt"); // 6 files

// The reference: git itself. Run outside any repository, so no repository
// config (patchid.*) or object format can change the answer.
function findGit(): string | null {
  try {
    return execFileSync("git", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}
const GIT_VERSION = findGit();
const NEEDS_GIT = GIT_VERSION === null ? "git is not installed: comparisons with `git patch-id --stable` skipped" : false;

/** Every id `git patch-id --stable` prints for the input, in order. */
function gitPatchIds(input: string): string[] {
  const out = execFileSync("git", ["patch-id", "--stable"], { input, cwd: tmpdir(), encoding: "utf8" });
  return out.split("\n").filter((line) => line !== "").map((line) => line.split(" ")[0] as string);
}

function gitPatchId(input: string): string | null {
  return gitPatchIds(input)[0] ?? null;
}

/** The body with its diff's file sections in the given order. */
function reorderFiles(body: string, order: readonly number[]): string {
  const start = body.indexOf("diff --git ");
  const signature = body.lastIndexOf("\n-- \n");
  const end = signature === -1 ? body.length : signature + 1;
  const files = body.slice(start, end).split(/^(?=diff --git )/m);
  assert.equal(files.length, order.length, "order names every file section");
  return body.slice(0, start) + order.map((i) => files[i]).join("") + body.slice(end);
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

// `git format-patch -M` (git 2.39.5) of one commit touching five files in
// the ways that leave git's per-file split: a rename with a hunk, a binary
// change, a hunk ending without a newline, an empty new file and a mode
// change (the last two have headers but no hunks).
const MANY_KINDS = [
  "Exercise every kind of file change.",
  "",
  "Signed-off-by: T <t@example.org>",
  "---",
  " a.txt => a2.txt |   2 +-",
  " b.bin           | Bin 6 -> 6 bytes",
  " c.txt           |   1 +",
  " empty.txt       |   0",
  " s.sh            |   0",
  " 5 files changed, 2 insertions(+), 1 deletion(-)",
  " rename a.txt => a2.txt (85%)",
  " create mode 100644 empty.txt",
  " mode change 100644 => 100755 s.sh",
  "",
  "diff --git a/a.txt b/a2.txt",
  "similarity index 85%",
  "rename from a.txt",
  "rename to a2.txt",
  "index a3d0339..93b040a 100644",
  "--- a/a.txt",
  "+++ b/a2.txt",
  "@@ -2,6 +2,6 @@ line1",
  " line2",
  " line3",
  " line4",
  "-line5",
  "+LINE5",
  " line6",
  " line7",
  "diff --git a/b.bin b/b.bin",
  "index 677273046bce3115f56c248238f3b83f77cfc239..8d0cd2ad57642d7d820fcd1eb42b7f7e04042d0e 100644",
  "GIT binary patch",
  "literal 6",
  "NcmZQzWKPP=0{{Yj0X_f#",
  "",
  "literal 6",
  "NcmZQzWJ=1+0{{Yf0X+Z!",
  "",
  "diff --git a/c.txt b/c.txt",
  "index 814f4a4..54d55bf 100644",
  "--- a/c.txt",
  "+++ b/c.txt",
  "@@ -1,2 +1,3 @@",
  " one",
  " two",
  "+three",
  "\\ No newline at end of file",
  "diff --git a/empty.txt b/empty.txt",
  "new file mode 100644",
  "index 0000000..e69de29",
  "diff --git a/s.sh b/s.sh",
  "old mode 100644",
  "new mode 100755",
  "-- ",
  "2.39.5",
  "",
].join("\n");

// A small two-file patch for hand-made variants.
const SMALL = [
  "tpm: small change",
  "",
  "Signed-off-by: A <a@example.org>",
  "---",
  " drivers/x.c | 2 +-",
  " drivers/y.c | 1 +",
  " 2 files changed, 2 insertions(+), 1 deletion(-)",
  "",
  "diff --git a/drivers/x.c b/drivers/x.c",
  "index 1111111..2222222 100644",
  "--- a/drivers/x.c",
  "+++ b/drivers/x.c",
  "@@ -10,3 +10,3 @@ static int foo(void)",
  " \tint a;",
  "-\treturn a;",
  "+\treturn b;",
  " }",
  "diff --git a/drivers/y.c b/drivers/y.c",
  "index 3333333..4444444 100644",
  "--- a/drivers/y.c",
  "+++ b/drivers/y.c",
  "@@ -1,2 +1,3 @@",
  " #include <x.h>",
  "+#include <y.h>",
  " ",
  "-- ",
  "2.43.0",
  "",
].join("\n");

describe("extractDiff", () => {
  test("null when the body has no diff", () => {
    assert.equal(extractDiff("Hello,\n\nplease pull.\n---\nnot a diff\n-- \n2.43.0\n"), null);
    assert.equal(extractDiff(""), null);
  });

  test("from the first 'diff --git' line to the '-- ' signature, bytes as in the body", () => {
    const diff = extractDiff(PATCH_LF);
    assert.equal(diff, PATCH_LF.slice(PATCH_LF.indexOf("diff --git "), PATCH_LF.lastIndexOf("-- \n")));
  });

  test("CRLF and mixed line endings: the same lines, their endings kept", () => {
    assert.equal(extractDiff(toCrlf(PATCH_LF)), toCrlf(extractDiff(PATCH_LF) as string));
    const mixed = extractDiff(PATCH_MIXED) as string;
    assert.ok(mixed.startsWith("diff --git a/drivers/char/tpm/tpm_tis_synquacer.c "));
    assert.ok(mixed.endsWith(" \t\tbreak;\n \t}\n \n"));
  });

  test("what follows the last hunk is not the diff: base-commit, a list footer", () => {
    const diff = extractDiff(SMALL) as string;
    const withBase = SMALL.replace("-- \n", "\nbase-commit: 0123456789abcdef0123456789abcdef01234567\n-- \n");
    assert.equal(extractDiff(withBase), diff);
    const withFooter = SMALL.replace("-- \n2.43.0\n", "_______________________________________________\nlinux-foo mailing list\n");
    assert.equal(extractDiff(withFooter), diff);
  });

  test("a hunk line removing '- ' is not a signature", () => {
    const body = "m\n---\ndiff --git a/r.md b/r.md\n--- a/r.md\n+++ b/r.md\n@@ -1,3 +1,2 @@\n a\n-- \n b\n-- \n2.43.0\n";
    assert.equal(extractDiff(body), "diff --git a/r.md b/r.md\n--- a/r.md\n+++ b/r.md\n@@ -1,3 +1,2 @@\n a\n-- \n b\n");
  });

  test("a hunk whose empty context line lost its space still ends at the signature", () => {
    const body = "m\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n-- \n2.43.0\n";
    assert.equal(extractDiff(body), "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n");
  });

  test("a diff without git's header starts at its '--- '/'+++ ' pair", () => {
    const body = "Fix it.\n---\nIndex: x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n";
    assert.equal(extractDiff(body), "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n");
  });
});

describe("patchId", () => {
  test("null without a diff", () => {
    assert.equal(patchId("Just a cover letter.\n\nThanks,\nA\n-- \n2.43.0\n"), null);
  });

  test("40 lowercase hex characters", () => {
    assert.match(patchId(SMALL) as string, /^[0-9a-f]{40}$/);
  });

  test("reordered files: the same id", () => {
    assert.equal(patchId(reorderFiles(PATCH_LF, [2, 0, 1])), patchId(PATCH_LF));
    assert.equal(patchId(reorderFiles(SMALL, [1, 0])), patchId(SMALL));
  });

  test("whitespace inside lines does not count", () => {
    const respaced = PATCH_LF.replace(/^\+\t/gm, "+        ").replace(/^( .*;)$/gm, "$1   ");
    assert.notEqual(respaced, PATCH_LF);
    assert.equal(patchId(respaced), patchId(PATCH_LF));
  });

  test("nor do index lines, hunk line numbers and hunk headers' function names", () => {
    const rebased = SMALL.replace("index 1111111..2222222", "index 5555555..6666666")
      .replace("@@ -10,3 +10,3 @@ static int foo(void)", "@@ -42,3 +44,3 @@ static int foo(int x)");
    assert.equal(patchId(rebased), patchId(SMALL));
  });

  test("changed content: a different id", () => {
    assert.notEqual(patchId(SMALL.replace("+\treturn b;", "+\treturn c;")), patchId(SMALL));
  });

  test("the commit message, notes and signature do not count", () => {
    const other = SMALL.replace("tpm: small change", "tpm: other words")
      .replace("---\n", "---\nv2: rebased\n\n")
      .replace("2.43.0", "2.31.1.windows.1");
    assert.equal(patchId(other), patchId(SMALL));
    assert.equal(patchId(SMALL.slice(0, SMALL.indexOf("-- \n"))), patchId(SMALL));
  });

  test("CRLF and LF give the same id", () => {
    assert.equal(patchId(toCrlf(PATCH_LF)), patchId(PATCH_LF));
  });
});

describe("patchId is `git patch-id --stable`", { skip: NEEDS_GIT }, () => {
  test("a one-file patch", () => {
    assert.equal(patchId(PATCH_MIXED), gitPatchId(PATCH_MIXED));
  });

  test("multi-file patches", () => {
    assert.equal(patchId(PATCH_LF), gitPatchId(PATCH_LF));
    assert.equal(patchId(PATCH_CHANGELOG), gitPatchId(PATCH_CHANGELOG));
    assert.equal(patchId(SMALL), gitPatchId(SMALL));
  });

  test("the same patch with its files reordered: git's id, the same one", () => {
    for (const order of [[1, 2, 0], [2, 1, 0]]) {
      const reordered = reorderFiles(PATCH_LF, order);
      assert.equal(gitPatchId(reordered), gitPatchId(PATCH_LF));
      assert.equal(patchId(reordered), gitPatchId(reordered));
    }
    const reordered = reorderFiles(PATCH_CHANGELOG, [5, 4, 3, 2, 1, 0]);
    assert.equal(patchId(reordered), gitPatchId(reordered));
  });

  test("with whitespace changes: git's id, the same one", () => {
    const respaced = PATCH_LF.replace(/^\+\t/gm, "+        ").replace(/^( .*;)$/gm, "$1 \t ");
    assert.equal(gitPatchId(respaced), gitPatchId(PATCH_LF));
    assert.equal(patchId(respaced), gitPatchId(respaced));
    // git's whitespace is space, tab, CR and LF only: a form feed counts.
    const formFeed = SMALL.replace("+\treturn b;", "+\treturn\fb;");
    assert.notEqual(gitPatchId(formFeed), gitPatchId(SMALL));
    assert.equal(patchId(formFeed), gitPatchId(formFeed));
  });

  test("with changed content: git's id, a different one", () => {
    const changed = PATCH_LF.replace("+\t\treturn NULL;", "+\t\treturn ERR_PTR(-EINVAL);");
    assert.notEqual(changed, PATCH_LF);
    assert.notEqual(gitPatchId(changed), gitPatchId(PATCH_LF));
    assert.equal(patchId(changed), gitPatchId(changed));
  });

  test("a patch with a '-- \\n2.43.0\\n' signature", () => {
    assert.ok(SMALL.endsWith("\n-- \n2.43.0\n"));
    assert.equal(patchId(SMALL), gitPatchId(SMALL));
  });

  test("CRLF endings, throughout or mixed", () => {
    const crlf = toCrlf(PATCH_LF);
    assert.equal(patchId(crlf), gitPatchId(crlf));
    assert.equal(gitPatchId(crlf), gitPatchId(PATCH_LF));
    assert.equal(patchId(toCrlf(SMALL)), gitPatchId(toCrlf(SMALL)));
  });

  test("hunks of one line ('@@ -5 +5 @@') and a last line without newline", () => {
    const body = "m\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -5 +5 @@\n-a\n+b\n@@ -9 +9 @@\n-c\n+d\n\\ No newline at end of file";
    assert.equal(patchId(body), gitPatchId(body));
  });

  test("binary, header-only and renamed files: git's id in every order, and there the order counts", () => {
    const orders = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 1, 4, 3], [3, 4, 0, 1, 2], [1, 0, 2, 3, 4]];
    const ids = new Set<string>();
    for (const order of orders) {
      const body = reorderFiles(MANY_KINDS, order);
      const id = patchId(body) as string;
      assert.equal(id, gitPatchId(body), `order ${order.join("")}`);
      ids.add(id);
    }
    // git splits per file only where a hunk ends: a file without hunks is
    // summed into the next file's hash, and the "diff --git" line after a
    // binary file is skipped. So --stable is order-free only for text hunks.
    assert.ok(ids.size > 1);
  });

  test("a 'diff ' line in the notes: git prints an extra id first; ours is the real diff's", () => {
    const body = SMALL.replace("---\n", "---\nv2:\ndiff to v1: typo fixed\n\n");
    const ids = gitPatchIds(body);
    assert.equal(ids.length, 2);
    assert.equal(patchId(body), ids[1]);
  });

  test("a whitespace-damaged hunk: git's id of the extracted diff (git on the body hashes the signature too)", () => {
    const body = "m\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n-- \n2.43.0\n";
    assert.equal(patchId(body), gitPatchId(extractDiff(body) as string));
    assert.notEqual(gitPatchId(body), gitPatchId(extractDiff(body) as string));
  });

  test("a unified diff without git's header: git prints nothing, we still give an id", () => {
    const body = "Fix it.\n---\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n--- a/y.c\n+++ b/y.c\n@@ -1 +1 @@\n-c\n+d\n";
    assert.deepEqual(gitPatchIds(body), []);
    const id = patchId(body);
    assert.match(id as string, /^[0-9a-f]{40}$/);
    const swapped = "Fix it.\n---\n--- a/y.c\n+++ b/y.c\n@@ -1 +1 @@\n-c\n+d\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n";
    assert.equal(patchId(swapped), id);
  });
});

describe("patchId on hostile bodies", () => {
  test("a huge body of hunk headers and signatures is read in one pass", () => {
    const body = "diff --git a/x b/x\n--- a/x\n+++ b/x\n" + "@@ -1,99999999 +1,99999999 @@\n-- \n".repeat(50_000);
    assert.match(patchId(body) as string, /^[0-9a-f]{40}$/);
    assert.equal(patchId("diff --git " + "a".repeat(1_000_000)), patchId("diff --git " + "a".repeat(1_000_000)));
  });
});
