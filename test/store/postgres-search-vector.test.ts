import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import {
  buildSearchVector,
  quoteLexeme,
  SEARCH_VECTOR_LIMITS,
  toLexeme,
  type SearchFields,
} from "../../lib/store/postgres/search-vector";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const EMPTY: SearchFields = { subject: "", fromName: "", fromAddr: "", toAddrs: "", ccAddrs: "", bodyText: "" };
const vector = (fields: Partial<SearchFields>) => buildSearchVector({ ...EMPTY, ...fields });

/** lexeme → its positions as written ("3A", "17"), from a literal of buildSearchVector. */
function entries(literal: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of literal.matchAll(/'((?:[^'\\]|''|\\\\)*)':([0-9A-C,]+)(?: |$)/g)) {
    const lexeme = (m[1] ?? "").replace(/''/g, "'").replace(/\\\\/g, "\\");
    assert.ok(!out.has(lexeme), `${lexeme} twice`);
    out.set(lexeme, (m[2] ?? "").split(","));
  }
  const rebuilt = [...out].map(([l, p]) => `${quoteLexeme(l)}:${p.join(",")}`).join(" ");
  assert.equal(rebuilt, literal, "the literal is only entries");
  return out;
}
const pos = (p: string) => Number.parseInt(p, 10);

describe("buildSearchVector", () => {
  test("weights per field, positions in order, one skipped between fields", () => {
    const v = vector({
      subject: "[PATCH] ima: fix",
      fromName: "Mimi Zohar",
      fromAddr: "zohar@linux.ibm.com",
      toAddrs: "linux-integrity@vger.kernel.org",
      ccAddrs: "jarkko@kernel.org",
      bodyText: "Fix IMA.",
    });
    assert.equal(
      v,
      "'patch':1A 'ima':2A,24 'fix':3A,23 'mimi':5B 'zohar':6B,8B 'linux':9B,13C 'ibm':10B 'com':11B " +
        "'integrity':14C 'vger':15C 'kernel':16C 'org':17C 'cc:jarkko':19C 'cc:kernel':20C 'cc:org':21C",
    );
  });

  test("empty fields take no positions; no tokens at all is the empty vector", () => {
    assert.equal(vector({ subject: "a", bodyText: "b" }), "'a':1A 'b':3");
    assert.equal(vector({}), "");
    assert.equal(vector({ subject: "*** --", bodyText: "\0\0 😀" }), "");
  });

  test("tokens as FTS5 makes them: split, lower-cased, without Latin diacritics", () => {
    const e = entries(vector({ subject: "Déjà vu: ima_appraise.c", bodyText: "naïve CAFÉ cafe\u0301 中文 hi🤔there a\0b" }));
    assert.deepEqual([...e.keys()], ["deja", "vu", "ima", "appraise", "c", "naive", "cafe", "中文", "hi", "there", "a", "b"]);
    assert.deepEqual(e.get("cafe"), ["8", "9"]);
  });

  test("To and Cc share weight C; Cc's words are apart under the cc: prefix", () => {
    const e = entries(vector({ toAddrs: "zohar@linux.ibm.com", ccAddrs: "zohar@linux.ibm.com" }));
    assert.deepEqual(e.get("zohar"), ["1C"]);
    assert.deepEqual(e.get("cc:zohar"), ["6C"]);
    assert.equal(toLexeme("zohar", true), "cc:zohar");
  });

  test("quotes and backslashes are escaped as PostgreSQL reads them", () => {
    assert.equal(quoteLexeme("it's"), "'it''s'");
    assert.equal(quoteLexeme("a\\b"), "'a\\\\b'");
    assert.equal(quoteLexeme("''\\"), "'''''\\\\'");
  });

  test("a lexeme longer than 2046 bytes is cut at a character boundary, the same way for queries", () => {
    const ascii = "x".repeat(5000);
    assert.equal(toLexeme(ascii), "x".repeat(2046));
    const cjk = "中".repeat(1000); // 3 bytes each
    assert.equal(toLexeme(cjk), "中".repeat(682));
    const astral = "\u{20000}".repeat(600); // a CJK letter of 4 bytes
    assert.equal(toLexeme(astral), "\u{20000}".repeat(511));
    assert.equal(toLexeme(cjk, true), "cc:" + "中".repeat(681)); // 3 + 2043 bytes
    assert.deepEqual([...entries(vector({ bodyText: `${ascii} ${cjk}` })).keys()], [toLexeme(ascii), toLexeme(cjk)]);
  });

  test("past position 16375 a token keeps its word and field, at one position per weight", () => {
    const words = Array.from({ length: 16380 }, (_, i) => `w${i}`).join(" ");
    const e = entries(vector({ subject: "subj", bodyText: `${words} late late lately` }));
    assert.deepEqual(e.get("subj"), ["1A"]);
    assert.deepEqual(e.get("w0"), ["3"]);
    assert.deepEqual(e.get("w16372"), ["16375"]);
    assert.deepEqual(e.get("w16373"), ["16383"]);
    assert.deepEqual(e.get("late"), ["16383"]);
    assert.deepEqual(e.get("lately"), ["16383"]);
    // A subject that long sends the other fields to their own clamp positions.
    const huge = entries(vector({ subject: words, fromName: "mimi", toAddrs: "to", ccAddrs: "cc", bodyText: "body" }));
    assert.deepEqual(huge.get("mimi"), ["16379B"]);
    assert.deepEqual(huge.get("to"), ["16381C"]);
    assert.deepEqual(huge.get("cc:cc"), ["16381C"]);
    assert.deepEqual(huge.get("body"), ["16383"]);
    for (const p of [...huge.values()].flat()) assert.ok(pos(p) >= 1 && pos(p) <= 16383);
  });

  test("at most 256 positions a lexeme, keeping the first of each field", () => {
    const many = Array.from({ length: 400 }, () => "linux").join(" ");
    const e = entries(vector({ subject: "linux", toAddrs: many, ccAddrs: "x", bodyText: `${many} linux` }));
    const linux = e.get("linux") ?? [];
    assert.equal(linux.length, SEARCH_VECTOR_LIMITS.maxPositionsPerLexeme);
    assert.equal(linux[0], "1A");
    assert.ok(linux.some((p) => p.endsWith("C")));
    assert.ok(linux.some((p) => /\d$/.test(p)), "the body (D) keeps its first position");
    const numbers = linux.map(pos);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  });

  test("stays under PostgreSQL's 1 MB by dropping the last new words", () => {
    const body = Array.from({ length: 200_000 }, (_, i) => `word${i.toString(36)}x`).join(" ");
    const e = entries(vector({ subject: "first", bodyText: body }));
    assert.ok(e.has("first"));
    assert.ok(e.has("word0x"));
    assert.ok(!e.has(`word${(199_999).toString(36)}x`));
    let bytes = 0;
    for (const [lexeme, positions] of e) bytes += Buffer.byteLength(lexeme) + 3 + 2 * positions.length;
    assert.ok(bytes <= SEARCH_VECTOR_LIMITS.maxVectorBytes, `${bytes} bytes`);
    assert.ok(bytes > SEARCH_VECTOR_LIMITS.maxVectorBytes - 100, `${bytes} bytes: the budget is used`);
  });

  test("a 4M-character body (the parser's cap) in reasonable time", () => {
    const started = performance.now();
    vector({ bodyText: "The quick brown fox jumps over the lazy dog, 0123 ima_appraise.c\n".repeat(62_000) });
    vector({ bodyText: Array.from({ length: 400_000 }, (_, i) => `t${i}`).join(" ") });
    const ms = performance.now() - started;
    assert.ok(ms < 10_000, `${Math.round(ms)} ms`);
  });
});

describe("buildSearchVector: PostgreSQL reads what it builds", { skip: skipWithoutPostgres }, () => {
  let db: TestDatabase;
  let client: pg.Client;
  before(async () => {
    db = await createTestDatabase("search_vector");
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.drop();
  });

  const matches = async (literal: string, query: string): Promise<boolean> => {
    const r = await client.query<{ ok: boolean }>("SELECT $1::tsvector @@ $2::tsquery AS ok", [literal, query]);
    return r.rows[0]?.ok ?? false;
  };

  test("the literal parses to itself", async () => {
    const literal = vector({ subject: "ima: fix", fromName: "Mimi", toAddrs: "a@b.org", ccAddrs: "c@d.org", bodyText: "Fix ima." });
    const r = await client.query<{ v: string }>("SELECT $1::tsvector::text AS v", [literal]);
    assert.deepEqual(entries(r.rows[0]?.v ?? ""), entries(literal));
  });

  test("quotes and backslashes survive the round trip", async () => {
    const literal = `${quoteLexeme("it's")}:1 ${quoteLexeme("a\\b")}:2A`;
    assert.equal(await matches(literal, `${quoteLexeme("it's")} <-> ${quoteLexeme("a\\b")}:A`), true);
  });

  test("hostile messages: no error at any limit, and what is kept is found", async () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(" ");
    const cases: Partial<SearchFields>[] = [
      { bodyText: `${"x".repeat(10_000)} ${"中".repeat(5_000)} ${"\u{20000}".repeat(3_000)}` },
      { subject: words, bodyText: words },
      { toAddrs: Array.from({ length: 1000 }, () => "linux-kernel@vger.kernel.org").join(", "), bodyText: "kernel" },
      { bodyText: Array.from({ length: 200_000 }, (_, i) => `word${i.toString(36)}x`).join(" ") },
      { bodyText: Array.from({ length: 5_000 }, () => "it's a\\b \0 \ud800 😀 ").join("") },
    ];
    for (const fields of cases) {
      const literal = vector(fields);
      const r = await client.query<{ n: number }>("SELECT length($1::tsvector) AS n", [literal]);
      assert.equal(r.rows[0]?.n, entries(literal).size);
    }
    const long = vector(cases[0] ?? {});
    assert.equal(await matches(long, `${quoteLexeme(toLexeme("x".repeat(10_000)))}:D`), true);
    // Past the last phrase position: the words are there, with their field, but no phrase joins them.
    const clamped = vector({ subject: "s", bodyText: `${words} alpha beta` });
    assert.equal(await matches(clamped, "'alpha':D & 'beta':D"), true);
    assert.equal(await matches(clamped, "'alpha':A"), false);
    assert.equal(await matches(clamped, "'alpha' <-> 'beta'"), false);
    assert.equal(await matches(clamped, "'w100' <-> 'w101'"), true);
    // 1000 To addresses fill "kernel"'s 256 positions; the body's one is kept.
    assert.equal(await matches(vector(cases[2] ?? {}), "'kernel':D"), true);
  });
});
