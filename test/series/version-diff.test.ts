import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareVersions, VERSION_DIFF_BUDGET_CHARS, type VersionPatch } from "../../lib/series/version-diff";

function patch(counter: number, title: string, added: string, message = "Explain the change."): VersionPatch {
  return {
    counter,
    mid: `${title.replace(/\W+/g, "-")}-${counter}-${added.length}@example.org`,
    subject: `[PATCH ${counter}/3] ${title}`,
    bodyText: [
      message,
      "",
      "Signed-off-by: Ann Author <ann@example.org>",
      "---",
      `diff --git a/src/${title.length}.c b/src/${title.length}.c`,
      "index 1111111..2222222 100644",
      `--- a/src/${title.length}.c`,
      `+++ b/src/${title.length}.c`,
      "@@ -1 +1,2 @@",
      " int x;",
      `+${added}`,
      "-- ",
      "2.43.0",
      "",
    ].join("\n"),
  };
}

describe("compareVersions", () => {
  test("pairs by patch-id, then title, then position; a patch with no counterpart stands alone", () => {
    const olds = [patch(1, "util: one", "int a;"), patch(2, "util: two", "int b;"), patch(3, "util: gone", "int c;")];
    const news = [patch(1, "util: one", "int a;", "Explain it better."), patch(2, "util: two", "int b2;"), patch(3, "util: new", "int d;"), patch(4, "util: four", "int e;")];
    const { pairs, capped } = compareVersions(olds, news);
    assert.equal(capped, false);
    const shape = pairs.map((p) => [p.old?.counter ?? null, p.new?.counter ?? null, p.how, p.diff === null ? null : p.diff.identical]);
    assert.deepEqual(shape, [
      [1, 1, "patch-id", false],
      [2, 2, "title", false],
      [3, 3, "position", false],
      [null, 4, "none", null],
    ]);
    assert.ok(pairs[1]!.diff!.lines.some((l) => l.kind === "add" && l.text.includes("int b2;")));
    assert.ok(pairs[1]!.diff!.lines.some((l) => l.kind === "del" && l.text.includes("int b;")));
  });

  test("past the text budget, patches are paired and linked but not compared", () => {
    const big = "x".repeat(Math.floor(VERSION_DIFF_BUDGET_CHARS / 3));
    const olds = [patch(1, "util: big", big), patch(2, "util: bigger", `${big}y`)];
    const news = [patch(1, "util: big", `${big}z`), patch(2, "util: bigger", `${big}w`)];
    const { pairs, capped } = compareVersions(olds, news);
    assert.equal(capped, true);
    assert.equal(pairs.length, 2);
    assert.ok(pairs.some((p) => p.old !== null && p.new !== null && p.diff === null), "one pair left uncompared");
  });
});
