// Integration tests for search on a real, migrated store, once per backend
// (SQLite: lib/store/sqlite/search.ts; PostgreSQL: lib/store/postgres/search.ts),
// through the contract only: the store is built by the real ingest, searched
// through openSearchIndex and cross-checked through openReader, so every
// assertion below runs unchanged on both. The data: the 439-message
// linux-integrity sample, test/fixtures/search/search-list.mbox (one
// message per behaviour, see its README) and the two cross-post lists. The PostgreSQL suite runs on a
// fresh database of PG_TEST_URL's server and is skipped, saying why, without it.
//
// Where the backends may differ: relevance scores (bm25 against ts_rank_cd),
// so no test here pins a relevance order between hits that both match words
// (see "newest first by default, relevance on request"); and the one tokenizer
// difference lib/mail/tokenizer.ts documents (emoji newer than FTS5's tables),
// which no message here holds (test/store/contract.test.ts pins it).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { ingest } from "../../lib/ingest/ingest";
import { splitMbox } from "../../lib/mail/mbox";
import { groupByThread } from "../../lib/search/group";
import type { DatabaseTarget } from "../../lib/store/db-path";
import { openReader, openSearchIndex, prepareStore } from "../../lib/store/open";
import type { ArchiveReader, ListRow, SearchIndex } from "../../lib/store/types";
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from "../support/postgres";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLE = path.join(ROOT, "samples", "linux-integrity-sample.mbox.gz");
const FIXTURE = path.join(ROOT, "test", "fixtures", "search", "search-list.mbox");
const FIX = "search-fixture";
const SAMPLE_LIST = "linux-integrity";
const B4_SUBJECT = "ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API";
/** e2e/fixtures/crosspost-a.mbox, then -b: seven mails, two of them sent to both lists. */
const CROSSPOST = ["crosspost-a", "crosspost-b"];

type BackendName = "SQLite" | "PostgreSQL";

function sorted(values: string[]): string[] {
  return [...values].sort();
}

/** A store of the backend, built with the real ingest, and what drops it afterwards. */
async function buildStore(backend: BackendName): Promise<{ target: DatabaseTarget; drop: () => Promise<void> }> {
  let target: DatabaseTarget;
  let drop: () => Promise<void>;
  if (backend === "SQLite") {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "search-test-"));
    target = { backend: "sqlite", file: path.join(tmp, "archive.db") };
    drop = async () => fs.rmSync(tmp, { recursive: true, force: true });
  } else {
    const database: TestDatabase = await createTestDatabase("search");
    target = { backend: "postgres", url: database.url };
    drop = () => database.drop();
  }
  try {
    await prepareStore(target, ROOT);
    const quiet = { workers: 0, onFailure: () => {} };
    await ingest({ database: target, list: { name: SAMPLE_LIST }, sources: [SAMPLE], ...quiet });
    await ingest({ database: target, list: { name: FIX }, sources: [FIXTURE], ...quiet });
    for (const list of CROSSPOST) {
      await ingest({ database: target, list: { name: list }, sources: [path.join(ROOT, "e2e", "fixtures", `${list}.mbox`)], ...quiet });
    }
  } catch (err) {
    await drop();
    throw err;
  }
  return { target, drop };
}

function searchSuite(backend: BackendName): void {
  describe(backend, { skip: backend === "PostgreSQL" ? skipWithoutPostgres : false }, () => {
    let index: SearchIndex;
    let reader: ArchiveReader;
    let drop: (() => Promise<void>) | null = null;

    before(async () => {
      const store = await buildStore(backend);
      drop = store.drop;
      index = await openSearchIndex(store.target);
      reader = await openReader(store.target);
    });

    after(async () => {
      await index?.close();
      await reader?.close();
      await drop?.();
    });

    async function mids(q: string, list: string | null = FIX, extra: { order?: "date" | "relevance"; limit?: number } = {}) {
      const result = await index.search({ list, q, limit: 200, ...extra });
      assert.equal(result.error, undefined, `unexpected error for ${q}: ${result.error}`);
      return result.hits.map((h) => h.mid);
    }

    /**
     * An x=m download as the server makes it, in one process: the plan (which
     * messages, refused when too many), then the gzipped mboxrd of those.
     */
    async function searchMbox(options: { list: string | null; q: string; threads: boolean }) {
      const plan = await index.planMbox(options);
      if (!plan.ok) return plan;
      const body = index.streamMbox(plan.ids);
      return { ok: true as const, messages: plan.ids.length, bytes: plan.bytes, body };
    }

    async function listNamed(name: string): Promise<ListRow> {
      const list = await reader.getList(name);
      assert.ok(list, `list ${name} is stored`);
      return list;
    }

    describe("finding messages", () => {
      test("by subject words and subject phrase", async () => {
        assert.deepEqual(sorted(await mids('s:"Convert v2 signatures"')), [
          "reply-mimi@linux.ibm.com",
          "v6-0@altlinux.org",
          "v7-0@altlinux.org",
        ]);
        assert.deepEqual(await mids("s:rework s:parser"), ["tpm-log@kernel.org"]);
        // Word order matters in a phrase, not for separate words.
        assert.deepEqual(await mids('s:"parser event log"'), []);
      });

      test("by author name and by address", async () => {
        const vitaly = ["v6-0@altlinux.org", "v7-0@altlinux.org", "v7-1@altlinux.org"];
        assert.deepEqual(sorted(await mids('f:"Vitaly Chikunov"')), vitaly);
        assert.deepEqual(sorted(await mids("f:vt@altlinux.org")), vitaly);
        assert.deepEqual(sorted(await mids("f:chikunov")), vitaly);
        // f: is the sender only; a: adds To and Cc.
        assert.deepEqual(await mids("f:zohar@linux.ibm.com"), ["reply-mimi@linux.ibm.com"]);
        assert.ok((await mids("a:zohar@linux.ibm.com")).includes("tpm-log@kernel.org"));
        assert.deepEqual(await mids("c:zohar@linux.ibm.com"), ["tpm-log@kernel.org"]);
      });

      test("by date range, with UTC day boundaries", async () => {
        assert.deepEqual(await mids("d:2019-01-01..2019-01-01"), ["new@example.org"]);
        assert.deepEqual(await mids("d:..2018-12-31"), ["old@example.org"]);
        assert.deepEqual(await mids("d:20181231"), ["old@example.org"]);
        // Newest first: 12:00 +0300 is 09:00 UTC.
        assert.deepEqual(await mids("d:2019-06-20..2019-06-23"), ["v7-1@altlinux.org", "v7-0@altlinux.org", "v6-0@altlinux.org"]);
        assert.ok(!(await mids("d:2019-01-01..")).includes("old@example.org"));
      });

      test("identifiers with underscores, paths with slashes, config symbols", async () => {
        assert.deepEqual(await mids("ima_appraise"), ["appraise@example.org"]);
        assert.deepEqual(await mids("b:ima_appraise_measurement"), ["appraise@example.org"]);
        assert.deepEqual(await mids("security/integrity/ima"), ["appraise@example.org"]);
        assert.deepEqual(await mids("security/integrity/ima/ima_appraise.c"), ["appraise@example.org"]);
        // CONFIG_IMA is the phrase "config ima", so CONFIG_IMA_APPRAISE matches too (as on lore).
        assert.deepEqual(await mids("CONFIG_IMA"), ["tpm-log@kernel.org", "appraise@example.org"]);
        assert.deepEqual(await mids("MAX_SIGNATURE_SIZE"), ["v7-1@altlinux.org"]);
        // The partial commit subject as b4 sends it.
        assert.deepEqual(await mids('s:"Make sure sig buffer"'), ["v7-1@altlinux.org"]);
      });

      test("an email address and accents", async () => {
        assert.deepEqual(await mids("jane@example.org"), []); // bare words search subject and body only
        assert.deepEqual(await mids("f:jane@example.org"), ["appraise@example.org"]);
        assert.deepEqual(await mids("cafe"), ["unicode@example.org"]);
        assert.deepEqual(await mids("f:jose f:muller"), ["unicode@example.org"]);
      });

      test("combinations: AND, OR, NOT, groups, prefixes on groups", async () => {
        assert.deepEqual(await mids("s:ima f:jane"), ["appraise@example.org"]);
        assert.deepEqual(await mids("tpm OR ima_appraise"), ["tpm-log@kernel.org", "appraise@example.org"]);
        assert.deepEqual(sorted(await mids('s:"Convert v2" -f:vt@altlinux.org')), ["reply-mimi@linux.ibm.com"]);
        assert.deepEqual(sorted(await mids('s:"Convert v2" NOT s:Re')), ["v6-0@altlinux.org", "v7-0@altlinux.org"]);
        assert.deepEqual(await mids("s:(rework OR appraise) d:2019-04-01..2019-04-30"), ["tpm-log@kernel.org"]);
        assert.deepEqual(await mids("(f:jane OR f:jarkko) -CONFIG_IMA_APPRAISE"), ["tpm-log@kernel.org"]);
      });

      test("the query shape b4 and lei send", async () => {
        const q = `((s:"${B4_SUBJECT}" AND f:"vt@altlinux.org")) AND d:20190623..`;
        assert.deepEqual(await mids(q), ["v7-0@altlinux.org"]);
        assert.deepEqual(await mids(q, null), ["v7-0@altlinux.org"]);
      });

      test("by Message-ID, with or without brackets, alone and combined", async () => {
        assert.deepEqual(await mids("m:<v7-1@altlinux.org>"), ["v7-1@altlinux.org"]);
        assert.deepEqual(await mids("mid:v7-1@altlinux.org"), ["v7-1@altlinux.org"]);
        assert.deepEqual(await mids("m:v7-1@altlinux.org s:ima"), ["v7-1@altlinux.org"]);
        assert.deepEqual(await mids("m:v7-1@altlinux.org OR m:old@example.org"), ["v7-1@altlinux.org", "old@example.org"]);
        assert.deepEqual(await mids("year -m:old@example.org"), ["new@example.org"]);
        assert.deepEqual(await mids("m:v7-1@altlinux.org", SAMPLE_LIST), []);
      });

      test("a word in a quoted line still finds the message, the snippet prefers the author's text", async () => {
        const result = await index.search({ list: FIX, q: "streebog OR PKCS1" });
        const reply = result.hits.find((h) => h.mid === "reply-mimi@linux.ibm.com");
        assert.ok(reply);
        const text = reply.snippet.map((s) => s.text).join("");
        // PKCS1 comes first, but in a quoted line: the excerpt is built around streebog.
        assert.match(text, /streebog tests pass here/);
        assert.ok(reply.snippet.some((s) => s.match && s.text === "streebog"));
      });
    });

    describe("result pages", () => {
      test("newest first by default, relevance on request, same hits", async () => {
        const byDate = await index.search({ list: SAMPLE_LIST, q: "ima appraise", limit: 200 });
        assert.equal(byDate.order, "date");
        const dates = byDate.hits.map((h) => h.date.getTime());
        assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
        const byRank = await index.search({ list: SAMPLE_LIST, q: "ima appraise", limit: 200, order: "relevance" });
        assert.equal(byRank.order, "relevance");
        assert.equal(byRank.total, byDate.total);
        assert.deepEqual(sorted(byRank.hits.map((h) => String(h.id))), sorted(byDate.hits.map((h) => String(h.id))));
        // Relevance reorders the hits on each backend; which order it picks is the
        // backend's scoring (SQLite bm25, PostgreSQL ts_rank_cd), so it is not pinned.
        assert.notDeepEqual(byRank.hits.map((h) => h.id), byDate.hits.map((h) => h.id));
        // Relevance needs words: d: alone is ordered by date.
        const dateOnly = await index.search({ list: FIX, q: "d:2019..", order: "relevance" });
        assert.equal(dateOnly.order, "date");
        // A hit that matched without any positive word (the OR's date branch) is kept.
        const mixed = await mids("d:2018-12-31 OR cafe", FIX, { order: "relevance" });
        assert.deepEqual(mixed, ["unicode@example.org", "old@example.org"]);
      });

      test("paging with offsets covers every hit once, with an exact count", async () => {
        const all = await index.search({ list: SAMPLE_LIST, q: "tpm", limit: 200 });
        assert.ok(all.total > 60, `tpm should be common in the sample, got ${all.total}`);
        const seen: number[] = [];
        for (let offset = 0; offset < all.total; offset += 25) {
          const page = await index.search({ list: SAMPLE_LIST, q: "tpm", limit: 25, offset });
          assert.equal(page.total, all.total);
          assert.equal(page.totalCapped, false);
          seen.push(...page.hits.map((h) => h.id));
        }
        assert.equal(seen.length, all.total);
        assert.equal(new Set(seen).size, all.total);
        const beyond = await index.search({ list: SAMPLE_LIST, q: "tpm", offset: 10_000 });
        assert.match(beyond.error ?? "", /first 10,000 results/);
      });

      test("across lists (/all/) and per list", async () => {
        const everywhere = await index.search({ list: null, q: "f:zohar@linux.ibm.com", limit: 200 });
        const lists = new Set(everywhere.hits.map((h) => h.list));
        assert.deepEqual(sorted([...lists]), [SAMPLE_LIST, FIX].sort());
        const sample = await index.search({ list: SAMPLE_LIST, q: "f:zohar@linux.ibm.com" });
        const fixture = await index.search({ list: FIX, q: "f:zohar@linux.ibm.com" });
        assert.equal(everywhere.total, sample.total + fixture.total);
        assert.equal((await index.search({ list: "no-such-list", q: "ima" })).total, 0);
      });

      test("a mail in two lists: each list finds its own copy, /all/ finds it once, in its first list", async () => {
        const [a, b] = CROSSPOST as [string, string];
        const mids = (hits: { mid: string }[]) => sorted(hits.map((h) => h.mid));
        // Words alone (read from the index in date order), and a query that walks the date index.
        for (const q of ["keyring d:20240201..20240301", "keyring d:20240201..20240301 NOT d:..20000101"]) {
          const inA = await index.search({ list: a, q });
          const inB = await index.search({ list: b, q });
          assert.equal(inA.total, 4, q);
          assert.equal(inB.total, 5, q);
          assert.ok(inA.hits.every((h) => h.list === a) && inB.hits.every((h) => h.list === b));
          const all = await index.search({ list: null, q });
          assert.equal(all.total, 7, `${q}: seven mails, not nine copies`);
          assert.deepEqual(mids(all.hits), sorted([...new Set([...mids(inA.hits), ...mids(inB.hits)])]));
          const firstList = new Map(all.hits.map((h) => [h.mid, h.list]));
          assert.equal(firstList.get("xp-patch@example.org"), a);
          assert.equal(firstList.get("xp-reply-both@example.org"), a);
          assert.equal(firstList.get("xp-reply-b@example.org"), b);
          const newestFirst = all.hits.map((h) => h.date.getTime());
          assert.deepEqual(newestFirst, [...newestFirst].sort((x, y) => y - x));
        }
        assert.equal((await index.search({ list: null, q: "m:xp-patch@example.org" })).total, 1);
        const plan = await index.planMbox({ list: null, q: "keyring d:20240201..20240301", threads: false });
        assert.ok(plan.ok && plan.ids.length === 7);
      });

      test("hits carry the fields pages need, with marked subject and snippet", async () => {
        const [hit] = (await index.search({ list: FIX, q: "ima_appraise" })).hits;
        assert.ok(hit);
        assert.equal(hit.list, FIX);
        assert.equal(hit.fromName, "Jane Developer");
        assert.equal(hit.fromAddr, "jane@example.org");
        assert.equal(hit.date.toISOString(), "2019-03-01T10:00:00.000Z");
        assert.equal(hit.threadSubject, "[PATCH] ima: fix ima_appraise_measurement return value");
        assert.ok(hit.subjectMarked.some((s) => s.match && s.text === "ima_appraise"));
        assert.deepEqual(hit.subjectMarked.map((s) => s.text).join(""), hit.subject);
        assert.ok(hit.snippet.some((s) => s.match && s.text.toLowerCase() === "ima_appraise"));
      });

      test("on the real sample: identifiers, paths and the b4 shape find what they name", async () => {
        const list = await listNamed(SAMPLE_LIST);
        for (const q of ["ima_appraise", "security/integrity/ima", "CONFIG_IMA", "f:zohar", 's:"ima-evm-utils" f:vt@altlinux.org']) {
          const result = await index.search({ list: SAMPLE_LIST, q, limit: 200 });
          assert.ok(result.total > 0, `${q} should find something in the sample`);
          const ids = result.hits.map((h) => h.id);
          // Cross-check against the stored text without the index.
          const words = q.replace(/^[a-z]+:/, "").split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.toLowerCase());
          const stored = await reader.listMessagesById(list, ids);
          assert.equal(stored.size, ids.length, `${q}: every hit is a stored message`);
          for (const m of stored.values()) {
            const t = `${m.subject} ${m.fromName} ${m.fromAddr} ${m.bodyText}`.toLowerCase();
            for (const w of words) assert.ok(t.includes(w), `${q}: a hit lacks "${w}"`);
          }
        }
      });

      test("threads view groups a page's hits by thread, in first-hit order", async () => {
        const result = await index.search({ list: FIX, q: 's:"Convert v2" OR MAX_SIGNATURE_SIZE' });
        const groups = groupByThread(result.hits);
        assert.deepEqual(
          groups.map((g) => g.hits.map((h) => h.mid)),
          [["reply-mimi@linux.ibm.com", "v7-1@altlinux.org", "v7-0@altlinux.org"], ["v6-0@altlinux.org"]],
        );
        assert.equal(groups[0]?.subject, `[PATCH v7 00/11] ${B4_SUBJECT}`);
      });
    });

    describe("malformed and hostile queries", () => {
      const hostile: [string, RegExp | null][] = [
        ['s:"unbalanced', /Unbalanced quote/],
        ["((ima", /Missing "\)"/],
        ["d:garbage", /Bad date/],
        ["x".repeat(10_000), /too long/],
        [Array.from({ length: 3000 }, (_, i) => `w${i}`).join(" "), /too long|Too many/],
        [Array.from({ length: 200 }, () => "ima").join(" OR "), /Too many/],
        [Array.from({ length: 40 }, () => "a").join("_"), /at most 32 in one phrase/],
        [Array.from({ length: 60 }, () => "a_b").join(" "), /Too many words/],
        ["(".repeat(40) + "ima" + ")".repeat(40), /nested too deeply/],
        ["NEAR(ima appraise)", null],
        ["ima*", null],
        ["*", null],
        ['"', /Unbalanced quote/],
        [")", null],
        ["AND OR NOT", null],
        ["s:", null],
        ["m:", null],
        ["-", null],
        ["\u0000ima\u0000", null],
        ["\ud800ima", null],
        ["s:() OR b:()", null],
        ['"ima" "' + "\\" + '"', null],
        ["{subject}: ima", null],
        ["ima'; DROP TABLE \"Message\"; --", null],
        ["d:..", null],
        ["-ima -tpm -evm", null],
        ["d:2019..", null],
      ];
      for (const [q, expected] of hostile) {
        test(`${JSON.stringify(q.length > 40 ? `${q.slice(0, 40)}…` : q)} answers${expected ? " with a readable error" : ""} (timed in bench:search)`, async () => {
          for (const list of [FIX, null]) {
            for (const order of ["date", "relevance"] as const) {
              const result = await index.search({ list, q, order });
              if (expected) assert.match(result.error ?? "", expected);
              else if (result.error !== undefined) assert.doesNotMatch(result.error, /SQL|sqlite|prisma|postgres|tsquery/i);
            }
          }
          const mbox = await searchMbox({ list: FIX, q, threads: true });
          if (!mbox.ok) assert.ok([400, 404, 413].includes(mbox.status));
          else await mbox.body.cancel();
        });
      }

      test("the store is intact afterwards", async () => {
        const lists = await reader.listLists();
        assert.deepEqual(sorted(lists.map((l) => l.name)), [SAMPLE_LIST, FIX, ...CROSSPOST].sort());
        const n = lists.reduce((sum, l) => sum + l.messageCount, 0);
        assert.ok(n >= 458);
        // The message rows themselves, not only the lists' counts of them.
        for (const name of [SAMPLE_LIST, FIX, ...CROSSPOST]) assert.equal((await reader.listNewestMessages(await listNamed(name), 1)).length, 1);
      });
    });

    describe("x=m: gzipped mboxrd of the hits", () => {
      async function download(q: string, threads: boolean, list: string | null = FIX) {
        const result = await searchMbox({ list, q, threads });
        if (!result.ok) return { result, messages: [] as Buffer[] };
        const gz = Buffer.from(await new Response(result.body).arrayBuffer());
        const mbox = zlib.gunzipSync(gz);
        const messages: Buffer[] = [];
        for await (const m of splitMbox([mbox])) messages.push(m.raw);
        return { result, messages };
      }

      function messageIdOf(raw: Buffer): string {
        return /^Message-Id: <([^>]+)>/im.exec(raw.toString("utf8"))?.[1] ?? "";
      }

      test("every hit, oldest first, byte-exact after >From unquoting", async () => {
        const { result, messages } = await download('s:"Convert v2 signatures" OR CONFIG_IMA', false);
        assert.ok(result.ok);
        const hits = await index.search({ list: FIX, q: 's:"Convert v2 signatures" OR CONFIG_IMA' });
        assert.equal(result.messages, hits.total);
        assert.equal(messages.length, hits.total);
        assert.deepEqual(messages.map(messageIdOf), [
          "appraise@example.org",
          "tpm-log@kernel.org",
          "v6-0@altlinux.org",
          "v7-0@altlinux.org",
          "reply-mimi@linux.ibm.com",
        ]);
        const stored = await reader.listRawVariants((await listNamed(FIX)).id, "tpm-log@kernel.org");
        assert.equal(stored.length, 1);
        const tpm = messages.find((m) => messageIdOf(m) === "tpm-log@kernel.org");
        assert.ok(tpm !== undefined && tpm.equals(stored[0]!.raw), "raw bytes survive the mboxrd round trip");
        assert.match(tpm.toString(), /\nFrom the beginning/);
      });

      test("t=1 adds the whole threads of the hits", async () => {
        const { result, messages } = await download("MAX_SIGNATURE_SIZE", true);
        assert.ok(result.ok);
        assert.deepEqual(sorted(messages.map(messageIdOf)), ["reply-mimi@linux.ibm.com", "v7-0@altlinux.org", "v7-1@altlinux.org"]);
        const only = await download("MAX_SIGNATURE_SIZE", false);
        assert.deepEqual(only.messages.map(messageIdOf), ["v7-1@altlinux.org"]);
      });

      test("the b4 query with t=1 across all lists", async () => {
        const q = `((s:"${B4_SUBJECT}" AND f:"vt@altlinux.org")) AND d:20190623..`;
        const { messages } = await download(q, true, null);
        assert.equal(messages.length, 3);
      });

      test("a whole list from the sample: count equals hits", async () => {
        const hits = await index.search({ list: SAMPLE_LIST, q: "d:2019..", limit: 1 });
        const { result, messages } = await download("d:2019..", false, SAMPLE_LIST);
        assert.ok(result.ok);
        assert.equal(messages.length, hits.total);
        // The list's count is its stored messages (every row, variants too), kept by the writer.
        assert.equal(hits.total, (await listNamed(SAMPLE_LIST)).messageCount);
      });

      test("errors: 400 malformed, 404 no hits", async () => {
        const bad = await searchMbox({ list: FIX, q: 's:"oops', threads: false });
        assert.deepEqual(bad.ok ? null : [bad.status, /Unbalanced/.test(bad.message)], [400, true]);
        const none = await searchMbox({ list: FIX, q: "zzzzqqqq", threads: false });
        assert.equal(none.ok ? 200 : none.status, 404);
      });
    });
  });
}

searchSuite("SQLite");
searchSuite("PostgreSQL");
