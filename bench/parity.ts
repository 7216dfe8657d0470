// npm run bench:parity [-- FILE]: the full corpus (default
// ../shared/corpus/linux-integrity.mbox.gz) ingested into SQLite and into
// PostgreSQL through the real ingest, then bench:search's 20 realistic
// queries on both: exact hit counts (the page's 1,000 cap lifted for this
// run) and the first page in date order. Prints the ingest rate of each
// backend and, per query, both counts, their difference and PASS within 2%.
//
// PostgreSQL: a new database on PG_TEST_URL's server, or a throw-away cluster
// (scripts/pg-test-cluster.sh) on PARITY_PG_PORT (default 5437) without one.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ingest } from "../lib/ingest/ingest";
import { SEARCH_LIMITS } from "../lib/search/limits";
import type { DatabaseTarget } from "../lib/store/db-path";
import { openSearchIndex, prepareStore } from "../lib/store/open";
import { createTestDatabase } from "../test/support/postgres";
import { FULL_CORPUS, ROOT } from "./server";
import { table } from "./wrk";

const corpus = process.argv[2] ?? FULL_CORPUS;
const LIST = "linux-integrity";
const B4 = '((s:"ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API" AND f:"vt@altlinux.org")) AND d:20190623..';
// bench/search.ts's realistic queries, without its view flags.
const QUERIES = [
  "s:tpm", "s:ima s:policy", "measurement list", "ima", "f:zohar@linux.ibm.com", 'f:"Jarkko Sakkinen"',
  "d:2020-01-01..2020-03-31", "d:2019-01-01..2019-12-31 evm", "ima_appraise", "CONFIG_IMA_APPRAISE",
  "security/integrity/ima", "tpm_pcr_extend", '"boot aggregate"', 's:"ima-evm-utils"', "tpm AND (event OR log) NOT s:Re",
  "(s:evm OR s:ima) -f:zohar", B4, "m:<20190623090027.11852-1-vt@altlinux.org>", "ima policy rules", "s:keyring",
];

// Exact counts for the comparison: the cap bounds a page's cost, not what is compared here.
(SEARCH_LIMITS as { countCap: number }).countCap = 1_000_000;

async function build(target: DatabaseTarget): Promise<number> {
  await prepareStore(target, ROOT);
  const started = Date.now();
  const counts = await ingest({ database: target, list: { name: LIST }, sources: [corpus], onFailure: () => {} });
  const seconds = (Date.now() - started) / 1000;
  console.log(`  ${target.backend}: ${counts.added} messages in ${seconds.toFixed(1)} s, ${Math.round(counts.added / seconds)} msg/s`);
  return seconds;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-"));
const sqlite: DatabaseTarget = { backend: "sqlite", file: path.join(dir, "archive.db") };
let postgres: DatabaseTarget;
let stopCluster: () => unknown = () => {};
if (process.env.PG_TEST_URL) {
  const database = await createTestDatabase("parity");
  postgres = { backend: "postgres", url: database.url };
  stopCluster = () => database.drop();
} else {
  // Its own folder under the temp dir: the postgres user must reach it, and cannot enter root's mkdtemp folders.
  const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-pg-"));
  const script = path.join(ROOT, "scripts/pg-test-cluster.sh");
  postgres = { backend: "postgres", url: execFileSync(script, ["start", clusterDir, process.env.PARITY_PG_PORT ?? "5437"]).toString().trim() };
  stopCluster = () => execFileSync(script, ["stop", clusterDir]);
}
try {
  console.log(`bench:parity: ${corpus}`);
  await build(sqlite);
  await build(postgres);
  const [a, b] = await Promise.all([openSearchIndex(sqlite), openSearchIndex(postgres)]);
  const rows = [["query", "SQLite", "PostgreSQL", "diff", "first page", "≤ 2%"]];
  let failed = 0;
  for (const q of QUERIES) {
    const [x, y] = await Promise.all([a.search({ list: LIST, q, order: "date" }), b.search({ list: LIST, q, order: "date" })]);
    const diff = x.total === 0 && y.total === 0 ? 0 : Math.abs(x.total - y.total) / Math.max(x.total, y.total);
    const samePage = JSON.stringify(x.hits.map((h) => h.mid)) === JSON.stringify(y.hits.map((h) => h.mid));
    const pass = diff <= 0.02 && x.error === undefined && y.error === undefined;
    if (!pass) failed++;
    rows.push([q.length > 48 ? `${q.slice(0, 45)}...` : q, String(x.total), String(y.total), `${(diff * 100).toFixed(2)}%`, samePage ? "same" : "differs", pass ? "PASS" : "FAIL"]);
  }
  table(rows, true);
  console.log(failed === 0 ? "all 20 within 2%" : `${failed} of 20 outside 2%`);
  await Promise.all([a.close(), b.close()]);
} finally {
  await stopCluster();
  fs.rmSync(dir, { recursive: true, force: true });
}
