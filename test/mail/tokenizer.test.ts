import { describe, test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import fc from "fast-check";
import { tokenize } from "../../lib/mail/tokenizer";

describe("tokenize: the words FTS5's unicode61 makes", () => {
  test("addresses, hosts, paths, identifiers and versions split into their words", () => {
    assert.deepEqual(tokenize("Mimi Zohar <zohar@linux.ibm.com>"), ["mimi", "zohar", "zohar", "linux", "ibm", "com"]);
    assert.deepEqual(tokenize("security/integrity/ima/ima_appraise.c"), ["security", "integrity", "ima", "ima", "appraise", "c"]);
    assert.deepEqual(tokenize("CONFIG_IMA_APPRAISE=y"), ["config", "ima", "appraise", "y"]);
    assert.deepEqual(tokenize("ima-evm-utils v1.2.3 (5.4-rc1)"), ["ima", "evm", "utils", "v1", "2", "3", "5", "4", "rc1"]);
    assert.deepEqual(tokenize("[PATCH v2 01/11]"), ["patch", "v2", "01", "11"]);
  });

  test("no stemming, no stop words", () => {
    assert.deepEqual(tokenize("The tests were running and is"), ["the", "tests", "were", "running", "and", "is"]);
  });

  test("nothing to tokenize", () => {
    assert.deepEqual(tokenize(""), []);
    assert.deepEqual(tokenize("*** -- :: () \"\" \t\r\n"), []);
  });

  test("Latin diacritics go, precomposed or combining, also several on one letter", () => {
    assert.deepEqual(tokenize("Déjà vu, naïve CAFÉ, Müller, José, Ångström, ấ"), ["deja", "vu", "naive", "cafe", "muller", "jose", "angstrom", "a"]);
    assert.deepEqual(tokenize("cafe\u0301 e\u0301te\u0301"), ["cafe", "ete"]); // U+0301 stays in the word and vanishes
    assert.deepEqual(tokenize("a \u0301 b"), ["a", "b"]); // a token of diacritics only is no token
    assert.deepEqual(tokenize("Ångström"), ["angstrom"]); // U+212B, the Ångström sign
    // Marks FTS5 does not count as diacritics separate, like any other mark.
    assert.deepEqual(tokenize("a\u0336b"), ["a", "b"]);
  });

  test("other scripts keep their diacritics, as in FTS5", () => {
    assert.deepEqual(tokenize("Йорк й ά Ё"), ["йорк", "й", "ά", "ё"]);
  });

  test("case folds one character at a time: every sigma is σ, ſ is s, µ is μ", () => {
    assert.deepEqual(tokenize("ΟΔΟΣ οδος οδοσ"), ["οδοσ", "οδοσ", "οδοσ"]);
    assert.deepEqual(tokenize("ſtraße µs"), ["straße", "μs"]);
    assert.deepEqual(tokenize("İstanbul ıi ǅemal"), ["istanbul", "ıi", "ǆemal"]);
    assert.deepEqual(tokenize("Ǣ Ǡ"), ["ǣ", "ǡ"]); // diacritics FTS5's table keeps
  });

  test("CJK runs are one token each (no word segmentation, as in FTS5)", () => {
    assert.deepEqual(tokenize("中文字符测试，한국어 日本語テキスト"), ["中文字符测试", "한국어", "日本語テキスト"]);
    assert.deepEqual(tokenize("ＡＢＣ１２３"), ["ａｂｃ１２３"]); // full-width stays full-width
  });

  test("numbers of all kinds and private-use characters are token characters", () => {
    assert.deepEqual(tokenize("½ ² Ⅻ ٣"), ["½", "²", "ⅻ", "٣"]);
    assert.deepEqual(tokenize("a\ue000b \u{f0000}"), ["a\ue000b", "\u{f0000}"]);
  });

  test("emoji separate, old and new (FTS5 keeps the newer ones in the word: a known difference)", () => {
    assert.deepEqual(tokenize("great😀stuff"), ["great", "stuff"]);
    assert.deepEqual(tokenize("hi🤔there"), ["hi", "there"]);
    assert.deepEqual(tokenize("👍🏽 ok"), ["ok"]);
  });

  test("NUL, control characters and lone surrogates separate", () => {
    assert.deepEqual(tokenize("a\0b\u0001c\u007fd"), ["a", "b", "c", "d"]);
    assert.deepEqual(tokenize("x\ud800y\udc00z"), ["x", "y", "z"]);
    assert.deepEqual(tokenize("soft\u00adhy\u200bphen"), ["soft", "hy", "phen"]);
  });

  test("hostile text: linear time, no regex blow-up", () => {
    const inputs = [
      "a".repeat(2_000_000),
      "a.".repeat(1_000_000),
      "é\u0301".repeat(1_000_000),
      "\u0301".repeat(2_000_000),
      "中".repeat(2_000_000),
      Array.from({ length: 200_000 }, (_, i) => String.fromCodePoint(0x20000 + i) + "Σ").join(""),
      "\0".repeat(2_000_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      tokenize(input);
      const ms = performance.now() - started;
      assert.ok(ms < 3000, `${JSON.stringify(input.slice(0, 6))}…: ${Math.round(ms)} ms`);
    }
  });
});

describe("tokenize: the same tokens as SQLite FTS5", () => {
  const db = new Database(":memory:");
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2');
           CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);`);
  const insert = db.prepare("INSERT INTO t(rowid, x) VALUES (1, ?)");
  const terms = db.prepare("SELECT term FROM v ORDER BY offset");
  const clear = db.prepare("DELETE FROM t");
  // One document at a time: fts5vocab cannot look a document up by rowid.
  const fts5 = (text: string): string[] => {
    insert.run(text);
    const tokens = (terms.all() as { term: string }[]).map((r) => r.term);
    clear.run();
    return tokens;
  };

  test("on text built from characters whose Unicode data both sides share", () => {
    // Every code point was compared once (SQLite 3.53, Node 20): the only
    // differences are characters assigned or given case mappings after FTS5's
    // tables were made (see lib/mail/tokenizer.ts); this alphabet avoids them.
    const alphabet = [
      ..."abcxyzABCXYZ0189 _-./@:;,'\"\\()[]<>*+=!?#$%&\t\n\r",
      ..."éÉàÀüÜøØßñÑçÇåÅæÆœŒǅǆǡǢİıſµẛấỆ",
      "\u0301", "\u0300", "\u0308", "\u0327", "\u0336", "\u20dd",
      ..."αβγΣσςΟΔάΐЙйЁёжЖ",
      ..."中文字한국어日本テ", "，", "。", "、",
      "😀", "\u{1f600}", "\ue000", "\u{f0001}", "½", "²", "Ⅻ", "٣", "\u00a0", "\u2028", "\u200b", "\u00ad", "\u0000", "\u0001", "\u007f",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        assert.deepEqual(tokenize(text), fts5(text), JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });

  test("on every Latin-1, Latin Extended, Greek and Cyrillic letter, alone and in a word", () => {
    const ranges: [number, number][] = [[0x00a0, 0x052f], [0x1e00, 0x1fff]];
    for (const [lo, hi] of ranges) {
      for (let cp = lo; cp <= hi; cp++) {
        // Unassigned, or assigned after FTS5's tables were made (U+037F, U+0528–U+052F).
        if (/\p{Cn}/u.test(String.fromCodePoint(cp)) || cp === 0x037f || (cp >= 0x0528 && cp <= 0x052f)) continue;
        const text = `x${String.fromCodePoint(cp)}x ${String.fromCodePoint(cp)}`;
        assert.deepEqual(tokenize(text), fts5(text), `U+${cp.toString(16).toUpperCase()}`);
      }
    }
  });
});
