import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readSource } from "../../lib/ingest/mail-sources";
import { parseAll } from "../../lib/ingest/parse-pool";
import {
  buildSearchVector,
  monthLexeme,
  quoteLexeme,
  SEARCH_VECTOR_LIMITS,
  searchVectorBinary,
  toLexeme,
  type SearchFields,
} from "../../lib/store/postgres/search-vector";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../samples/linux-integrity-sample.mbox.gz");
const WORDS = Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(" ");
// Every limit of the vector at once, and characters a literal must escape.
const HOSTILE: Partial<SearchFields>[] = [
  { bodyText: `${"x".repeat(10_000)} ${"中".repeat(5_000)} ${"\u{20000}".repeat(3_000)}` },
  { subject: WORDS, bodyText: WORDS },
  { toAddrs: Array.from({ length: 1000 }, () => "linux-kernel@vger.kernel.org").join(", "), bodyText: "kernel" },
  { bodyText: Array.from({ length: 200_000 }, (_, i) => `word${i.toString(36)}x`).join(" ") },
  { bodyText: Array.from({ length: 5_000 }, () => "it's a\\b \0 \ud800 😀 ").join("") },
  { subject: "Déjà vu: ima_appraise.c", fromName: "Ünïcødé Σίσυφος", ccAddrs: "x@y.org", bodyText: "naïve CAFÉ cafe\u0301 中文 hi🤔there a\0b" },
  { subject: "*** --", bodyText: "\0\0 😀" },
];

const DATE = new Date("2026-12-02T10:00:00Z");
const MONTH = "'d:202612'";
const EMPTY: SearchFields = { subject: "", fromName: "", fromAddr: "", toAddrs: "", ccAddrs: "", bodyText: "", date: DATE };
/** The literal of a message of DATE, without its month lexeme (which leads every vector; asserted here). */
const vector = (fields: Partial<SearchFields>) => {
  const literal = buildSearchVector({ ...EMPTY, ...fields });
  if (literal === MONTH) return "";
  assert.ok(literal.startsWith(`${MONTH} `), `${literal.slice(0, 40)} starts with the month`);
  return literal.slice(MONTH.length + 1);
};

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
  test("each field under its prefix and weight, positions in order, one skipped between fields", () => {
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
      "'s:patch':1A 's:ima':2A 's:fix':3A 'f:mimi':5B 'f:zohar':6B,8B 'f:linux':9B 'f:ibm':10B 'f:com':11B " +
        "'t:linux':13C 't:integrity':14C 't:vger':15C 't:kernel':16C 't:org':17C 'cc:jarkko':19C 'cc:kernel':20C 'cc:org':21C " +
        "'fix':23 'ima':24",
    );
  });

  test("the month of the date, in UTC, leads every vector, without positions", () => {
    const month = (iso: string) => buildSearchVector({ ...EMPTY, date: new Date(iso) });
    assert.equal(month("2026-12-31T23:59:59.999Z"), "'d:202612'");
    assert.equal(month("2027-01-01T00:00:00.000Z"), "'d:202701'");
    assert.equal(month("2026-12-31T23:30:00-05:00"), "'d:202701'");
    assert.equal(month("0001-01-01T00:00:00.000Z"), "'d:000101'");
    assert.equal(month("0099-07-04T00:00:00.000Z"), "'d:009907'");
    assert.equal(month("9999-12-31T23:59:59.999Z"), "'d:999912'");
    assert.equal(monthLexeme(new Date("2019-03-15T00:00:00Z")), "d:201903");
    assert.equal(buildSearchVector({ ...EMPTY, subject: "ima" }), "'d:202612' 's:ima':1A");
  });

  test("empty fields take no positions; no tokens at all is the empty vector", () => {
    assert.equal(vector({ subject: "a", bodyText: "b" }), "'s:a':1A 'b':3");
    assert.equal(vector({}), "");
    assert.equal(vector({ subject: "*** --", bodyText: "\0\0 😀" }), "");
  });

  test("tokens as FTS5 makes them: split, lower-cased, without Latin diacritics", () => {
    const e = entries(vector({ subject: "Déjà vu: ima_appraise.c", bodyText: "naïve CAFÉ cafe\u0301 中文 hi🤔there a\0b" }));
    assert.deepEqual([...e.keys()], ["s:deja", "s:vu", "s:ima", "s:appraise", "s:c", "naive", "cafe", "中文", "hi", "there", "a", "b"]);
    assert.deepEqual(e.get("cafe"), ["8", "9"]);
  });

  test("To and Cc share weight C and are told apart by their prefixes", () => {
    const e = entries(vector({ toAddrs: "zohar@linux.ibm.com", ccAddrs: "zohar@linux.ibm.com" }));
    assert.deepEqual(e.get("t:zohar"), ["1C"]);
    assert.deepEqual(e.get("cc:zohar"), ["6C"]);
    assert.equal(e.has("zohar"), false);
    assert.equal(toLexeme("zohar", "cc:"), "cc:zohar");
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
    assert.equal(toLexeme(cjk, "cc:"), "cc:" + "中".repeat(681)); // 3 + 2043 bytes
    assert.deepEqual([...entries(vector({ bodyText: `${ascii} ${cjk}` })).keys()], [toLexeme(ascii), toLexeme(cjk)]);
  });

  test("past position 16375 a token keeps its word and field, at one position per weight", () => {
    const words = Array.from({ length: 16380 }, (_, i) => `w${i}`).join(" ");
    const e = entries(vector({ subject: "subj", bodyText: `${words} late late lately` }));
    assert.deepEqual(e.get("s:subj"), ["1A"]);
    assert.deepEqual(e.get("w0"), ["3"]);
    assert.deepEqual(e.get("w16372"), ["16375"]);
    assert.deepEqual(e.get("w16373"), ["16383"]);
    assert.deepEqual(e.get("late"), ["16383"]);
    assert.deepEqual(e.get("lately"), ["16383"]);
    // A subject that long sends the other fields to their own clamp positions.
    const huge = entries(vector({ subject: words, fromName: "mimi", toAddrs: "to", ccAddrs: "cc", bodyText: "body" }));
    assert.deepEqual(huge.get("f:mimi"), ["16379B"]);
    assert.deepEqual(huge.get("t:to"), ["16381C"]);
    assert.deepEqual(huge.get("cc:cc"), ["16381C"]);
    assert.deepEqual(huge.get("body"), ["16383"]);
    for (const p of [...huge.values()].flat()) assert.ok(pos(p) >= 1 && pos(p) <= 16383);
  });

  test("at most 256 positions a lexeme, its first; each field's lexeme apart", () => {
    const many = Array.from({ length: 400 }, () => "linux").join(" ");
    const e = entries(vector({ subject: "linux", toAddrs: many, ccAddrs: "x", bodyText: `${many} linux` }));
    const body = e.get("linux") ?? [];
    assert.equal(body.length, SEARCH_VECTOR_LIMITS.maxPositionsPerLexeme);
    assert.equal(body[0], String(pos(e.get("cc:x")?.[0] ?? "") + 2), "the body's first");
    assert.equal((e.get("t:linux") ?? []).length, SEARCH_VECTOR_LIMITS.maxPositionsPerLexeme);
    assert.deepEqual(e.get("s:linux"), ["1A"]);
    const numbers = body.map(pos);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
    assert.equal(numbers.at(-1), (numbers[0] ?? 0) + 255);
  });

  test("stays under PostgreSQL's 1 MB by dropping the last new words", () => {
    const body = Array.from({ length: 200_000 }, (_, i) => `word${i.toString(36)}x`).join(" ");
    const e = entries(vector({ subject: "first", bodyText: body }));
    assert.ok(e.has("s:first"));
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
    const words = WORDS;
    const cases = HOSTILE.slice(0, 5);
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
    assert.equal(await matches(clamped, "'s:alpha'"), false);
    assert.equal(await matches(clamped, "'alpha' <-> 'beta'"), false);
    assert.equal(await matches(clamped, "'w100' <-> 'w101'"), true);
    // 1000 To addresses fill "t:kernel"'s 256 positions; the body's "kernel" is its own.
    assert.equal(await matches(vector(cases[2] ?? {}), "'kernel':D & 't:kernel':C"), true);
  });

  test("the binary form (what the writer sends) is the same vector as the literal", async () => {
    const all: SearchFields[] = HOSTILE.map((fields) => ({ ...EMPTY, ...fields }));
    for await (const { parsed } of parseAll(readSource(SAMPLE), 0)) {
      if (parsed) all.push({ ...parsed, toAddrs: parsed.to.join(", "), ccAddrs: parsed.cc.join(", "), date: parsed.date ?? DATE });
    }
    let differ = 0;
    let empty = 0;
    for (let start = 0; start < all.length; start += 100) {
      const chunk = all.slice(start, start + 100);
      const pairs = chunk.map((_, i) => `($${2 * i + 1}::tsvector, $${2 * i + 2}::tsvector)`);
      const r = await client.query<{ differ: number; empty: number }>(
        `SELECT count(*) FILTER (WHERE b IS DISTINCT FROM l OR b::text IS DISTINCT FROM l::text)::int AS differ,
                count(*) FILTER (WHERE length(b) = 0)::int AS empty
           FROM (VALUES ${pairs.join(", ")}) AS x(b, l)`,
        chunk.flatMap((fields) => [searchVectorBinary(fields), buildSearchVector(fields)]),
      );
      differ += r.rows[0]?.differ ?? NaN;
      empty += r.rows[0]?.empty ?? NaN;
    }
    // Each holds at least its month.
    assert.deepEqual({ differ, empty }, { differ: 0, empty: 0 });
  });
});
