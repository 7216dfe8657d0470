import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import fc from "fast-check";
import { compileQuery, compileTextQuery, toFtsString, type CompiledQuery, type TextQuery } from "../../lib/store/sqlite/query-compile";
import { parseQuery, QueryError, type Field, type QueryNode } from "../../lib/search/query-parse";

const NOW = new Date("2024-06-15T12:34:56Z");
const MATCH = `m.id IN (SELECT messageId FROM message_search_key WHERE sortKey IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?))`;

interface Row {
  id: number;
  messageId: string;
  date: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  toAddrs: string;
  ccAddrs: string;
  bodyText: string;
}

const ROWS: Row[] = [
  {
    id: 1,
    messageId: "20190623.1@altlinux.org",
    date: "2019-06-24T08:00:00.000Z",
    subject: "[PATCH v2] ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API",
    fromName: "Vitaly Chikunov",
    fromAddr: "vt@altlinux.org",
    toAddrs: "zohar@linux.ibm.com",
    ccAddrs: "linux-integrity@vger.kernel.org",
    bodyText: "Convert sign_hash_v2 to the EVP_PKEY API.",
  },
  {
    id: 2,
    messageId: "20190101.123@kernel.org",
    date: "2019-01-01T10:00:00.000Z",
    subject: "ima: tighten the appraise policy",
    fromName: "Mimi Zohar",
    fromAddr: "zohar@linux.ibm.com",
    toAddrs: "linux-integrity@vger.kernel.org",
    ccAddrs: "",
    bodyText: "This touches security/integrity/ima/ima_appraise.c when CONFIG_IMA is set.",
  },
  {
    id: 3,
    messageId: "abc@x.org",
    date: "2020-06-01T00:00:00.000Z",
    subject: "[RFC PATCH] tpm: rework the event log",
    fromName: "Jarkko Sakkinen",
    fromAddr: "jarkko@kernel.org",
    toAddrs: "linux-integrity@vger.kernel.org",
    ccAddrs: "zohar@linux.ibm.com",
    bodyText: "tpm event log rework",
  },
  {
    id: 4,
    messageId: "evm@x.org",
    date: "2020-03-01T00:00:00.000Z",
    subject: "evm: fix HMAC calculation",
    fromName: "Roberto Sassu",
    fromAddr: "roberto.sassu@huawei.com",
    toAddrs: "zohar@linux.ibm.com",
    ccAddrs: "",
    bodyText: "The HMAC was wrong.",
  },
  {
    id: 5,
    messageId: "tpm-leak@x.org",
    date: "2024-06-10T00:00:00.000Z",
    subject: "tpm: plug a leak",
    fromName: "James Bottomley",
    fromAddr: "jejb@linux.ibm.com",
    toAddrs: "linux-integrity@vger.kernel.org",
    ccAddrs: "jarkko@kernel.org",
    bodyText: "A leak in the tpm driver.",
  },
  {
    id: 6,
    messageId: "recent@x.org",
    date: "2024-06-14T09:00:00.000Z",
    subject: "ima: recent change",
    fromName: "Mimi Zohar",
    fromAddr: "zohar@linux.ibm.com",
    toAddrs: "linux-integrity@vger.kernel.org",
    ccAddrs: "",
    bodyText: "Déjà vu: a recent ima change.",
  },
  {
    id: 7,
    messageId: "keys@x.org",
    date: "2020-05-05T00:00:00.000Z",
    subject: "ima: measure keys",
    fromName: "Mimi Zohar",
    fromAddr: "zohar@linux.ibm.com",
    toAddrs: "linux-integrity@vger.kernel.org",
    ccAddrs: "",
    bodyText: "Measure keys loaded onto keyrings.",
  },
];

function openDb(): Database.Database {
  const db = new Database(":memory:");
  db.exec(`
    CREATE TABLE Message (
      id INTEGER PRIMARY KEY, messageId TEXT NOT NULL, date TEXT NOT NULL,
      subject TEXT NOT NULL, fromName TEXT NOT NULL, fromAddr TEXT NOT NULL,
      toAddrs TEXT NOT NULL, ccAddrs TEXT NOT NULL, bodyText TEXT NOT NULL);
    CREATE VIRTUAL TABLE message_fts USING fts5(subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText, list,
      content='', tokenize='unicode61 remove_diacritics 2');
    CREATE TABLE message_search_key (sortKey INTEGER PRIMARY KEY, messageId INTEGER NOT NULL);
  `);
  const insert = db.prepare(`INSERT INTO Message VALUES
    (@id, @messageId, @date, @subject, @fromName, @fromAddr, @toAddrs, @ccAddrs, @bodyText)`);
  for (const row of ROWS) insert.run(row);
  // Full-text rowids are search keys, not Message ids (here: 1000 - id).
  db.exec(`INSERT INTO message_search_key SELECT 1000 - id, id FROM Message;
    INSERT INTO message_fts(rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText, list)
      SELECT 1000 - id, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText, 'l1' FROM Message`);
  return db;
}

const db = openDb();

function run(compiled: CompiledQuery): number[] {
  // The test store holds ISO-8601 text; the app converts with lib/store/sqlite/sql-date.ts instead.
  const params = compiled.params.map((p) => (p instanceof Date ? p.toISOString() : p));
  const rows = db.prepare(`SELECT m.id FROM Message m WHERE ${compiled.where} ORDER BY m.id`).all(...params);
  return (rows as { id: number }[]).map((r) => r.id);
}

const search = (q: string): number[] => run(compileQuery(parseQuery(q, NOW)));

/** A text query the way lib/store/sqlite/search.ts runs it: its MATCH, then the date range. */
function runText(text: TextQuery): number[] {
  const rows = db.prepare(
    `SELECT m.id FROM message_fts f JOIN message_search_key k ON k.sortKey = f.rowid JOIN Message m ON m.id = k.messageId
      WHERE message_fts MATCH ? AND (? IS NULL OR m.date >= ?) AND (? IS NULL OR m.date < ?) ORDER BY m.id`,
  ).all(text.match, ...[text.from, text.from, text.to, text.to].map((d) => d?.toISOString() ?? null));
  return (rows as { id: number }[]).map((r) => r.id);
}

describe("toFtsString", () => {
  it("quotes and doubles quotes", () => {
    assert.equal(toFtsString("ima_appraise"), '"ima_appraise"');
    assert.equal(toFtsString('say "hi"'), '"say ""hi"""');
    assert.equal(toFtsString("a OR b NOT c*"), '"a OR b NOT c*"');
  });

  it("turns NUL into a separator (FTS5 would stop the string there)", () => {
    assert.equal(toFtsString("a\0b"), '"a b"');
  });
});

describe("compileQuery: SQL shape", () => {
  const c = (q: string) => compileQuery(parseQuery(q, NOW));

  it("sends one text term as one MATCH parameter", () => {
    assert.deepEqual(c("s:ima"), { where: MATCH, params: ['{subject}: "ima"'] });
    assert.deepEqual(c("ima_appraise"), { where: MATCH, params: ['{subject bodyText}: "ima_appraise"'] });
    assert.deepEqual(c("a:zohar"), { where: MATCH, params: ['{fromName fromAddr toAddrs ccAddrs}: "zohar"'] });
  });

  it("folds all text terms of a subtree into one MATCH", () => {
    assert.deepEqual(c('"evm: fix" OR s:tpm -s:RFC'), {
      where: MATCH,
      params: ['({subject bodyText}: "evm: fix" OR ({subject}: "tpm" NOT {subject}: "RFC"))'],
    });
    assert.deepEqual(c("a b -c -d"), {
      where: MATCH,
      params: [
        '(({subject bodyText}: "a" AND {subject bodyText}: "b") NOT ({subject bodyText}: "c" OR {subject bodyText}: "d"))',
      ],
    });
  });

  it("combines text with dates and Message-IDs in SQL", () => {
    const b4 = c('((s:"Convert v2" AND f:"vt@altlinux.org")) AND d:20190623..');
    assert.equal(b4.where, `(${MATCH} AND m.date >= ?)`);
    assert.deepEqual(b4.params, [
      '({subject}: "Convert v2" AND {fromName fromAddr}: "vt@altlinux.org")',
      new Date("2019-06-23T00:00:00Z"),
    ]);
    assert.deepEqual(c("m:<a@b>"), { where: "m.messageId = ?", params: ["a@b"] });
    assert.deepEqual(c("d:2024-01-01"), {
      where: "(m.date >= ? AND m.date < ?)",
      params: [new Date("2024-01-01T00:00:00Z"), new Date("2024-01-02T00:00:00Z")],
    });
    assert.deepEqual(c("m:a@b OR s:x"), { where: `(${MATCH} OR m.messageId = ?)`, params: ['{subject}: "x"', "a@b"] });
  });

  it("turns a NOT without a positive text partner into SQL NOT", () => {
    assert.deepEqual(c("-s:RFC"), { where: `NOT (${MATCH})`, params: ['{subject}: "RFC"'] });
    assert.deepEqual(c("NOT a OR b"), {
      where: `(${MATCH} OR NOT (${MATCH}))`,
      params: ['{subject bodyText}: "b"', '{subject bodyText}: "a"'],
    });
    assert.deepEqual(c("d:2024.. -s:RFC -s:RFT"), {
      where: `(m.date >= ? AND NOT (${MATCH}))`,
      params: [new Date("2024-01-01T00:00:00Z"), '({subject}: "RFC" OR {subject}: "RFT")'],
    });
    assert.deepEqual(c("-m:a@b"), { where: "NOT (m.messageId = ?)", params: ["a@b"] });
  });

  it("drops terms that tokenise to nothing", () => {
    assert.deepEqual(c("foo *** :"), { where: MATCH, params: ['{subject bodyText}: "foo"'] });
    assert.deepEqual(c("foo OR -***"), { where: MATCH, params: ['{subject bodyText}: "foo"'] });
    for (const q of ["***", '":"', "- ^", "s:*"]) {
      assert.throws(() => c(q), (e: unknown) => e instanceof QueryError && e.message === "nothing to search for");
    }
  });

  it("never puts user text into the SQL string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (q) => {
        let compiled: CompiledQuery;
        try {
          compiled = compileQuery(parseQuery(q, NOW));
        } catch (e) {
          assert.ok(e instanceof QueryError);
          return;
        }
        assert.match(compiled.where, /^[A-Za-z_.() ?=<>]*$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("compileQuery: against SQLite FTS5", () => {
  it("finds the messages of the real-world examples", () => {
    const cases: [string, number[]][] = [
      ['((s:"ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API" AND f:"vt@altlinux.org")) AND d:20190623..', [1]],
      ['((s:"ima-evm-utils: Convert v2 signatures" AND f:"vt@altlinux.org")) AND d:20190625..', []],
      ["m:<20190101.123@kernel.org>", [2]],
      ["mid:abc@x.org", [3]],
      ["m:abc@x.org OR m:evm@x.org", [3, 4]],
      ["s:ima f:zohar d:2020-01-01..2021-01-01", [7]],
      ["ima_appraise", [2]],
      ["security/integrity/ima", [2]],
      ["CONFIG_IMA", [2]],
      ['"evm: fix" OR s:tpm -s:RFC', [4, 5]],
      ["xyz:foo", []],
      ["EVP_PKEY", [1]],
      ["f:vt@altlinux.org", [1]],
      ["f:Zohar", [2, 6, 7]],
      ["t:zohar", [1, 4]],
      ["c:zohar", [3]],
      ["a:jarkko", [3, 5]],
      ["b:tpm", [3, 5]],
      ["bs:hmac", [4]],
      ["zohar", []], // bare terms search subject + body only, like lore
      ["deja", [6]], // remove_diacritics
      ["ima AND NOT s:recent", [1, 2, 7]],
      ["NOT tpm", [1, 2, 4, 6, 7]],
      ["-(tpm OR ima)", [4]],
      ["-s:tpm -d:2020..", [1, 2]],
      ["s:(ima OR evm) -f:zohar", [1, 4]],
      ["(s:ima OR m:abc@x.org) d:2020..", [3, 6, 7]],
    ];
    for (const [q, ids] of cases) assert.deepEqual(search(q), ids, q);
  });

  it("applies date ranges with an inclusive end day", () => {
    const cases: [string, number[]][] = [
      ["d:2019-01-01..2019-06-24", [1, 2]],
      ["d:20190101..20190623", [2]],
      ["d:..20190101", [2]],
      ["d:2024-06-10", [5]],
      ["rt:20240610000000..20240610000000", [5]],
      ["d:..2.weeks.ago", [1, 2, 3, 4, 7]],
      ["d:3.days.ago..", [6]],
      ["d:yesterday..", [6]],
      ["d:last.month..", [5, 6]],
      ["d:last.week..", [5, 6]],
      ["d:last.year..", [5, 6]],
      ["d:today..", []],
    ];
    for (const [q, ids] of cases) assert.deepEqual(search(q), ids, q);
  });

  it("runs every query that parses without SQL errors", () => {
    const SPECIAL = ['"', "*", "^", ":", "(", ")", "-", "+", " ", "{", "}", "[", "]", "<", ">", ".", "\0"];
    const WORDS = ["NEAR", "AND", "OR", "NOT", "s:", "f:", "m:", "d:", "bs:", "xyz:", "ima", "é", "ima_appraise"];
    const DATES = ["2024-01-01", "20240101", "2.weeks.ago", "last.month", "yesterday", ".."];
    const pieces = fc.oneof(
      fc.constantFrom(...SPECIAL, ...WORDS, ...DATES),
      fc.string({ unit: "grapheme", maxLength: 3 }),
      fc.string({ unit: "binary", maxLength: 3 }),
    );
    const queries = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.array(pieces, { maxLength: 40 }).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(queries, (q) => {
        let compiled: CompiledQuery;
        try {
          compiled = compileQuery(parseQuery(q, NOW));
        } catch (e) {
          assert.ok(e instanceof QueryError, `not a QueryError: ${String(e)}`);
          return;
        }
        run(compiled); // throws on any SQL or FTS5 syntax error
      }),
      { numRuns: 3000 },
    );
  });
});

// A reference evaluator over the rows, to check the folding of AND/OR/NOT into
// FTS5 and SQL on arbitrary trees (not only on ones the parser builds).
const FIELD_COLUMNS: Record<Field, (keyof Row)[]> = {
  subject: ["subject"],
  from: ["fromName", "fromAddr"],
  to: ["toAddrs"],
  cc: ["ccAddrs"],
  addr: ["fromName", "fromAddr", "toAddrs", "ccAddrs"],
  body: ["bodyText"],
  subjectBody: ["subject", "bodyText"],
  any: ["subject", "bodyText"],
};
const tokens = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

function matches(node: QueryNode, row: Row): boolean {
  switch (node.type) {
    case "term": {
      const want = tokens(node.text);
      return FIELD_COLUMNS[node.field].some((col) => {
        const have = tokens(String(row[col]));
        return have.some((_, i) => want.every((w, j) => have[i + j] === w));
      });
    }
    case "mid":
      return row.messageId === node.mid;
    case "date":
      return (
        (node.from === null || row.date >= node.from.toISOString()) &&
        (node.to === null || row.date < node.to.toISOString())
      );
    case "and":
      return node.children.every((c) => matches(c, row));
    case "or":
      return node.children.some((c) => matches(c, row));
    case "not":
      return !matches(node.child, row);
  }
}

describe("compileQuery: semantics", () => {
  it("returns exactly the rows a direct evaluation of the tree selects", () => {
    const word = fc.constantFrom("ima", "evm", "tpm", "fix", "zohar", "leak", "rfc", "keys", "linux", "kernel", "api");
    const text = fc
      .tuple(word, fc.option(word, { nil: undefined }), fc.constantFrom(" ", "_", "/", ": ", "."))
      .map(([a, b, sep]) => (b === undefined ? a : a + sep + b));
    const field = fc.constantFrom<Field>("subject", "from", "to", "cc", "addr", "body", "subjectBody", "any");
    const day = fc.constantFrom(null, "2019-01-01", "2019-06-24", "2020-05-05", "2024-06-10", "2024-06-14");
    const { node } = fc.letrec<{ node: QueryNode }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ type: fc.constant("term" as const), field, text, phrase: fc.boolean() }),
        fc.record({ type: fc.constant("mid" as const), mid: fc.constantFrom(...ROWS.map((r) => r.messageId), "none@x") }),
        fc.record({ type: fc.constant("date" as const), from: day, to: day })
          .filter((d) => d.from !== null || d.to !== null) // the parser never builds an unbounded one
          .map((d) => ({
          type: "date" as const,
          from: d.from === null ? null : new Date(d.from),
          to: d.to === null ? null : new Date(d.to),
        })),
        fc.record({ type: fc.constant("and" as const), children: fc.array(tie("node"), { minLength: 1, maxLength: 4 }) }),
        fc.record({ type: fc.constant("or" as const), children: fc.array(tie("node"), { minLength: 1, maxLength: 4 }) }),
        fc.record({ type: fc.constant("not" as const), child: tie("node") }),
      ),
    }));
    fc.assert(
      fc.property(node, (tree) => {
        let compiled: CompiledQuery;
        try {
          compiled = compileQuery(tree);
        } catch (e) {
          assert.fail(`${JSON.stringify(tree)} did not compile: ${String(e)}`);
        }
        const expected = ROWS.filter((r) => matches(tree, r)).map((r) => r.id);
        assert.deepEqual(run(compiled), expected, JSON.stringify(tree) + "\n" + compiled.where);
        // Where the index alone can answer, it finds the same rows.
        const text = compileTextQuery(tree);
        if (text !== null) assert.deepEqual(runText(text), expected, JSON.stringify(tree) + "\n" + text.match);
      }),
      { numRuns: 1500 },
    );
  });
});

describe("compileTextQuery", () => {
  const text = (q: string) => compileTextQuery(parseQuery(q, NOW));
  it("takes words, phrases and their AND/OR/NOT, with d: ranges ANDed to them", () => {
    assert.deepEqual(text("s:ima"), { match: `{subject}: "ima"`, from: null, to: null });
    assert.equal(text("ima evm")?.match, `({subject bodyText}: "ima" AND {subject bodyText}: "evm")`);
    assert.equal(text("ima OR evm")?.match, `({subject bodyText}: "ima" OR {subject bodyText}: "evm")`);
    assert.equal(text("ima NOT evm")?.match, `({subject bodyText}: "ima" NOT {subject bodyText}: "evm")`);
    const ranged = text("f:zohar d:20190101..20190201 d:20190115..")!;
    assert.equal(ranged.match, `{fromName fromAddr}: "zohar"`);
    assert.deepEqual([ranged.from?.toISOString(), ranged.to?.toISOString()], ["2019-01-15T00:00:00.000Z", "2019-02-02T00:00:00.000Z"]);
  });
  it("leaves every other query to the SQL walk", () => {
    for (const q of ["d:20190101..", "m:a@b", "m:a@b ima", "ima OR d:20190101..", "NOT ima", "ima OR NOT evm", "***"]) {
      assert.equal(text(q), null, q);
    }
  });
});
