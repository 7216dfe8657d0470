import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { makeSnippet, markTerms, SNIPPET_WIDTH, termPattern, termTokens, type SnippetSegment } from "../../lib/mail/snippet";

const text = (segments: SnippetSegment[]) => segments.map((s) => s.text).join("");
const marked = (segments: SnippetSegment[]) => segments.filter((s) => s.match).map((s) => s.text);

describe("termTokens / termPattern: the FTS5 unicode61 view of a term", () => {
  test("identifiers and paths split into words, case and accents folded", () => {
    assert.deepEqual(termTokens("ima_appraise"), ["ima", "appraise"]);
    assert.deepEqual(termTokens("security/integrity/ima"), ["security", "integrity", "ima"]);
    assert.deepEqual(termTokens("Café"), ["cafe"]);
    assert.deepEqual(termTokens("*** --"), []);
    assert.equal(termPattern(["***", ""]), null);
  });
});

describe("markTerms", () => {
  test("marks whole-word, case-insensitive matches and keeps the text intact", () => {
    const segs = markTerms("[PATCH] IMA: fix ima_appraise() in ima_appraise.c, not imaappraise", ["ima_appraise"]);
    assert.equal(text(segs), "[PATCH] IMA: fix ima_appraise() in ima_appraise.c, not imaappraise");
    assert.deepEqual(marked(segs), ["ima_appraise", "ima_appraise"]);
  });

  test("a phrase matches across any separators, like FTS5 does", () => {
    assert.deepEqual(marked(markTerms("see security/integrity/ima/ima_main.c", ["security integrity ima"])), [
      "security/integrity/ima",
    ]);
    assert.deepEqual(marked(markTerms("CONFIG_IMA_APPRAISE=y", ["CONFIG_IMA"])), ["CONFIG_IMA"]);
  });

  test("not inside a longer word", () => {
    assert.deepEqual(marked(markTerms("imaging and evmctl", ["ima", "evm"])), []);
  });

  test("the longer alternative wins at one position", () => {
    assert.deepEqual(marked(markTerms("ima appraise", ["ima", "ima appraise"])), ["ima appraise"]);
  });

  test("accents are ignored, offsets stay right", () => {
    const segs = markTerms("Un café naïve, José", ["cafe", "naive", "jose"]);
    assert.equal(text(segs), "Un café naïve, José");
    assert.deepEqual(marked(segs), ["café", "naïve", "José"]);
  });

  test("no terms, empty text", () => {
    assert.deepEqual(markTerms("abc", []), [{ text: "abc", match: false }]);
    assert.deepEqual(markTerms("", ["a"]), []);
  });
});

describe("makeSnippet", () => {
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

  test("a window around the first match, words not cut, ellipses on cut sides", () => {
    const body = `${filler(100)} the ima_appraise hook ${filler(100)}`;
    const segs = makeSnippet(body, ["ima_appraise"]);
    const t = text(segs);
    assert.ok(t.startsWith("… word"), t);
    assert.ok(t.endsWith(" …"), t);
    assert.ok(t.length <= SNIPPET_WIDTH + 30, `${t.length}`);
    assert.deepEqual(marked(segs), ["ima_appraise"]);
    for (const word of t.replace(/…/g, "").trim().split(" ")) {
      assert.match(word, /^(word\d+|the|ima_appraise|hook)$/);
    }
  });

  test("line breaks read as spaces", () => {
    assert.equal(text(makeSnippet("first line\nsecond\n\n  third ima", ["ima"])), "first line second third ima");
  });

  test("prefers a match outside quoted lines, falls back to a quoted one", () => {
    const body = "> quoted tpm line\nOn Mon, X wrote:\n\nmy tpm answer";
    const segs = makeSnippet(body, ["tpm"], 20);
    assert.match(text(segs), /my tpm answer/);
    const onlyQuoted = makeSnippet("> quoted tpm line\nreply", ["tpm"]);
    assert.deepEqual(marked(onlyQuoted), ["tpm"]);
  });

  test("without a match: the start of the author's own text, quotes and attribution skipped", () => {
    const body = "On Tue, Jane wrote:\n> old text\n>> older\n\nThanks, applied.\n\n-- \nsignature";
    assert.deepEqual(makeSnippet(body, ["zzz"]), [{ text: "Thanks, applied.", match: false }]);
    assert.deepEqual(makeSnippet(body, []), [{ text: "Thanks, applied.", match: false }]);
    const long = makeSnippet(filler(200), []);
    assert.ok(text(long).endsWith(" …"));
    assert.ok(text(long).length <= SNIPPET_WIDTH + 2);
    assert.deepEqual(makeSnippet("", ["a"]), []);
    assert.deepEqual(makeSnippet("> only quotes", []), []);
  });

  test("a match at the very start or end of the body has no ellipsis on that side", () => {
    assert.equal(text(makeSnippet("ima is here", ["ima"])), "ima is here");
    assert.equal(text(makeSnippet(`${filler(100)} ima`, ["ima"])).endsWith("ima"), true);
  });

  test("never splits a surrogate pair", () => {
    const body = "😀".repeat(300) + " ima " + "😀".repeat(300);
    const t = text(makeSnippet(body, ["ima"]));
    assert.doesNotMatch(t, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  test("property: segments are plain text from the body, matches are real, bounded size", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
        (body, terms) => {
          const segs = makeSnippet(body, terms);
          const t = text(segs);
          assert.ok(t.length <= SNIPPET_WIDTH * 2 + 50, `${t.length}`);
          const pattern = termPattern(terms);
          for (const m of marked(segs)) {
            assert.ok(pattern !== null);
            assert.ok(body.includes(m));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("hostile sizes give bounded snippets (timed in bench:bounds)", () => {
    const body = "a_".repeat(300_000);
    const one = makeSnippet(body, Array.from({ length: 64 }, (_, i) => `a_${"a_".repeat(i % 30)}b`));
    const two = makeSnippet("é".repeat(65_536), ["e e e"]);
    for (const snippet of [one, two]) assert.ok(snippet.map((s) => s.text).join("").length <= SNIPPET_WIDTH + 30);
  });
});
