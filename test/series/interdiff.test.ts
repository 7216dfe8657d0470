import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type InterdiffLine, type MatchedPatch, interdiff, matchPatches } from "../../lib/series/interdiff";

// A format-patch body: message, "---", notes and diffstat, diff, signature.
function patch(parts: { message: string[]; notes?: string[]; diff: string[]; gitVersion?: string }): string {
  return [
    ...parts.message,
    "---",
    ...(parts.notes ?? []),
    " drivers/x.c | 2 +-",
    " 1 file changed, 1 insertion(+), 1 deletion(-)",
    "",
    ...parts.diff,
    "-- ",
    parts.gitVersion ?? "2.43.0",
    "",
  ].join("\n");
}

const MESSAGE = ["tpm: fix foo", "", "Fix the foo.", "", "Signed-off-by: A <a@example.org>"];

const X_DIFF = [
  "diff --git a/drivers/x.c b/drivers/x.c",
  "index 1111111..2222222 100644",
  "--- a/drivers/x.c",
  "+++ b/drivers/x.c",
  "@@ -10,7 +10,7 @@ static int foo(void)",
  " \tint a;",
  " \tint b;",
  " \tint c;",
  "-\treturn a;",
  "+\treturn b;",
  " \tint d;",
  " \tint e;",
  " \tint f;",
];

const Y_DIFF = [
  "diff --git a/drivers/y.c b/drivers/y.c",
  "index 3333333..4444444 100644",
  "--- a/drivers/y.c",
  "+++ b/drivers/y.c",
  "@@ -1,2 +1,3 @@",
  " #include <x.h>",
  "+#include <y.h>",
  " ",
];

const V1 = patch({ message: MESSAGE, diff: X_DIFF });

const context = (text: string): InterdiffLine => ({ kind: "context", text });
const add = (text: string): InterdiffLine => ({ kind: "add", text });
const del = (text: string): InterdiffLine => ({ kind: "del", text });
const skip = (text: string): InterdiffLine => ({ kind: "skip", text });

describe("interdiff", () => {
  test("changed commit message: the message lines change, the diff folds away", () => {
    const v2 = patch({
      message: ["tpm: fix foo", "", "Fix the foo, which broke bar.", "", "Signed-off-by: A <a@example.org>", "Reviewed-by: B <b@example.org>"],
      diff: X_DIFF,
    });
    assert.deepEqual(interdiff(V1, v2), {
      lines: [
        context("tpm: fix foo"),
        context(""),
        del("Fix the foo."),
        add("Fix the foo, which broke bar."),
        context(""),
        context("Signed-off-by: A <a@example.org>"),
        add("Reviewed-by: B <b@example.org>"),
        context("diff --git a/drivers/x.c b/drivers/x.c"),
        context("--- a/drivers/x.c"),
        context("+++ b/drivers/x.c"),
        skip("… 9 unchanged lines"),
      ],
      truncated: false,
      identical: false,
    });
  });

  test("changed hunk: the old patch's line removed, the new one's added", () => {
    const v2 = patch({
      message: MESSAGE,
      diff: X_DIFF.map((line) => (line === "+\treturn b;" ? "+\treturn b + 1;" : line)).map((line) =>
        line.startsWith("index ") ? "index 1111111..5555555 100644" : line),
    });
    assert.deepEqual(interdiff(V1, v2), {
      lines: [
        skip("… 10 unchanged lines"),
        context(" \tint b;"),
        context(" \tint c;"),
        context("-\treturn a;"),
        del("+\treturn b;"),
        add("+\treturn b + 1;"),
        context(" \tint d;"),
        context(" \tint e;"),
        context(" \tint f;"),
      ],
      truncated: false,
      identical: false,
    });
  });

  test("added file: its whole diff is added", () => {
    const v2 = patch({ message: MESSAGE, diff: [...X_DIFF, ...Y_DIFF] });
    assert.deepEqual(interdiff(V1, v2, { context: 2 }), {
      lines: [
        skip("… 15 unchanged lines"),
        context(" \tint e;"),
        context(" \tint f;"),
        add("diff --git a/drivers/y.c b/drivers/y.c"),
        add("--- a/drivers/y.c"),
        add("+++ b/drivers/y.c"),
        add("@@"),
        add(" #include <x.h>"),
        add("+#include <y.h>"),
        add(" "),
      ],
      truncated: false,
      identical: false,
    });
  });

  test("rebased only: identical despite new index lines, line numbers, notes and git version", () => {
    const rebased = patch({
      message: MESSAGE,
      notes: ["v2: rebased onto v6.9-rc1", ""],
      diff: X_DIFF.map((line) => line
        .replace("index 1111111..2222222", "index 9999999..aaaaaaa")
        .replace("@@ -10,7 +10,7 @@", "@@ -52,7 +55,7 @@")),
      gitVersion: "2.44.0",
    });
    assert.deepEqual(interdiff(V1, rebased), { lines: [skip("… 17 unchanged lines")], truncated: false, identical: true });
    assert.equal(interdiff(V1, V1).identical, true);
  });

  test("CRLF in one version and LF in the other is no change", () => {
    assert.equal(interdiff(V1, V1.replace(/\n/g, "\r\n")).identical, true);
  });

  test("a change to the hunk header's function name shows, its numbers do not", () => {
    const v2 = patch({ message: MESSAGE, diff: X_DIFF.map((line) => line.replace("@@ -10,7 +10,7 @@ static int foo(void)", "@@ -11,7 +11,7 @@ static int foo(int x)")) });
    const result = interdiff(V1, v2, { context: 0 });
    assert.deepEqual(result.lines, [
      skip("… 8 unchanged lines"),
      del("@@ static int foo(void)"),
      add("@@ static int foo(int x)"),
      skip("… 8 unchanged lines"),
    ]);
  });

  test("a run that would fold a single line is shown whole", () => {
    const old = ["a", "b", "c", "d", "e", "f", "g", "h", "i"].join("\n");
    const changed = ["A", "b", "c", "d", "e", "f", "g", "h", "I"].join("\n");
    assert.deepEqual(interdiff(old, changed, { context: 3 }).lines, [
      del("a"), add("A"), context("b"), context("c"), context("d"), context("e"), context("f"), context("g"), context("h"), del("i"), add("I"),
    ]);
    assert.deepEqual(interdiff(old, changed, { context: 2 }).lines, [
      del("a"), add("A"), context("b"), context("c"), skip("… 3 unchanged lines"), context("g"), context("h"), del("i"), add("I"),
    ]);
  });

  test("the fewest changed lines, old lines before new ones within a change", () => {
    const result = interdiff("a\nb\nc\nd\ne", "a\nx\nc\ny\nz\ne", { context: 9 });
    assert.deepEqual(result.lines, [
      context("a"), del("b"), add("x"), context("c"), del("d"), add("y"), add("z"), context("e"),
    ]);
  });
});

describe("interdiff on hostile input", () => {
  const lines = (prefix: string, count: number): string =>
    Array.from({ length: count }, (_, i) => `${prefix} ${i}`).join("\n");

  test("50,000 differing lines on each side: truncated, within maxLines", () => {
    const result = interdiff(lines("old", 50_000), lines("new", 50_000));
    assert.equal(result.truncated, true);
    assert.equal(result.identical, false);
    assert.ok(result.lines.length <= 20_000, `${result.lines.length} lines`);
    assert.deepEqual(result.lines[0], del("old 0"));
    assert.ok(result.lines.some((line) => line.kind === "add"));
  });

  test("within maxLines but past the edit-distance cap: truncated, coarse", () => {
    const result = interdiff(lines("old", 8_000), lines("new", 8_000), { maxLines: 1_000 });
    assert.equal(result.truncated, true);
    assert.ok(result.lines.length <= 1_000);
    assert.ok(result.lines.every((line) => line.kind === "del" || line.kind === "add"));
  });

  test("a long result is cut at maxLines", () => {
    const old = lines("same", 400).split("\n");
    const changed = old.map((line, i) => (i % 2 === 0 ? line + "!" : line));
    const result = interdiff(old.join("\n"), changed.join("\n"), { maxLines: 100 });
    assert.equal(result.truncated, true);
    assert.equal(result.lines.length, 100);
  });
});

// Patches as the caller holds them; matchPatches only sees the key.
interface P {
  name: string;
  id: string | null;
  title: string;
}
const p = (name: string, id: string | null, title: string): P => ({ name, id, title });
const key = (x: P) => ({ patchId: x.id, title: x.title });
const names = (pairs: MatchedPatch<P>[]): [string | null, string | null, string][] =>
  pairs.map((pair) => [pair.old?.name ?? null, pair.new?.name ?? null, pair.how]);

describe("matchPatches", () => {
  test("reordered patches pair by patch-id, in the new order, whatever their titles", () => {
    const v1 = [p("a1", "id-a", "tpm: a"), p("b1", "id-b", "tpm: b"), p("c1", "id-c", "tpm: c")];
    const v2 = [p("c2", "id-c", "tpm: c"), p("a2", "id-a", "tpm: a"), p("b2", "id-b", "tpm: b, retitled")];
    assert.deepEqual(names(matchPatches(v1, v2, key)), [["c1", "c2", "patch-id"], ["a1", "a2", "patch-id"], ["b1", "b2", "patch-id"]]);
  });

  test("a patch whose diff changed pairs by its normalized title", () => {
    const v1 = [p("a1", "id-a", "tpm: a"), p("b1", "id-b", "tpm: Fix  the b")];
    const v2 = [p("b2", "id-b2", "TPM: fix the B "), p("a2", "id-a", "tpm: a")];
    assert.deepEqual(names(matchPatches(v1, v2, key)), [["b1", "b2", "title"], ["a1", "a2", "patch-id"]]);
  });

  test("reworked and retitled pairs by position; a new patch has no old one", () => {
    const v1 = [p("a1", "id-a", "tpm: a"), p("b1", "id-b", "tpm: b")];
    const v2 = [p("a2", "id-a", "tpm: a"), p("b2", "id-b2", "tpm: b done right"), p("c2", "id-c", "tpm: c")];
    assert.deepEqual(names(matchPatches(v1, v2, key)), [["a1", "a2", "patch-id"], ["b1", "b2", "position"], [null, "c2", "none"]]);
  });

  test("a dropped patch has no new one and stays where it was", () => {
    const v1 = [p("a1", "id-a", "tpm: a"), p("b1", "id-b", "tpm: b"), p("c1", "id-c", "tpm: c")];
    const v2 = [p("a2", "id-a", "tpm: a"), p("c2", "id-c", "tpm: c")];
    assert.deepEqual(names(matchPatches(v1, v2, key)), [["a1", "a2", "patch-id"], ["b1", null, "none"], ["c1", "c2", "patch-id"]]);
    assert.deepEqual(names(matchPatches(v1, v2.slice(1), key)), [["a1", null, "none"], ["b1", null, "none"], ["c1", "c2", "patch-id"]]);
  });

  test("each patch is used once; patches without a patch-id or title never pair on it", () => {
    const v1 = [p("x1", "same", "tpm: x"), p("y1", "same", "tpm: x"), p("n1", null, "")];
    const v2 = [p("n2", null, ""), p("x2", "same", "tpm: x"), p("y2", "same", "tpm: x"), p("z2", null, "")];
    assert.deepEqual(names(matchPatches(v1, v2, key)), [
      [null, "n2", "none"], ["x1", "x2", "patch-id"], ["y1", "y2", "patch-id"], ["n1", null, "none"], [null, "z2", "none"],
    ]);
  });

  test("empty versions", () => {
    assert.deepEqual(matchPatches([], [], key), []);
    assert.deepEqual(names(matchPatches([p("a1", "id-a", "a")], [], key)), [["a1", null, "none"]]);
  });
});
