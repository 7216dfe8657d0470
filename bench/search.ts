// npm run bench:search [-- --rebuild] [--requests N (default 100: with fewer, "p99" is just the maximum)] [--concurrency N]
//                       [--compare-ingest]   (also time the normal ingest, FTS triggers on)
// npm run bench:search -- --peer [--seconds N]        side by side with public-inbox, wrk -c16 (bench/search-peer.ts)
// npm run bench:search -- --attack [--seconds N] [--baseline-seconds N] [--rate N] [--attackers N] [--interactive N] [--peer]
//                                                     normal traffic while pathological queries run (bench/search-attack.ts)
//
// Default mode: search latency through the production HTTP server on the full shared corpus:
// 20 realistic queries (subject words, f: author, d: range, identifiers,
// phrases, booleans, the b4 query) at 4 concurrent connections, p50/p99 per
// query and overall, next to two non-search pages measured in the same run
// (design notes §1.8: the load generator shares the 2 cores with the server,
// so ratios are what carries over). Then hostile queries, one at a time.
//
// The DB (data/bench-search.db) is built once and reused: ingest with the FTS
// triggers off, then one FTS5 'rebuild', so the index's own cost (seconds and
// bytes) is measured apart from parsing and storing mail. (--peer and
// --attack use data/bench-full.db, the full-corpus DB of bench:http.)
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ensureSchema } from "../lib/store/sqlite/ensure-schema";
import { ingest } from "../lib/ingest/ingest";
import { runAttackMode } from "./search-attack";
import { freePort, percentile, resultCount, searchPath as search } from "./search-common";
import { runPeerMode } from "./search-peer";
import { describeServer, startServer, stopServer } from "./server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CORPUS = path.resolve(ROOT, "../shared/corpus/linux-integrity.mbox.gz");
const DB_FILE = path.join(ROOT, "data", "bench-search.db");
const META_FILE = `${DB_FILE}.json`;
const LIST = "linux-integrity";

const { values: args } = parseArgs({
  options: {
    rebuild: { type: "boolean", default: false },
    "compare-ingest": { type: "boolean", default: false },
    requests: { type: "string", default: "100" },
    concurrency: { type: "string", default: "4" },
    peer: { type: "boolean", default: false },
    attack: { type: "boolean", default: false },
    // --peer: wrk seconds per run (default 10); --attack: attack seconds (default 30).
    seconds: { type: "string" },
    "baseline-seconds": { type: "string", default: "10" },
    rate: { type: "string", default: "20" },
    attackers: { type: "string", default: "4" },
    interactive: { type: "string", default: "32" },
  },
});
const REQUESTS = Math.min(Math.max(Number(args.requests) || 100, 1), 500);
const CONCURRENCY = Math.min(Math.max(Number(args.concurrency) || 4, 1), 32);

interface BuildMeta {
  messages: number;
  ingestSeconds: number;
  ftsSeconds: number;
  bytesWithoutFts: number;
  bytes: number;
  ftsBytes: number | null;
  builtAt: string;
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function messageCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM "Message"`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function ftsBytes(db: Database.Database): number | null {
  try {
    const row = db.prepare(`SELECT sum(pgsize) AS n FROM dbstat WHERE name LIKE 'message_fts%'`).get() as { n: number | null };
    return row.n;
  } catch {
    return null; // SQLite built without the dbstat table
  }
}

async function buildDb(): Promise<BuildMeta> {
  if (!fs.existsSync(CORPUS)) throw new Error(`corpus not found: ${CORPUS}`);
  for (const suffix of ["", "-wal", "-shm", ".json"]) fs.rmSync(`${DB_FILE}${suffix}`, { force: true });
  ensureSchema(DB_FILE, ROOT);
  let db = new Database(DB_FILE);
  const triggers = db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'message_fts%'`)
    .all() as { name: string; sql: string }[];
  for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
  db.close();

  console.log(`building ${path.relative(ROOT, DB_FILE)} from ${CORPUS} (FTS triggers off) …`);
  let start = process.hrtime.bigint();
  const counts = await ingest({ dbFile: DB_FILE, list: { name: LIST, address: "linux-integrity@vger.kernel.org" }, sources: [CORPUS] });
  const ingestSeconds = seconds(start);
  const bytesWithoutFts = fs.statSync(DB_FILE).size;
  console.log(`  ingest: ${counts.added} added, ${counts.failed} failed in ${ingestSeconds.toFixed(1)} s, ${mb(bytesWithoutFts)}`);

  db = new Database(DB_FILE);
  db.pragma("journal_mode = WAL");
  start = process.hrtime.bigint();
  db.exec(`INSERT INTO message_fts(message_fts) VALUES ('rebuild')`);
  const ftsSeconds = seconds(start);
  for (const t of triggers) db.exec(t.sql);
  db.pragma("wal_checkpoint(TRUNCATE)");
  const fts = ftsBytes(db);
  db.close();
  const meta: BuildMeta = {
    messages: messageCount(DB_FILE),
    ingestSeconds,
    ftsSeconds,
    bytesWithoutFts,
    bytes: fs.statSync(DB_FILE).size,
    ftsBytes: fts,
    builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(META_FILE, JSON.stringify(meta, null, 2));
  return meta;
}

// The normal path (`npm run ingest`: triggers keep the index current as rows
// arrive), into a throw-away file, for comparison with ingest + rebuild.
async function timeNormalIngest(): Promise<{ seconds: number; bytes: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-search-"));
  try {
    const file = path.join(dir, "archive.db");
    ensureSchema(file, ROOT);
    const start = process.hrtime.bigint();
    await ingest({ dbFile: file, list: { name: LIST }, sources: [CORPUS] });
    return { seconds: seconds(start), bytes: fs.statSync(file).size };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function ensureDb(): Promise<{ meta: BuildMeta; reused: boolean }> {
  if (!args.rebuild && fs.existsSync(DB_FILE) && fs.existsSync(META_FILE)) {
    const meta = JSON.parse(fs.readFileSync(META_FILE, "utf8")) as BuildMeta;
    if (messageCount(DB_FILE) === meta.messages && meta.messages > 0) return { meta, reused: true };
  }
  return { meta: await buildDb(), reused: false };
}

interface Case {
  label: string;
  path: string;
  method?: "GET" | "POST";
}

const B4 = '((s:"ima-evm-utils: Convert v2 signatures from RSA to EVP_PKEY API" AND f:"vt@altlinux.org")) AND d:20190623..';

const QUERIES: Case[] = [
  { label: "subject word: s:tpm", path: search("s:tpm") },
  { label: "subject words: s:ima s:policy", path: search("s:ima s:policy") },
  { label: "bare words: measurement list", path: search("measurement list") },
  { label: "bare word, common: ima", path: search("ima") },
  { label: "author address: f:zohar@linux.ibm.com", path: search("f:zohar@linux.ibm.com") },
  { label: 'author name: f:"Jarkko Sakkinen"', path: search('f:"Jarkko Sakkinen"') },
  { label: "date range: d:2020-01-01..2020-03-31", path: search("d:2020-01-01..2020-03-31") },
  { label: "date + word: d:2019.. evm", path: search("d:2019-01-01..2019-12-31 evm") },
  { label: "identifier: ima_appraise", path: search("ima_appraise") },
  { label: "identifier: CONFIG_IMA_APPRAISE", path: search("CONFIG_IMA_APPRAISE") },
  { label: "path: security/integrity/ima", path: search("security/integrity/ima") },
  { label: "function: tpm_pcr_extend", path: search("tpm_pcr_extend") },
  { label: 'phrase: "boot aggregate"', path: search('"boot aggregate"') },
  { label: 'phrase: s:"ima-evm-utils"', path: search('s:"ima-evm-utils"') },
  { label: "boolean: tpm AND (event OR log) NOT s:Re", path: search("tpm AND (event OR log) NOT s:Re") },
  { label: "boolean: (s:evm OR s:ima) -f:zohar", path: search("(s:evm OR s:ima) -f:zohar") },
  { label: "the b4 query", path: search(B4) },
  { label: "m:<Message-ID>", path: search("m:<20190623090027.11852-1-vt@altlinux.org>") },
  { label: "relevance: ima policy rules &r", path: search("ima policy rules", "&r") },
  { label: "threads view: s:keyring x=t", path: search("s:keyring", "&x=t") },
];

const BASELINES: Case[] = [
  { label: "(baseline) / list of lists", path: "/" },
  { label: "(baseline) thread index", path: `/${LIST}/` },
];

const HOSTILE: Case[] = [
  { label: "10,000 characters", path: search("a".repeat(10_000)) },
  { label: "3,000 terms", path: search(Array.from({ length: 3000 }, (_, i) => `w${i % 10}`).join(" ")) },
  { label: "500 short terms (< 2,000 chars)", path: search(Array.from({ length: 500 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(" ")) },
  { label: "64 common words OR-ed", path: search(commonWords(64).join(" OR ")) },
  { label: "64 common words AND-ed", path: search(commonWords(64).join(" ")) },
  { label: "48 two-word identifiers (96 words)", path: search(commonWords(48).map((w) => `${w}_the`).join(" ")) },
  { label: "32-word identifier the_the_…", path: search(Array(32).fill("the").join("_")) },
  { label: "40-word identifier (over the cap)", path: search(Array(40).fill("a").join("_")) },
  { label: "64 negations -the -a …", path: search(commonWords(64).map((w) => `-${w}`).join(" ")) },
  { label: "NEAR(ima policy)", path: search("NEAR(ima policy)") },
  { label: "* and ima*", path: search("* ima*") },
  { label: 'unbalanced s:"foo', path: search('s:"foo') },
  { label: "15 nested parentheses", path: search(`${"(".repeat(15)}ima${")".repeat(15)}`) },
  { label: "d:1970.. (everything)", path: search("d:1970..") },
  { label: "common word, offset 9,950", path: search("the", "&o=9950") },
  { label: "common word by relevance", path: search("the", "&r") },
  { label: "/all/ common word", path: `/all/?q=the` },
  { label: "Atom: x=A common word", path: search("the", "&x=A") },
  { label: "POST x=m d:2019.. (over the cap)", path: search("d:2019..", "&x=m"), method: "POST" },
  { label: 'POST x=m s:"ima-evm-utils" t=1', path: search('s:"ima-evm-utils"', "&x=m&t=1"), method: "POST" },
];

function commonWords(n: number): string[] {
  const words = ["the", "a", "to", "of", "and", "is", "in", "for", "this", "that", "be", "it", "on", "with", "not", "if"];
  return Array.from({ length: n }, (_, i) => words[i % words.length]!);
}

interface Sample {
  ms: number;
  status: number;
  bytes: number;
}

// Plain http.request on keep-alive sockets: the load generator shares the two
// cores with the server, and fetch costs it several times more CPU per request.
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function hit(base: string, c: Case): Promise<Sample & { body: string }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(base + c.path, { method: c.method ?? "GET", agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        const ms = performance.now() - start;
        const text = (res.headers["content-type"] ?? "").includes("gzip") ? "" : body.toString("utf8");
        resolve({ ms, status: res.statusCode ?? 0, bytes: body.length, body: text });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}



async function load(base: string, cases: Case[]): Promise<Map<string, Sample[]>> {
  // Round-robin over the cases, REQUESTS rounds: every query sees the same mix of neighbours.
  const queue: Case[] = [];
  for (let i = 0; i < REQUESTS; i++) queue.push(...cases);
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.label, []]));
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const c = queue[next++]!;
      const s = await hit(base, c);
      samples.get(c.label)!.push({ ms: s.ms, status: s.status, bytes: s.bytes });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return samples;
}

function row(label: string, values: string[], widths: number[]): string {
  return `  ${label.padEnd(44)}${values.map((v, i) => v.padStart(widths[i] ?? 8)).join("")}`;
}

async function main(): Promise<void> {
  const { meta, reused } = await ensureDb();
  const port = await freePort();
  console.log(`${describeServer()} on 127.0.0.1:${port}, DATABASE_URL=file:${path.relative(ROOT, DB_FILE)}` +
    `${process.env.CACHE_MB === "0" ? ", page cache off" : " (repeated queries come from the page cache; CACHE_MB=0 measures every search)"}`);
  const server = await startServer(DB_FILE, port);
  const cleanup = () => {
    if (server.exitCode === null) void stopServer(server);
  };
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  process.once("exit", cleanup);
  const base = `http://127.0.0.1:${port}`;
  try {
    // Warm-up: compile-on-first-use paths, SQLite page cache; also checks every query answers.
    const counts = new Map<string, string>();
    for (const c of [...QUERIES, ...BASELINES]) {
      let first = await hit(base, c);
      // A search may be refused (503) while the server's search processes start: retry a few times.
      for (let i = 0; first.status === 503 && i < 5; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        first = await hit(base, c);
      }
      if (first.status !== 200) throw new Error(`${c.label}: HTTP ${first.status}`);
      counts.set(c.label, resultCount(first.body));
    }
    const started = performance.now();
    const samples = await load(base, [...QUERIES, ...BASELINES]);
    const wall = (performance.now() - started) / 1000;

    const widths = [9, 9, 9, 10];
    console.log(`\nlatency, ${REQUESTS} requests per query at ${CONCURRENCY} concurrent connections (ms, full body):`);
    console.log(row("query", ["p50", "p99", "max", "hits"], widths));
    const all: number[] = [];
    for (const c of [...QUERIES, ...BASELINES]) {
      const list = samples.get(c.label)!;
      const bad = list.filter((s) => s.status !== 200).length;
      const ms = list.map((s) => s.ms).sort((a, b) => a - b);
      if (QUERIES.includes(c)) all.push(...ms);
      console.log(
        row(c.label, [percentile(ms, 50).toFixed(1), percentile(ms, 99).toFixed(1), (ms[ms.length - 1] ?? NaN).toFixed(1), counts.get(c.label) ?? ""], widths) +
          (bad > 0 ? `  (${bad} non-200)` : ""),
      );
    }
    all.sort((a, b) => a - b);
    const total = [...samples.values()].reduce((n, s) => n + s.length, 0);
    console.log(row("ALL 20 search queries", [percentile(all, 50).toFixed(1), percentile(all, 99).toFixed(1), (all[all.length - 1] ?? NaN).toFixed(1), ""], widths));
    console.log(`  ${total} requests in ${wall.toFixed(1)} s = ${(total / wall).toFixed(0)} req/s`);

    console.log("\nhostile queries, one at a time (worst of 3 runs):");
    console.log(row("query", ["status", "ms", "bytes"], [8, 9, 11]));
    for (const c of HOSTILE) {
      let worst: Sample & { body: string } = { ms: 0, status: 0, bytes: 0, body: "" };
      for (let i = 0; i < 3; i++) {
        const s = await hit(base, c);
        if (s.ms >= worst.ms) worst = s;
      }
      const note = /role="alert"/.test(worst.body) ? "  readable error" : worst.status >= 400 ? `  ${worst.body.trim().slice(0, 60)}` : "";
      console.log(row(c.label, [String(worst.status), worst.ms.toFixed(1), String(worst.bytes)], [8, 9, 11]) + note);
    }
  } finally {
    agent.destroy();
    await stopServer(server);
  }

  console.log(`\nindex cost (${reused ? `from the build of ${meta.builtAt}; --rebuild to measure again` : "measured now"}):`);
  console.log(`  messages             ${meta.messages}`);
  console.log(`  ingest without FTS   ${meta.ingestSeconds.toFixed(1)} s`);
  console.log(`  FTS5 build           ${meta.ftsSeconds.toFixed(1)} s  (${((100 * meta.ftsSeconds) / (meta.ingestSeconds + meta.ftsSeconds)).toFixed(0)}% of ingest + index)`);
  console.log(`  DB without FTS       ${mb(meta.bytesWithoutFts)}`);
  console.log(`  DB with FTS          ${mb(meta.bytes)}`);
  if (meta.ftsBytes !== null) console.log(`  FTS tables (dbstat)  ${mb(meta.ftsBytes)}  (${((100 * meta.ftsBytes) / meta.bytes).toFixed(0)}% of the DB)`);
  if (args["compare-ingest"]) {
    const normal = await timeNormalIngest();
    console.log(`  normal ingest (FTS triggers on, measured now): ${normal.seconds.toFixed(1)} s, ${mb(normal.bytes)}`);
  }
}

const int = (value: string | undefined, fallback: number, min: number, max: number) =>
  Math.min(Math.max(Number(value) || fallback, min), max);

if (args.attack) {
  await runAttackMode({
    seconds: int(args.seconds, 30, 1, 3600),
    baselineSeconds: int(args["baseline-seconds"], 10, 1, 600),
    rate: int(args.rate, 20, 1, 1000),
    attackers: int(args.attackers, 4, 1, 64),
    interactive: int(args.interactive, 32, 1, 256),
    peer: args.peer,
  });
} else if (args.peer) {
  await runPeerMode({ seconds: int(args.seconds, 10, 1, 600) });
} else {
  await main();
}
