import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseQuery, QUERY_LIMITS, QueryError, type Field, type QueryNode } from "../../lib/search/query-parse";

const NOW = new Date("2024-06-15T12:34:56Z");
const parse = (q: string): QueryNode => parseQuery(q, NOW);
const term = (text: string, field: Field = "any", phrase = false): QueryNode => ({ type: "term", field, text, phrase });
const and = (...children: QueryNode[]): QueryNode => ({ type: "and", children });
const or = (...children: QueryNode[]): QueryNode => ({ type: "or", children });
const not = (child: QueryNode): QueryNode => ({ type: "not", child });
const date = (from: string | null, to: string | null): QueryNode => ({
  type: "date",
  from: from === null ? null : new Date(from),
  to: to === null ? null : new Date(to),
});

function parseError(q: string): QueryError {
  try {
    parse(q);
  } catch (e) {
    assert.ok(e instanceof QueryError, `expected QueryError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(q)} to fail`);
}

describe("parseQuery: queries from lore users, b4 and lei", () => {
  it("parses b4's subject+from+date query", () => {
    assert.deepEqual(
      parse('((s:"ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API" AND f:"vt@altlinux.org")) AND d:20190623..'),
      and(
        term("ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API", "subject", true),
        term("vt@altlinux.org", "from", true),
        date("2019-06-23T00:00:00Z", null),
      ),
    );
  });

  it("parses Message-ID lookups with and without brackets", () => {
    assert.deepEqual(parse("m:<20190101.123@kernel.org>"), { type: "mid", mid: "20190101.123@kernel.org" });
    assert.deepEqual(parse("mid:abc@x.org"), { type: "mid", mid: "abc@x.org" });
    assert.deepEqual(parse('m:"<abc@x.org>"'), { type: "mid", mid: "abc@x.org" });
    // Message-IDs with parentheses survive inside <...>, and a group still closes.
    assert.deepEqual(parse("m:<a(b)c@x>"), { type: "mid", mid: "a(b)c@x" });
    assert.deepEqual(parse("(m:abc@x.org)"), { type: "mid", mid: "abc@x.org" });
  });

  it("parses prefixes with implicit AND", () => {
    assert.deepEqual(
      parse("s:ima f:zohar d:2020-01-01..2021-01-01"),
      and(term("ima", "subject"), term("zohar", "from"), date("2020-01-01T00:00:00Z", "2021-01-02T00:00:00Z")),
    );
  });

  it("keeps identifiers, paths and addresses as one verbatim term", () => {
    for (const t of ["ima_appraise", "security/integrity/ima", "CONFIG_IMA", "foo.c", "zohar@linux.ibm.com", "v2"]) {
      assert.deepEqual(parse(t), term(t));
    }
  });

  it("parses a phrase OR a subject term without a negated one", () => {
    assert.deepEqual(
      parse('"evm: fix" OR s:tpm -s:RFC'),
      or(term("evm: fix", "any", true), and(term("tpm", "subject"), not(term("RFC", "subject")))),
    );
  });
});

describe("parseQuery: prefixes", () => {
  it("maps every public-inbox text prefix to its field", () => {
    const cases: [string, Field][] = [
      ["s", "subject"],
      ["f", "from"],
      ["t", "to"],
      ["c", "cc"],
      ["a", "addr"],
      ["b", "body"],
      ["bs", "subjectBody"],
    ];
    for (const [prefix, field] of cases) {
      assert.deepEqual(parse(`${prefix}:foo`), term("foo", field));
      assert.deepEqual(parse(`${prefix}:"foo bar"`), term("foo bar", field, true));
    }
  });

  it("reads unknown prefixes as text, like Xapian", () => {
    assert.deepEqual(parse("xyz:foo"), term("xyz:foo", "any", true));
    assert.deepEqual(parse("S:foo"), term("S:foo", "any", true));
    assert.deepEqual(parse("https://lore.kernel.org/x"), term("https://lore.kernel.org/x", "any", true));
  });

  it("applies a prefix to a parenthesised group, inner prefixes win", () => {
    assert.deepEqual(parse("s:(foo b:bar)"), and(term("foo", "subject"), term("bar", "body")));
    assert.deepEqual(parse('-f:(alice OR "bob smith")'), not(or(term("alice", "from"), term("bob smith", "from", true))));
    assert.ok(parseError("d:(2024)").message.includes("group"));
  });

  it("ignores a prefix with nothing after it", () => {
    assert.deepEqual(parse("s: foo"), term("foo"));
    assert.deepEqual(parse('foo s:""'), term("foo"));
    assert.deepEqual(parse("foo m:<>"), term("foo"));
    assert.deepEqual(parse("foo d:.."), term("foo"));
  });
});

describe("parseQuery: boolean structure", () => {
  it("treats uppercase keywords as operators and lowercase as terms", () => {
    assert.deepEqual(parse("a AND b"), and(term("a"), term("b")));
    assert.deepEqual(parse("a and b"), and(term("a"), term("and"), term("b")));
    assert.deepEqual(parse("a OR b"), or(term("a"), term("b")));
    assert.deepEqual(parse("a NOT b"), and(term("a"), not(term("b"))));
    assert.deepEqual(parse("NOT a"), not(term("a")));
    assert.deepEqual(parse("a AND NOT b"), and(term("a"), not(term("b"))));
  });

  it("binds AND tighter than OR", () => {
    assert.deepEqual(parse("a b OR c"), or(and(term("a"), term("b")), term("c")));
    assert.deepEqual(parse("a OR b AND c"), or(term("a"), and(term("b"), term("c"))));
    assert.deepEqual(parse("a OR NOT b"), or(term("a"), not(term("b"))));
  });

  it("handles -, + and nesting", () => {
    assert.deepEqual(parse("+a -b"), and(term("a"), not(term("b"))));
    assert.deepEqual(parse('-"foo bar"'), not(term("foo bar", "any", true)));
    assert.deepEqual(parse("-(a OR b) c"), and(not(or(term("a"), term("b"))), term("c")));
    assert.deepEqual(parse("((a (b OR (c d))))"), and(term("a"), or(term("b"), and(term("c"), term("d")))));
    assert.deepEqual(parse("NOT NOT a"), term("a"));
    assert.deepEqual(parse("-NOT"), not(term("NOT")));
    assert.deepEqual(parse("foo-bar a-"), and(term("foo-bar"), term("a-")));
  });

  it("is lenient about dangling operators and empty groups", () => {
    assert.deepEqual(parse("a AND"), term("a"));
    assert.deepEqual(parse("AND a OR"), term("a"));
    assert.deepEqual(parse("a OR OR b"), or(term("a"), term("b")));
    assert.deepEqual(parse("a - b"), and(term("a"), term("b")));
    assert.deepEqual(parse("a () b"), and(term("a"), term("b")));
    assert.deepEqual(parse("a NOT"), term("a"));
    assert.deepEqual(parse("a -( ) b"), and(term("a"), term("b")));
  });

  it("keeps a quote inside a word literal; the tokenizer drops it later", () => {
    assert.deepEqual(parse('don"t'), term('don"t'));
  });
});

describe("parseQuery: dates", () => {
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  const range = (q: string) => {
    const node = parse(q);
    assert.ok(node.type === "date", `${q} is not a date`);
    return { from: node.from, to: node.to };
  };

  it("makes the end date inclusive and accepts both date spellings", () => {
    assert.deepEqual(range("d:2024-01-01..2024-03-01"), { from: day("2024-01-01"), to: day("2024-03-02") });
    assert.deepEqual(range("d:20240101..20240301"), { from: day("2024-01-01"), to: day("2024-03-02") });
    assert.deepEqual(range("d:20190623.."), { from: day("2019-06-23"), to: null });
    assert.deepEqual(range("d:..20240301"), { from: null, to: day("2024-03-02") });
    assert.deepEqual(range("rt:20240101.."), { from: day("2024-01-01"), to: null });
  });

  it("reads a single date as that whole day", () => {
    assert.deepEqual(range("d:2024-01-01"), { from: day("2024-01-01"), to: day("2024-01-02") });
    assert.deepEqual(range("d:2024-02"), { from: day("2024-02-01"), to: day("2024-03-01") });
    assert.deepEqual(range("d:2023"), { from: day("2023-01-01"), to: day("2024-01-01") });
  });

  it("accepts YYYYMMDDhhmmss", () => {
    assert.deepEqual(range("d:20240101123000..20240102000000"), {
      from: new Date("2024-01-01T12:30:00Z"),
      to: new Date("2024-01-02T00:00:01Z"),
    });
  });

  it("resolves relative dates against `now`", () => {
    const ago = (ms: number) => new Date(NOW.getTime() - ms);
    const DAY = 86_400_000;
    assert.deepEqual(range("d:..2.weeks.ago"), { from: null, to: ago(14 * DAY) });
    assert.deepEqual(range("d:3.days.ago.."), { from: ago(3 * DAY), to: null });
    assert.deepEqual(range("d:1.day.ago.."), { from: ago(DAY), to: null });
    assert.deepEqual(range("d:12.hours.ago.."), { from: ago(12 * 3_600_000), to: null });
    assert.deepEqual(range("d:30.minutes.ago.."), { from: ago(30 * 60_000), to: null });
    assert.deepEqual(range("d:10.seconds.ago.."), { from: ago(10_000), to: null });
    assert.deepEqual(range("d:last.week.."), { from: ago(7 * DAY), to: null });
    assert.deepEqual(range("d:last.month.."), { from: new Date("2024-05-15T12:34:56Z"), to: null });
    assert.deepEqual(range("d:last.year.."), { from: new Date("2023-06-15T12:34:56Z"), to: null });
    assert.deepEqual(range("d:2.years.ago.."), { from: new Date("2022-06-15T12:34:56Z"), to: null });
    assert.deepEqual(range("d:yesterday.."), { from: day("2024-06-14"), to: null });
    assert.deepEqual(range("d:..yesterday"), { from: null, to: day("2024-06-15") });
    assert.deepEqual(range("d:today"), { from: day("2024-06-15"), to: day("2024-06-16") });
    // A lone instant means the day it falls in.
    assert.deepEqual(range("d:3.days.ago"), { from: day("2024-06-12"), to: day("2024-06-13") });
  });

  it("subtracts calendar months without rolling over", () => {
    const node = parseQuery("d:1.month.ago..", new Date("2024-03-31T10:00:00Z"));
    assert.deepEqual(node, date("2024-02-29T10:00:00Z", null));
  });

  it("rejects impossible dates with the offending text", () => {
    const e = parseError("foo d:2024-13-01");
    assert.equal(e.message, 'Bad date "2024-13-01" in d:');
    assert.equal(e.position, 6);
    assert.equal(parseError("d:2023-02-29..").message, 'Bad date "2023-02-29" in d:');
    assert.equal(parseError("d:2024-01-01..soon").message, 'Bad date "soon" in d:');
    assert.equal(parseError("rt:20240101250000..").message, 'Bad date "20240101250000" in rt:');
    assert.equal(parseError("d:999999.years.ago..").message, 'Bad date "999999.years.ago" in d:');
  });
});

describe("parseQuery: errors", () => {
  it("rejects empty queries", () => {
    assert.equal(parseError("").message, "empty query");
    assert.equal(parseError("  \t\n ").message, "empty query");
    assert.equal(parseError("()").message, "nothing to search for");
    assert.equal(parseError("- AND").message, "nothing to search for");
  });

  it("rejects unbalanced quotes with their column (no repair: the intent is unclear)", () => {
    const e = parseError('s:ima "foo bar');
    assert.equal(e.message, "Unbalanced quote at column 7");
    assert.equal(e.position, 6);
    assert.equal(parseError('s:"foo').position, 2);
  });

  it("rejects unbalanced parentheses", () => {
    const open = parseError("(a OR (b c)");
    assert.equal(open.message, 'Missing ")" for "(" at column 1');
    assert.equal(open.position, 0);
    const close = parseError("a b)");
    assert.equal(close.message, 'Unbalanced ")" at column 4');
    assert.equal(close.position, 3);
  });

  it("enforces the limits with clear messages", () => {
    assert.match(parseError("a".repeat(QUERY_LIMITS.maxLength + 1)).message, /too long/);
    assert.match(parseError(Array(QUERY_LIMITS.maxTerms + 1).fill("x").join(" ")).message, /Too many search terms/);
    assert.doesNotThrow(() => parse(Array(QUERY_LIMITS.maxTerms).fill("x").join(" ")));
    const deep = (n: number) => "(".repeat(n) + "a" + ")".repeat(n);
    assert.doesNotThrow(() => parse(deep(QUERY_LIMITS.maxDepth)));
    assert.match(parseError(deep(QUERY_LIMITS.maxDepth + 1)).message, /nested too deeply/);
  });

  it("answers huge inputs with QueryError (timed in bench:bounds)", () => {
    const inputs = [
      "a ".repeat(5000),
      "(".repeat(10_000),
      "-".repeat(10_000),
      Array(3000).fill("NOT").join(" "),
      '"'.repeat(9999),
    ];
    const atLimit = [
      "a ".repeat(QUERY_LIMITS.maxLength / 2),
      "(".repeat(QUERY_LIMITS.maxLength),
      '"'.repeat(QUERY_LIMITS.maxLength - 1),
    ];
    for (const q of [...inputs, ...atLimit]) assert.throws(() => parse(q), QueryError);
    // Within the length limit, hundreds of operators and empty groups are fine.
    assert.deepEqual(parse("a " + "AND ".repeat(450) + "() ".repeat(40)), term("a"));
  });
});

const SPECIAL = ['"', "*", "^", ":", "(", ")", "-", "+", " ", "{", "}", "[", "]", "<", ">", ".", "..", "\0", "\n"];
const WORDS = ["NEAR", "AND", "OR", "NOT", "s:", "f:", "m:", "mid:", "d:", "rt:", "bs:", "xyz:", "a", "é", "ima_appraise"];
const DATES = ["2024-01-01", "20240101", "2.weeks.ago", "last.month", "yesterday", "2024-13-01", "..", "today"];
const queryChars = fc.oneof(
  fc.constantFrom(...SPECIAL, ...WORDS, ...DATES),
  fc.string({ unit: "grapheme", maxLength: 3 }),
  fc.string({ unit: "binary", maxLength: 3 }),
);
const queryArb = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.array(queryChars, { maxLength: 40 }).map((parts) => parts.join("")),
);

function depth(node: QueryNode): number {
  if (node.type === "and" || node.type === "or") return 1 + Math.max(...node.children.map(depth));
  if (node.type === "not") return 1 + depth(node.child);
  return 1;
}

describe("parseQuery: properties", () => {
  it("throws nothing but QueryError, and returns well-formed trees", () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        let node: QueryNode;
        try {
          node = parse(q);
        } catch (e) {
          assert.ok(e instanceof QueryError, `not a QueryError: ${String(e)}`);
          assert.ok(Number.isInteger(e.position) && e.position >= 0);
          return;
        }
        assert.ok(depth(node) <= 2 * QUERY_LIMITS.maxDepth + 3);
        const check = (n: QueryNode): void => {
          if (n.type === "and" || n.type === "or") {
            assert.ok(n.children.length >= 2);
            n.children.forEach(check);
          } else if (n.type === "not") check(n.child);
          else if (n.type === "term") assert.ok(n.text.trim() !== "");
          else if (n.type === "date") {
            assert.ok(n.from !== null || n.to !== null);
            for (const d of [n.from, n.to]) assert.ok(d === null || !Number.isNaN(d.getTime()));
          }
        };
        check(node);
      }),
      { numRuns: 3000 },
    );
  });
});
