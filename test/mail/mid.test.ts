import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  anchorId,
  extractMids,
  midFromParam,
  midToUrl,
  normalizeMid,
  parseReferences,
  syntheticMid,
} from "../../lib/mail/mid";

describe("normalizeMid", () => {
  it("strips brackets, whitespace and folding", () => {
    assert.equal(normalizeMid("<abc@x.org>"), "abc@x.org");
    assert.equal(normalizeMid(" abc@x.org "), "abc@x.org");
    assert.equal(normalizeMid("<abc@\r\n x.org>"), "abc@x.org");
    assert.equal(normalizeMid("\t<abc@x.org>\r\n"), "abc@x.org");
  });

  it("strips surrounding quotes", () => {
    assert.equal(normalizeMid('"abc@x.org"'), "abc@x.org");
    assert.equal(normalizeMid('<"abc@x.org">'), "abc@x.org");
  });

  it("takes the first bracketed id", () => {
    assert.equal(normalizeMid("<a@x> <b@x>"), "a@x");
    assert.equal(normalizeMid("junk <> <b@x>"), "b@x");
  });

  it("returns null when nothing is left", () => {
    assert.equal(normalizeMid(""), null);
    assert.equal(normalizeMid("   "), null);
    assert.equal(normalizeMid("<>"), null);
    assert.equal(normalizeMid("< \r\n >"), null);
    assert.equal(normalizeMid('""'), null);
  });

  it("tolerates an unclosed bracket", () => {
    assert.equal(normalizeMid("<abc@x.org"), "abc@x.org");
  });
});

describe("extractMids", () => {
  it("handles empty input", () => {
    assert.deepEqual(extractMids(undefined), []);
    assert.deepEqual(extractMids(null), []);
    assert.deepEqual(extractMids(""), []);
    assert.deepEqual(extractMids("  \r\n "), []);
  });

  it("reads several ids in order across folded lines", () => {
    const header = "<a@x.org>\r\n <b@x.org>\r\n\t<c@x.org>";
    assert.deepEqual(extractMids(header), ["a@x.org", "b@x.org", "c@x.org"]);
  });

  it("reads ids with no space between them", () => {
    assert.deepEqual(extractMids("<a@x><b@x>"), ["a@x", "b@x"]);
  });

  it("joins an id folded in the middle", () => {
    assert.deepEqual(extractMids("<a@x.org> <very-long-id@\r\n mail.example.com>"), [
      "a@x.org",
      "very-long-id@mail.example.com",
    ]);
  });

  it("ignores plain text and comments between ids", () => {
    assert.deepEqual(extractMids("<a@b> (Jane's message of \"Mon, 1 Jan 2024\")"), ["a@b"]);
    assert.deepEqual(
      extractMids('Your message of "Tue, 12 Mar 2002 10:00:00 PST." <2002031218.x@host>'),
      ["2002031218.x@host"],
    );
    // An address inside a comment is not a Message-ID.
    assert.deepEqual(extractMids("<a@b> (from Jane Doe <jane@x.org>)"), ["a@b"]);
    assert.deepEqual(extractMids("<a@b> (nested (comment <c@d>) here) <e@f>"), ["a@b", "e@f"]);
  });

  it("survives unbalanced parentheses and brackets", () => {
    assert.deepEqual(extractMids("<a@b> (unclosed <c@d>"), ["a@b", "c@d"]);
    assert.deepEqual(extractMids("<a@b> <trunc@x"), ["a@b"]);
    assert.deepEqual(extractMids("<junk <a@b>"), ["a@b"]);
    assert.deepEqual(extractMids(") <a@b> )("), ["a@b"]);
  });

  it("accepts bare ids when no brackets are present", () => {
    assert.deepEqual(extractMids("a@x.org b@x.org"), ["a@x.org", "b@x.org"]);
    assert.deepEqual(extractMids("a@x.org, b@x.org"), ["a@x.org", "b@x.org"]);
    assert.deepEqual(extractMids("a@x.org (Jane's note c@d) plain words"), ["a@x.org"]);
    assert.deepEqual(extractMids("no ids here"), []);
  });

  it("ignores bare tokens when brackets are present", () => {
    assert.deepEqual(extractMids("jane@x.org's message <a@b>"), ["a@b"]);
  });

  it("deduplicates, first occurrence wins", () => {
    assert.deepEqual(extractMids("<a@x> <b@x> <a@x> < b@x >"), ["a@x", "b@x"]);
  });

  it("finds the id after 100,000 characters of unclosed comments and brackets (timed in bench:bounds)", () => {
    const junk = "(".repeat(50_000) + "<".repeat(50_000) + "<a@b>";
    assert.deepEqual(extractMids(junk), ["a@b"]);
  });
});

describe("parseReferences", () => {
  it("appends In-Reply-To after References", () => {
    assert.deepEqual(parseReferences("<a@x> <b@x>", "<c@x>", "d@x"), ["a@x", "b@x", "c@x"]);
  });

  it("does not repeat In-Reply-To when it is already last", () => {
    assert.deepEqual(parseReferences("<a@x> <b@x>", "<b@x>", "d@x"), ["a@x", "b@x"]);
  });

  it("keeps the first occurrence when In-Reply-To appears earlier", () => {
    assert.deepEqual(parseReferences("<a@x> <b@x>", "<a@x>", "d@x"), ["a@x", "b@x"]);
  });

  it("uses In-Reply-To alone", () => {
    assert.deepEqual(parseReferences(undefined, "<a@x> (Jane's message)", "d@x"), ["a@x"]);
    assert.deepEqual(parseReferences(null, null, "d@x"), []);
  });

  it("removes self-references and duplicates", () => {
    assert.deepEqual(parseReferences("<a@x> <d@x> <a@x> <b@x>", "<d@x>", "d@x"), [
      "a@x",
      "b@x",
    ]);
    assert.deepEqual(parseReferences("<d@x>", "<d@x>", "<d@x>"), []);
  });

  it("keeps at most the last 1000 ids", () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `<m${i}@x>`).join(" ");
    const refs = parseReferences(ids, "<last@x>", "own@x");
    assert.equal(refs.length, 1000);
    assert.equal(refs[0], "m501@x");
    assert.equal(refs.at(-1), "last@x");
  });
});

describe("syntheticMid", () => {
  it("is deterministic and content-derived", () => {
    const a = syntheticMid(Buffer.from("Subject: hi\n\nbody\n"));
    assert.equal(a, syntheticMid(Buffer.from("Subject: hi\n\nbody\n")));
    assert.notEqual(a, syntheticMid(Buffer.from("Subject: hi\n\nbody!\n")));
    assert.match(a, /^[0-9a-f]{40}@generated\.invalid$/);
  });
});

describe("midToUrl / midFromParam", () => {
  const cases: Array<[string, string]> = [
    ["abc@x.org", "abc@x.org"],
    ["a+b=c~d@x.org", "a+b=c~d@x.org"],
    ["a/b@x", "a%2Fb@x"],
    ["100%@x", "100%25@x"],
    ["a#b?c@x", "a%23b%3Fc@x"],
    ["a b@x", "a%20b@x"],
    ["!$&'()*,;:@x", "!$&'()*,;:@x"],
    ["ü@x", "%C3%BC@x"],
    ["😀@x", "%F0%9F%98%80@x"],
    ['a"<>\\^`{|}[]@x', "a%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D@x"],
  ];

  for (const [mid, url] of cases) {
    it(`escapes ${JSON.stringify(mid)} like lore and round-trips`, () => {
      assert.equal(midToUrl(mid), url);
      assert.equal(midFromParam(midToUrl(mid)), mid);
    });
  }

  it("decodes exactly once", () => {
    assert.equal(midFromParam("abc%40x.org"), "abc@x.org");
    assert.equal(midFromParam("abc@x.org"), "abc@x.org");
    assert.equal(midFromParam("100%25"), "100%");
    assert.equal(midFromParam("a%2540b"), "a%40b");
    assert.equal(midFromParam("a+b@x"), "a+b@x");
  });

  it("returns a malformed param unchanged", () => {
    assert.equal(midFromParam("100%"), "100%");
    assert.equal(midFromParam("a%zzb"), "a%zzb");
    assert.equal(midFromParam("%C3"), "%C3");
  });

  // Weighted towards the characters the URL contract cares about.
  const special = fc.constantFrom("@", "+", "=", "/", "%", "#", "?", "~", " ", "ü", "😀", "%25", "&");
  const anyString = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.string({ unit: "binary-ascii" }),
    fc.string({ unit: "grapheme" }),
    fc.array(fc.oneof(special, fc.string({ maxLength: 3 }))).map((parts) => parts.join("")),
  );

  it("property: midFromParam(midToUrl(s)) === s", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        assert.equal(midFromParam(midToUrl(s)), s);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: output has no unescaped / ? # % or whitespace", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const url = midToUrl(s);
        assert.doesNotMatch(url, /[/?#\s]/);
        assert.doesNotMatch(url, /%(?![0-9A-F]{2})/);
        assert.match(url, /^[A-Za-z0-9@+=.\-_~!$&'()*,;:%]*$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("anchorId", () => {
  it("is m + 16 hex chars of sha1, stable", () => {
    // sha1("abc@x.org") computed independently with sha1sum.
    assert.equal(anchorId("abc@x.org"), "m697bb5bac03e7663");
    assert.match(anchorId("abc@x.org"), /^m[0-9a-f]{16}$/);
    assert.notEqual(anchorId("abc@x.org"), anchorId("abd@x.org"));
  });
});
