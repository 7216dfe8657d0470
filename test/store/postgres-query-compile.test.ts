// lib/store/postgres/query-compile.ts: the SQL it writes, and a parity test:
// the same messages in SQLite (FTS5, as the migration builds it) and in
// PostgreSQL (tsvector from lib/store/postgres/search-vector.ts), the same
// queries through each store's compiler, the same messages found.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import fc from "fast-check";
import pg from "pg";
import { compileQuery, termQuery, type CompiledQuery } from "../../lib/store/postgres/query-compile";
import { compileQuery as compileSqlite } from "../../lib/store/sqlite/query-compile";
import { toSqlDate } from "../../lib/store/sqlite/sql-date";
import { buildSearchVector } from "../../lib/store/postgres/search-vector";
import { parseQuery, QueryError, type Field, type QueryNode } from "../../lib/search/query-parse";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const NOW = new Date("2024-06-15T12:34:56Z");
const MATCH = 'm."fts" @@ $1::tsquery';
const c = (q: string, firstParam?: number) => compileQuery(parseQuery(q, NOW), firstParam);

describe("compileQuery (PostgreSQL): SQL shape", () => {
  test("one text term is one tsquery parameter, over its field's lexemes, without weights", () => {
    assert.deepEqual(c("s:ima"), { where: MATCH, params: ["'s:ima'"] });
    assert.deepEqual(c("f:zohar"), { where: MATCH, params: ["'f:zohar'"] });
    assert.deepEqual(c("t:zohar"), { where: MATCH, params: ["'t:zohar'"] });
    assert.deepEqual(c("b:zohar"), { where: MATCH, params: ["'zohar'"] });
    assert.deepEqual(c("bs:zohar"), { where: MATCH, params: ["('s:zohar' | 'zohar')"] });
    assert.deepEqual(c("zohar"), { where: MATCH, params: ["('s:zohar' | 'zohar')"] });
    assert.deepEqual(c("c:zohar"), { where: MATCH, params: ["'cc:zohar'"] });
    assert.deepEqual(c("a:zohar"), { where: MATCH, params: ["('f:zohar' | 't:zohar' | 'cc:zohar')"] });
  });

  test("identifiers, paths and quoted text are phrases of their tokens", () => {
    assert.deepEqual(c("ima_appraise").params, ["(('s:ima' <-> 's:appraise') | ('ima' <-> 'appraise'))"]);
    assert.deepEqual(c('s:"Déjà vu"').params, ["('s:deja' <-> 's:vu')"]);
    assert.deepEqual(c("a:vt@altlinux.org").params, [
      "(('f:vt' <-> 'f:altlinux' <-> 'f:org') | ('t:vt' <-> 't:altlinux' <-> 't:org') | ('cc:vt' <-> 'cc:altlinux' <-> 'cc:org'))",
    ]);
    assert.equal(termQuery("any", "it's"), "(('s:it' <-> 's:s') | ('it' <-> 's'))");
    // Cut to PostgreSQL's lexeme size exactly as the vector cuts it.
    assert.equal(termQuery("subject", "中".repeat(1000)), `'s:${"中".repeat(681)}'`);
    assert.equal(termQuery("any", "*** :"), null);
  });

  test("folds all text of a subtree into one tsquery, NOT included", () => {
    assert.deepEqual(c('"evm: fix" OR s:tpm -s:RFC'), {
      where: MATCH,
      params: ["((('s:evm' <-> 's:fix') | ('evm' <-> 'fix')) | ('s:tpm' & !'s:rfc'))"],
    });
    assert.deepEqual(c("-s:RFC"), { where: MATCH, params: ["!'s:rfc'"] });
    assert.deepEqual(c("NOT a OR b"), { where: MATCH, params: ["(!('s:a' | 'a') | ('s:b' | 'b'))"] });
    assert.deepEqual(c("-(a b)"), { where: MATCH, params: ["!(('s:a' | 'a') & ('s:b' | 'b'))"] });
  });

  test("dates and Message-IDs are SQL beside the text, numbered from firstParam", () => {
    const b4 = c('((s:"Convert v2" AND f:"vt@altlinux.org")) AND d:20190623..', 3);
    assert.equal(b4.where, '(m."fts" @@ $3::tsquery AND m."date" >= $4)');
    assert.deepEqual(b4.params, [
      "(('s:convert' <-> 's:v2') & ('f:vt' <-> 'f:altlinux' <-> 'f:org'))",
      new Date("2019-06-23T00:00:00Z"),
    ]);
    assert.deepEqual(c("m:<a@b>"), { where: 'm."messageId" = $1', params: ["a@b"] });
    assert.deepEqual(c("d:2024-01-01"), {
      where: '(m."date" >= $1 AND m."date" < $2)',
      params: [new Date("2024-01-01T00:00:00Z"), new Date("2024-01-02T00:00:00Z")],
    });
    assert.deepEqual(c("m:a@b OR s:x"), { where: `(${MATCH} OR m."messageId" = $2)`, params: ["'s:x'", "a@b"] });
    assert.deepEqual(c("-m:a@b"), { where: 'NOT (m."messageId" = $1)', params: ["a@b"] });
    assert.deepEqual(c("-(s:x d:2024..)"), {
      where: `NOT ((${MATCH} AND m."date" >= $2))`,
      params: ["'s:x'", new Date("2024-01-01T00:00:00Z")],
    });
  });

  test("dates outside four-digit years are clamped, as the SQLite store clamps them", () => {
    assert.deepEqual(c("d:..999999.weeks.ago").params, [new Date("0001-01-01T00:00:00.000Z")]);
    assert.deepEqual(c("d:9999").params, [new Date("9999-01-01T00:00:00Z"), new Date("9999-12-31T23:59:59.999Z")]);
    assert.throws(() => compileQuery({ type: "date", from: new Date(Number.NaN), to: null }), QueryError);
  });

  test("drops terms without a token, as the SQLite compiler does", () => {
    assert.deepEqual(c("foo *** :"), { where: MATCH, params: ["('s:foo' | 'foo')"] });
    assert.deepEqual(c("foo OR -***"), { where: MATCH, params: ["('s:foo' | 'foo')"] });
    for (const q of ["***", '":"', "- ^", "s:*", "\u0301"]) {
      assert.throws(() => c(q), (e: unknown) => e instanceof QueryError && e.message === "nothing to search for");
    }
  });

  test("bounds the depth of hand-built trees like the SQLite compiler", () => {
    let node: QueryNode = { type: "term", field: "any", text: "x", phrase: false };
    for (let i = 0; i < 101; i++) node = { type: "not", child: node };
    assert.throws(() => compileQuery(node), (e: unknown) => e instanceof QueryError && /nested too deeply/.test(e.message));
  });

  test("never puts user text into the SQL string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (q) => {
        let compiled: CompiledQuery;
        try {
          compiled = c(q);
        } catch (e) {
          assert.ok(e instanceof QueryError);
          return;
        }
        assert.match(compiled.where, /^[A-Za-z.() $0-9=<>@:"]*$/);
        assert.equal(compiled.where.match(/\$\d+/g)?.length ?? 0, compiled.params.length);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- parity

interface Doc {
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

const LKML = "linux-integrity@vger.kernel.org";
const B4_SUBJECT = "ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API";
const doc = (d: Partial<Doc> & Pick<Doc, "id" | "messageId" | "date" | "subject">): Doc => ({
  fromName: "",
  fromAddr: "",
  toAddrs: "",
  ccAddrs: "",
  bodyText: "",
  ...d,
});

const DOCS: Doc[] = [
  doc({ id: 1, messageId: "v7-0@altlinux.org", date: "2019-06-23T09:00:00.000Z", subject: `[PATCH v7 00/11] ${B4_SUBJECT}`,
    fromName: "Vitaly Chikunov", fromAddr: "vt@altlinux.org", toAddrs: "zohar@linux.ibm.com", ccAddrs: LKML,
    bodyText: "Convert sign_hash_v2 to the EVP_PKEY API. Changes since v6: MAX_SIGNATURE_SIZE." }),
  doc({ id: 2, messageId: "v6-0@altlinux.org", date: "2019-06-20T09:00:00.000Z", subject: `[PATCH v6 00/11] ${B4_SUBJECT}`,
    fromName: "Vitaly Chikunov", fromAddr: "vt@altlinux.org", toAddrs: "zohar@linux.ibm.com", ccAddrs: LKML,
    bodyText: "Convert v2 signatures; streebog tests." }),
  doc({ id: 3, messageId: "reply-mimi@linux.ibm.com", date: "2019-06-24T12:00:00.000Z", subject: `Re: [PATCH v7 00/11] ${B4_SUBJECT}`,
    fromName: "Mimi Zohar", fromAddr: "zohar@linux.ibm.com", toAddrs: "vt@altlinux.org", ccAddrs: LKML,
    bodyText: "> Convert sign_hash_v2 to the EVP_PKEY API\n> PKCS1 padding\n\nThanks, the streebog tests pass here." }),
  doc({ id: 4, messageId: "appraise@example.org", date: "2019-03-01T10:00:00.000Z", subject: "[PATCH] ima: fix ima_appraise_measurement return value",
    fromName: "Jane Developer", fromAddr: "jane@example.org", toAddrs: LKML,
    bodyText: "This touches security/integrity/ima/ima_appraise.c when CONFIG_IMA_APPRAISE is set." }),
  doc({ id: 5, messageId: "tpm-log@kernel.org", date: "2019-04-10T08:00:00.000Z", subject: "[RFC PATCH] tpm: rework the event log parser",
    fromName: "Jarkko Sakkinen", fromAddr: "jarkko@kernel.org", toAddrs: LKML, ccAddrs: "zohar@linux.ibm.com",
    bodyText: "The event log parser needs CONFIG_IMA.\nFrom the beginning, tpm event log rework." }),
  doc({ id: 6, messageId: "evm-hmac@huawei.com", date: "2020-03-01T00:00:00.000Z", subject: "evm: fix HMAC calculation",
    fromName: "Roberto Sassu", fromAddr: "roberto.sassu@huawei.com", toAddrs: "zohar@linux.ibm.com",
    bodyText: "The HMAC was wrong." }),
  doc({ id: 7, messageId: "unicode@example.org", date: "2021-02-02T02:02:02.000Z", subject: "Café crème: naïve résumé",
    fromName: "José Müller", fromAddr: "jose@example.org", toAddrs: "Ærøskøbing <ae@example.dk>",
    bodyText: "Déjà vu. Ελληνικά: ΟΔΟΣ οδος. Русский текст, ещё. Straße, ſtraße, µs." }),
  doc({ id: 8, messageId: "cjk@example.jp", date: "2021-03-03T03:03:03.000Z", subject: "中文测试 补丁",
    fromName: "山田太郎", fromAddr: "yamada@example.jp", bodyText: "日本語のテキスト、한국어 텍스트。ＡＢＣ full width" }),
  doc({ id: 9, messageId: "hyphens@example.org", date: "2022-01-01T00:00:00.000Z", subject: "x86-64: fix linux-next build on 5.4-rc1",
    fromName: "Build Bot", fromAddr: "bot+noreply@build-bot.example.org", toAddrs: "linux-next@vger.kernel.org",
    bodyText: "Since v5.4-rc1, gcc-12.2.0 fails; see https://example.org/a/b?c=d#e and 1.2.3." }),
  doc({ id: 10, messageId: "weird+id/x=y@host.example", date: "2022-02-02T00:00:00.000Z", subject: "Odd message id",
    fromName: "Odd", fromAddr: "odd@host.example", bodyText: "nothing special here" }),
  // To and Cc hold different people: t: and c: must tell them apart.
  doc({ id: 11, messageId: "to-cc@example.org", date: "2022-03-03T00:00:00.000Z", subject: "who is where",
    fromName: "Alice Example", fromAddr: "alice@example.org", toAddrs: "Bob Builder <bob@example.org>", ccAddrs: "Carol Singer <carol@example.org>",
    bodyText: "to bob, cc carol" }),
  // Field boundaries: "alpha" ends the subject and "beta" starts the body;
  // "smith" ends the name and "john" starts the address.
  doc({ id: 12, messageId: "fields@example.org", date: "2022-04-04T00:00:00.000Z", subject: "gamma alpha",
    fromName: "Agent Smith", fromAddr: "john@example.org", bodyText: "beta delta" }),
  doc({ id: 13, messageId: "subject-only@example.org", date: "2022-05-05T00:00:00.000Z", subject: "alpha beta in the subject" }),
  doc({ id: 14, messageId: "emoji@example.org", date: "2022-06-06T00:00:00.000Z", subject: "Thanks 😀",
    fromName: "Emoji Fan", fromAddr: "fan@example.org", bodyText: "great😀stuff and hi🤔there" }),
  doc({ id: 15, messageId: "repeat@example.org", date: "2022-07-07T00:00:00.000Z", subject: "ima ima ima",
    fromName: "Echo", fromAddr: "echo@example.org", bodyText: "ima ima appraise ima" }),
  doc({ id: 16, messageId: "midnight@example.org", date: "2024-01-01T00:00:00.000Z", subject: "happy new year",
    fromName: "Clock", fromAddr: "clock@example.org", bodyText: "midnight" }),
  doc({ id: 17, messageId: "before-midnight@example.org", date: "2023-12-31T23:59:59.999Z", subject: "old year",
    fromName: "Clock", fromAddr: "clock@example.org", bodyText: "almost midnight" }),
  doc({ id: 18, messageId: "quotes@example.org", date: "2023-06-01T00:00:00.000Z", subject: `it's "quoted" and a\\b`,
    fromName: "O'Brien", fromAddr: "o'brien@example.ie", bodyText: `C:\\Windows\\path and 'single' "double" it''s` }),
  doc({ id: 19, messageId: "keys@x.org", date: "2020-05-05T00:00:00.000Z", subject: "ima: measure keys",
    fromName: "Mimi Zohar", fromAddr: "zohar@linux.ibm.com", toAddrs: LKML, bodyText: "Measure keys loaded onto keyrings." }),
  doc({ id: 20, messageId: "tpm-leak@x.org", date: "2024-06-10T00:00:00.000Z", subject: "tpm: plug a leak",
    fromName: "James Bottomley", fromAddr: "jejb@linux.ibm.com", toAddrs: LKML, ccAddrs: "jarkko@kernel.org",
    bodyText: "A leak in the tpm driver." }),
  doc({ id: 21, messageId: "recent@x.org", date: "2024-06-14T09:00:00.000Z", subject: "ima: recent change",
    fromName: "Mimi Zohar", fromAddr: "zohar@linux.ibm.com", toAddrs: LKML, bodyText: "Déjà vu: a recent ima change." }),
  doc({ id: 22, messageId: "v7-1@altlinux.org", date: "2019-06-23T09:01:00.000Z", subject: "[PATCH v7 01/11] ima-evm-utils: Make sure sig buffer is always MAX_SIGNATURE_SIZE",
    fromName: "Vitaly Chikunov", fromAddr: "vt@altlinux.org", toAddrs: "zohar@linux.ibm.com", ccAddrs: LKML,
    bodyText: "Fix the buffer size." }),
  doc({ id: 23, messageId: "selinux@example.org", date: "2018-12-31T10:00:00.000Z", subject: "selinux: the old year",
    fromName: "Paul Moore", fromAddr: "paul@paul-moore.com", toAddrs: "selinux@vger.kernel.org", ccAddrs: "linux-security-module@vger.kernel.org",
    bodyText: "Security module stacking, year end." }),
  doc({ id: 24, messageId: "new@example.org", date: "2019-01-01T12:00:00.000Z", subject: "a new year",
    fromName: "Jane Developer", fromAddr: "jane@example.org", bodyText: "year one" }),
  doc({ id: 25, messageId: "numbers@example.org", date: "2023-02-02T00:00:00.000Z", subject: "v2 of the 2nd patch: 0x1F 42",
    fromName: "Num Bers", fromAddr: "n@example.org", bodyText: "½ ² Ⅻ ٣ 42nd 0x1f" }),
  doc({ id: 26, messageId: "cc-only@example.org", date: "2023-03-03T00:00:00.000Z", subject: "cc carries zohar",
    fromName: "Someone", fromAddr: "someone@example.org", toAddrs: "list@example.org", ccAddrs: "Mimi Zohar <zohar@linux.ibm.com>",
    bodyText: "ping" }),
  doc({ id: 27, messageId: "long-phrase@example.org", date: "2023-04-04T00:00:00.000Z", subject: "ima appraise policy",
    fromName: "Policy", fromAddr: "policy@example.org", bodyText: "The ima appraise policy rules: appraise func=BPRM_CHECK." }),
  doc({ id: 28, messageId: "html@example.org", date: "2023-05-05T00:00:00.000Z", subject: "<b>bold</b> &amp; tags",
    fromName: "Html", fromAddr: "html@example.org", bodyText: "<p>Paragraph &lt;here&gt;</p>" }),
  doc({ id: 29, messageId: "decomposed@example.org", date: "2023-07-07T00:00:00.000Z", subject: "cafe\u0301 decomposed",
    fromName: "Nfd", fromAddr: "nfd@example.org", bodyText: "e\u0301te\u0301 and ÉTÉ" }),
  doc({ id: 30, messageId: "empty@example.org", date: "2023-08-08T00:00:00.000Z", subject: "" }),
];

/**
 * Queries and the messages they find in both stores. The ids are written out
 * so that a parity of two empty results proves nothing by accident.
 */
const PARITY: [string, number[]][] = [
  // subject, phrases, word order
  ["s:ima", [1, 2, 3, 4, 15, 19, 21, 22, 27]], // ima-evm-utils too
  ['s:"Convert v2 signatures"', [1, 2, 3]],
  ["s:rework s:parser", [5]],
  ['s:"parser event log"', []],
  ['s:"event log parser"', [5]],
  [`((s:"${B4_SUBJECT}" AND f:"vt@altlinux.org")) AND d:20190623..`, [1]],
  // from, to, cc, addresses
  ['f:"Vitaly Chikunov"', [1, 2, 22]],
  ["f:vt@altlinux.org", [1, 2, 22]],
  ["f:zohar@linux.ibm.com", [3, 19, 21]],
  ["t:zohar", [1, 2, 6, 22]],
  ["c:zohar", [5, 26]],
  ["a:zohar", [1, 2, 3, 5, 6, 19, 21, 22, 26]],
  ["t:bob -t:carol", [11]],
  ["c:carol", [11]],
  ["c:bob", []],
  ['c:"carol singer"', [11]],
  ["a:jarkko", [5, 20]],
  ["f:jose f:muller", [7]],
  ["zohar", [26]], // bare words: subject and body only
  // body, subject + body
  ["b:tpm", [5, 20]],
  ["bs:hmac", [6]],
  ["b:ima_appraise", [4, 15, 27]],
  // identifiers, paths, hyphens, versions
  ["ima_appraise", [4, 15, 27]],
  ["b:ima_appraise_measurement", []],
  ["s:ima_appraise_measurement", [4]],
  ["security/integrity/ima/ima_appraise.c", [4]],
  ["CONFIG_IMA", [4, 5]],
  ["MAX_SIGNATURE_SIZE", [1, 22]],
  ["x86-64", [9]],
  ["v5.4-rc1", [9]],
  ["gcc-12.2.0", [9]],
  ["f:bot+noreply@build-bot.example.org", [9]],
  ["https://example.org/a/b", [9]],
  // diacritics, case folding, scripts
  ["cafe", [7, 29]],
  ["deja", [7, 21]],
  ["ete", [29]],
  ['"οδοσ"', [7]],
  ["ΟΔΟς", [7]],
  ["ещё", [7]],
  ["еще", []], // Cyrillic keeps its diacritics, as in FTS5
  ["strasse", []],
  ["straße", [7]],
  ["μs", [7]],
  ["t:aeroskobing", []],
  ["t:ærøskøbing", [7]],
  ["中文测试", [8]],
  ["中文", []], // no word segmentation
  ["ａｂｃ", [8]],
  ["½", [25]],
  // across field boundaries a phrase never matches
  ['"alpha beta"', [13]],
  ['f:"smith john"', []],
  ['"carol singer"', []],
  // quotes and backslashes in text and query
  ['"it\'s"', [18]],
  ["o'brien", []],
  ["f:o'brien", [18]],
  ["a\\b", [9, 18]], // and https://example.org/a/b
  ['b:"C:\\Windows"', [18]],
  // Message-IDs
  ["m:<v7-1@altlinux.org>", [22]],
  ["mid:weird+id/x=y@host.example", [10]],
  ["m:abc@x.org OR m:keys@x.org", [19]],
  ["m:keys@x.org s:ima", [19]],
  ["year -m:new@example.org", [16, 17, 23]],
  // dates, half-open, inclusive end day
  ["d:2019-01-01..2019-01-01", [24]],
  ["d:..2018-12-31", [23]],
  ["d:20181231", [23]],
  ["d:2024-01-01", [16]],
  ["d:2023-12-31", [17]],
  ["d:2024..", [16, 20, 21]],
  ["rt:20240610000000..20240610000000", [20]],
  ["d:last.week..", [20, 21]],
  ["d:..999999.weeks.ago", []],
  // AND, OR, NOT, groups
  ["ima AND NOT s:recent", [1, 2, 3, 4, 5, 15, 19, 22, 27]],
  ["NOT tpm", DOCS.map((d) => d.id).filter((id) => id !== 5 && id !== 20)],
  ["-(tpm OR ima)", DOCS.map((d) => d.id).filter((id) => ![1, 2, 3, 4, 5, 15, 19, 20, 21, 22, 27].includes(id))],
  ["-s:ima -d:2020..", [5, 23, 24]],
  ["s:evm OR -s:ima", DOCS.map((d) => d.id).filter((id) => ![4, 15, 19, 21, 27].includes(id))],
  ["s:(ima OR evm) -f:zohar", [1, 2, 4, 6, 15, 22, 27]],
  ["(s:ima OR m:tpm-log@kernel.org) d:2020..", [15, 19, 21, 27]],
  ['"evm: fix" OR s:tpm -s:RFC', [6, 20]],
  ["(f:jane OR f:jarkko) -CONFIG_IMA_APPRAISE", [5, 24]],
  ["d:2018-12-31 OR cafe", [7, 23, 29]],
  // terms that tokenise to nothing are dropped; odd syntax is text
  ["streebog *** :", [2, 3]],
  ["streebog OR -***", [2, 3]],
  ["xyz:foo", []],
  ["ima*", [1, 2, 3, 4, 5, 15, 19, 21, 22, 27]],
  ["NEAR(ima appraise)", []], // the word NEAR, then (ima appraise)
  ["{subject}: alpha", [13]], // FTS5 column syntax is plain text here: the words "subject" and "alpha"
  ["tags &amp; <b>bold</b>", [28]],
];

/**
 * Deliberate differences: what each store finds, and why they differ.
 * Both come from the tokenizers (lib/mail/tokenizer.ts), not from the compiler.
 */
const DIFFERENCES: { q: string; sqlite: number[]; postgres: number[]; why: string }[] = [
  {
    q: "there",
    sqlite: [],
    postgres: [14],
    why: "FTS5's Unicode tables predate 🤔 (U+1F914), so FTS5 reads hi🤔there as one token; here emoji separate",
  },
  {
    q: "b:great",
    sqlite: [14],
    postgres: [14],
    why: "not a difference: 😀 (U+1F600) is older and separates in both; kept as the contrast to the row above",
  },
];

function openSqlite(): Database.Database {
  const db = new Database(":memory:");
  db.exec(`CREATE TABLE "Message" (
    id INTEGER PRIMARY KEY, messageId TEXT NOT NULL, date TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '', fromName TEXT NOT NULL DEFAULT '', fromAddr TEXT NOT NULL DEFAULT '',
    toAddrs TEXT NOT NULL DEFAULT '', ccAddrs TEXT NOT NULL DEFAULT '', bodyText TEXT NOT NULL DEFAULT '')`);
  // The full-text table exactly as the migration makes it; its rowids are search keys, mapped to ids.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const migration = fs.readFileSync(path.join(root, "prisma/sqlite/migrations/20261206000000_mail_once/migration.sql"), "utf8");
  const fts = /CREATE VIRTUAL TABLE "message_fts"[^;]+;/.exec(migration)?.[0];
  assert.ok(fts, "the FTS5 table in the migration");
  db.exec(`${fts} CREATE TABLE message_search_key (sortKey INTEGER PRIMARY KEY, messageId INTEGER NOT NULL);`);
  const insert = db.prepare(`INSERT INTO "Message" (id, messageId, date, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText)
    VALUES (@id, @messageId, @date, @subject, @fromName, @fromAddr, @toAddrs, @ccAddrs, @bodyText)`);
  const key = db.prepare(`INSERT INTO message_search_key VALUES (?, ?)`);
  const index = db.prepare(`INSERT INTO message_fts (rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText, list)
    VALUES (@key, @subject, @fromName, @fromAddr, @toAddrs, @ccAddrs, @bodyText, 'l1 all')`);
  for (const d of DOCS) {
    insert.run({ ...d, date: toSqlDate(new Date(d.date)) });
    key.run(-d.id, d.id);
    index.run({ ...d, key: -d.id });
  }
  return db;
}

const CREATE_PG = `
  CREATE TABLE "Message" (
    id integer PRIMARY KEY, "messageId" text NOT NULL, subject text NOT NULL DEFAULT '',
    "fromName" text NOT NULL DEFAULT '', "fromAddr" text NOT NULL DEFAULT '', "toAddrs" text NOT NULL DEFAULT '',
    "ccAddrs" text NOT NULL DEFAULT '', "bodyText" text NOT NULL DEFAULT '', date timestamptz(3) NOT NULL, fts tsvector);
  CREATE INDEX "Message_fts_idx" ON "Message" USING gin (fts);`;

async function loadPostgres(client: pg.Client, docs: Doc[]): Promise<void> {
  for (const d of docs) {
    await client.query(
      `INSERT INTO "Message" (id, "messageId", subject, "fromName", "fromAddr", "toAddrs", "ccAddrs", "bodyText", date, fts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::tsvector)`,
      [d.id, d.messageId, d.subject, d.fromName, d.fromAddr, d.toAddrs, d.ccAddrs, d.bodyText, new Date(d.date), buildSearchVector({ ...d, date: new Date(d.date) })],
    );
  }
}

describe("compileQuery (PostgreSQL): parity with SQLite FTS5", { skip: skipWithoutPostgres }, () => {
  let sqlite: Database.Database;
  let pgdb: TestDatabase;
  let client: pg.Client;

  before(async () => {
    sqlite = openSqlite();
    pgdb = await createTestDatabase("query_compile");
    client = new pg.Client({ connectionString: pgdb.url });
    await client.connect();
    await client.query(CREATE_PG);
    await loadPostgres(client, DOCS);
  });
  after(async () => {
    sqlite?.close();
    await client?.end();
    await pgdb?.drop();
  });

  const inSqlite = (node: QueryNode): number[] => {
    const compiled = compileSqlite(node);
    const params = compiled.params.map((p) => (p instanceof Date ? toSqlDate(p) : p));
    const rows = sqlite.prepare(`SELECT m.id FROM "Message" m WHERE ${compiled.where} ORDER BY m.id`).all(...params);
    return (rows as { id: number }[]).map((r) => r.id);
  };
  const inPostgres = async (node: QueryNode): Promise<number[]> => {
    const compiled = compileQuery(node);
    const r = await client.query<{ id: number }>(`SELECT m.id FROM "Message" m WHERE ${compiled.where} ORDER BY m.id`, compiled.params);
    return r.rows.map((row) => row.id);
  };

  test(`${PARITY.length} queries find the same messages in both stores`, async () => {
    const failures: string[] = [];
    for (const [q, expected] of PARITY) {
      const node = parseQuery(q, NOW);
      const fromSqlite = inSqlite(node);
      const fromPostgres = await inPostgres(node);
      const want = [...expected].sort((a, b) => a - b);
      if (JSON.stringify(fromSqlite) !== JSON.stringify(want)) failures.push(`${q}: SQLite ${JSON.stringify(fromSqlite)}, expected ${JSON.stringify(want)}`);
      if (JSON.stringify(fromPostgres) !== JSON.stringify(fromSqlite)) failures.push(`${q}: PostgreSQL ${JSON.stringify(fromPostgres)}, SQLite ${JSON.stringify(fromSqlite)}`);
    }
    assert.deepEqual(failures, []);
  });

  test("the deliberate differences are what they are said to be", async () => {
    for (const { q, sqlite: s, postgres: p, why } of DIFFERENCES) {
      const node = parseQuery(q, NOW);
      assert.deepEqual(inSqlite(node), s, `${q} in SQLite (${why})`);
      assert.deepEqual(await inPostgres(node), p, `${q} in PostgreSQL (${why})`);
    }
  });

  test("random query trees find the same messages in both stores", async () => {
    const word = fc.constantFrom(
      "ima", "evm", "tpm", "fix", "zohar", "leak", "rfc", "keys", "linux", "kernel", "api", "year", "carol", "bob",
      "alpha", "beta", "appraise", "org", "example", "cafe", "Déjà", "ΟΔΟΣ", "中文测试", "v2", "x86", "it's", "a\\b",
    );
    const text = fc
      .tuple(word, fc.option(word, { nil: undefined }), fc.constantFrom(" ", "_", "/", ": ", ".", "-", "@"))
      .map(([a, b, sep]) => (b === undefined ? a : a + sep + b));
    const field = fc.constantFrom<Field>("subject", "from", "to", "cc", "addr", "body", "subjectBody", "any");
    const day = fc.constantFrom(null, "2019-01-01", "2019-06-23T09:00:00.000Z", "2020-05-05", "2023-12-31T23:59:59.999Z", "2024-01-01", "2024-06-14");
    const { node } = fc.letrec<{ node: QueryNode }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ type: fc.constant("term" as const), field, text, phrase: fc.boolean() }),
        fc.record({ type: fc.constant("mid" as const), mid: fc.constantFrom(...DOCS.map((d) => d.messageId), "none@x") }),
        fc.record({ type: fc.constant("date" as const), from: day, to: day })
          .filter((d) => d.from !== null || d.to !== null)
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
    await fc.assert(
      fc.asyncProperty(node, async (tree) => {
        assert.deepEqual(await inPostgres(tree), inSqlite(tree), JSON.stringify(tree));
      }),
      { numRuns: 400 },
    );
  });

  test("typed queries, odd ones included, find the same messages in both stores", async () => {
    const SPECIAL = ['"', "*", "^", ":", "(", ")", "-", "+", " ", "{", "}", "[", "]", "<", ">", ".", "\0", "'", "\\", "_", "@"];
    const WORDS = ["NEAR", "AND", "OR", "NOT", "s:", "f:", "t:", "c:", "a:", "b:", "m:", "d:", "bs:", "xyz:", "ima", "é", "ima_appraise", "zohar", "carol", "year", "ΟΔΟΣ"];
    const DATES = ["2019-06-23", "20240101", "2.weeks.ago", "last.month", "yesterday", ".."];
    const piece = fc.constantFrom(...SPECIAL, ...WORDS, ...DATES);
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }).map((p) => p.join("")), async (q) => {
        let node: QueryNode;
        try {
          node = parseQuery(q, NOW);
          compileQuery(node);
        } catch (e) {
          assert.ok(e instanceof QueryError, `not a QueryError: ${String(e)}`);
          assert.throws(() => compileSqlite(parseQuery(q, NOW)), QueryError, "the SQLite compiler refuses it too");
          return;
        }
        assert.deepEqual(await inPostgres(node), inSqlite(node), q);
      }),
      { numRuns: 600 },
    );
  });

  test("any query that parses runs without a PostgreSQL error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), fc.string({ unit: "grapheme", maxLength: 40 })), async (q) => {
        let node: QueryNode;
        try {
          node = parseQuery(q, NOW);
          compileQuery(node);
        } catch (e) {
          assert.ok(e instanceof QueryError, `not a QueryError: ${String(e)}`);
          return;
        }
        await inPostgres(node);
      }),
      { numRuns: 600 },
    );
  });
});

describe("compileQuery (PostgreSQL): the GIN index answers text terms", { skip: skipWithoutPostgres }, () => {
  let pgdb: TestDatabase;
  let client: pg.Client;
  const explain = async (q: string): Promise<string> => {
    const compiled = c(q);
    const r = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT m.id FROM "Message" m WHERE ${compiled.where}`, compiled.params);
    return r.rows.map((row) => row["QUERY PLAN"]).join("\n");
  };

  before(async () => {
    pgdb = await createTestDatabase("query_compile_gin");
    client = new pg.Client({ connectionString: pgdb.url });
    await client.connect();
    await client.query(CREATE_PG);
    // Enough messages that the planner prefers the index on its own.
    const filler = Array.from({ length: 5000 }, (_, i) =>
      doc({ id: 1000 + i, messageId: `filler-${i}@example.org`, date: "2022-01-01T00:00:00.000Z", subject: `[PATCH ${i % 50}/50] filler subject ${i}`,
        fromName: "Filler Bot", fromAddr: `bot${i % 7}@example.org`, toAddrs: LKML, bodyText: `common words in every filler message number ${i}` }),
    );
    await loadPostgres(client, [...DOCS, ...filler]);
    // VACUUM also moves the rows out of GIN's pending list (fastupdate), which
    // the planner costs as a scan of its own: right after a bulk load a seq scan wins.
    await client.query(`VACUUM ANALYZE "Message"`);
  });
  after(async () => {
    await client?.end();
    await pgdb?.drop();
  });

  test("a plain term, a field term and a phrase use a Bitmap Index Scan on the fts index", async () => {
    for (const q of ["streebog", "f:zohar", 's:"event log parser"', "c:carol", "s:ima d:2020.."]) {
      const plan = await explain(q);
      assert.match(plan, /Bitmap Index Scan on "Message_fts_idx"/, `${q}\n${plan}`);
    }
  });

  test("with sequential scans off, even a common term is answered through the index", async () => {
    await client.query("SET enable_seqscan = off");
    try {
      assert.match(await explain("filler"), /Bitmap Index Scan on "Message_fts_idx"/);
    } finally {
      await client.query("RESET enable_seqscan");
    }
  });
});
