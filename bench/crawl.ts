// npm run bench:crawl: a crawler on our production server (full shared
// corpus): every message's page, /T/, /t/ and /raw over 8 keep-alive
// connections, while a second client (its own thread, its own connections)
// asks for a page every 100 ms the way a reader would and measures latency.
// Shows what issue 9 asks of a public archive under a crawl: no disk cache
// that grows with the archive, bounded memory of all workers, no 5xx, and
// readers still served quickly.
//
// Env: CRAWL_LIMIT (messages, default all), CRAWL_SECONDS (hard cap, default
// 1500), BENCH_PORT (default 3301), BENCH_SERVER_CMD / WORKERS (see
// startServer in bench/server.ts).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { midToUrl } from "../lib/mail/mid";
import { FULL_CORPUS, ROOT, describeServer, ensureCorpusDb, openReadOnly, processTreeRss, serverLogFile, serverLogTail, startServer, stopServer } from "./server";

const LIST = "linux-integrity";
const PORT = Number(process.env.BENCH_PORT ?? 3301);
const CONNECTIONS = 8;
const LIMIT = process.env.CRAWL_LIMIT ? Math.max(1, Number(process.env.CRAWL_LIMIT) || 1) : Infinity;
const CAP_SECONDS = Math.max(1, Number(process.env.CRAWL_SECONDS ?? 1500) || 1500);
const REQUEST_TIMEOUT_MS = 60_000;
const INTERACTIVE_EVERY_MS = 100;
const RSS_EVERY_MS = 500;
const PROGRESS_EVERY_MS = 10_000;
const KINDS = ["page", "T", "t", "raw"] as const;
type Kind = (typeof KINDS)[number];

// Issue 9's crawl targets.
const MAX_DISK_GROWTH = 50 * 1024 * 1024;
const MAX_RSS = 1.5 * 1024 * 1024 * 1024;
const MAX_INTERACTIVE_P99_MS = 200;

// The interactive reader: the index, a message and its 22-message thread
// (the rows msg and t_mid of bench:http), in turn, one request every 100 ms
// whether or not the last one has answered (latency counts from the moment
// it was due, so a stalled server cannot hide behind a waiting client).
const MSG_MID = "20191111193303.12781-5-nramas@linux.microsoft.com";
const MID_THREAD = "20191111193303.12781-1-nramas@linux.microsoft.com";
const INTERACTIVE_PATHS = [`/${LIST}/`, `/${LIST}/${midToUrl(MSG_MID)}/`, `/${LIST}/${midToUrl(MID_THREAD)}/T/`];

// Runs in a worker thread, in plain JS: the crawler's callbacks never delay its clock.
const INTERACTIVE_CLIENT = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const agent = new http.Agent({ keepAlive: true });
let i = 0, inFlight = 0, stopping = false;
const tick = setInterval(() => {
  const path = workerData.paths[i++ % workerData.paths.length];
  const start = performance.now();
  inFlight++;
  let done = false;
  const finish = (status, error) => {
    if (done) return;
    done = true;
    inFlight--;
    parentPort.postMessage({ path, status, ms: performance.now() - start, error });
    if (stopping && inFlight === 0) process.exit(0);
  };
  const req = http.get({ host: "127.0.0.1", port: workerData.port, path, agent, headers: { "Accept-Encoding": "gzip" } }, (res) => {
    res.resume();
    res.on("end", () => finish(res.statusCode));
    res.on("error", (e) => finish(0, e.message));
  });
  req.setTimeout(10000, () => req.destroy(new Error("timeout")));
  req.on("error", (e) => finish(0, e.message + (e.code ? " (" + e.code + ")" : "")));
}, workerData.everyMs);
parentPort.on("message", () => {
  stopping = true;
  clearInterval(tick);
  if (inFlight === 0) process.exit(0);
});
`;

interface Sample {
  status: number; // 0: socket error or timeout
  ms: number;
  path?: string; // the interactive client's samples
  error?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const msText = (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 1 : 0)} ms` : "?");

/**
 * Bytes of each top-level entry of the app folder, without node_modules and
 * the benchmark's own DB (data/bench-full.db*): what a disk cache would grow.
 */
function appFolderBytes(): Map<string, number> {
  const entries = fs.readdirSync(ROOT).filter((name) => name !== "node_modules").map((name) => path.join(ROOT, name));
  // du warns (and exits 1) when a file vanishes mid-walk; its sizes are still right.
  const out = spawnSync("du", ["-sb", "--exclude=node_modules", "--exclude=bench-full.db*", ...entries], { encoding: "utf8", maxBuffer: 1 << 24 }).stdout;
  const sizes = new Map<string, number>();
  for (const line of out.split("\n")) {
    const m = /^(\d+)\t(.*)$/.exec(line);
    if (m) sizes.set(path.relative(ROOT, m[2]!), Number(m[1]));
  }
  return sizes;
}

const sum = (sizes: Map<string, number>) => [...sizes.values()].reduce((a, b) => a + b, 0);

/** One GET, body read and dropped; status 0 for a socket error or timeout. */
function get(agent: http.Agent, urlPath: string): Promise<Sample> {
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      resolve({ status, ms: performance.now() - start });
    };
    const req = http.get({ host: "127.0.0.1", port: PORT, path: urlPath, agent, headers: { "Accept-Encoding": "gzip" } }, (res) => {
      res.resume();
      res.on("end", () => finish(res.statusCode ?? 0));
      res.on("error", () => finish(0));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.on("error", () => finish(0));
  });
}

// ---------------------------------------------------------------------------

const full = await ensureCorpusDb("bench-full", FULL_CORPUS, LIST);
if (full.ingestSeconds !== null) console.log(`built the full-corpus DB in ${full.ingestSeconds.toFixed(1)} s`);

const db = openReadOnly(full.file);
// One URL per Message-ID (variants share it), in archive order.
const mids = (
  db.prepare(
    `SELECT m.messageId AS mid FROM "Message" m JOIN "List" l ON l.id = m.listId WHERE l.name = ? GROUP BY m.messageId ORDER BY min(m.id)`,
  ).all(LIST) as { mid: string }[]
).map((row) => row.mid);
db.close();
const crawlMids = mids.slice(0, Number.isFinite(LIMIT) ? LIMIT : mids.length);

function* urls(): Generator<{ kind: Kind; path: string }> {
  for (const mid of crawlMids) {
    const base = `/${LIST}/${midToUrl(mid)}`;
    yield { kind: "page", path: `${base}/` };
    yield { kind: "T", path: `${base}/T/` };
    yield { kind: "t", path: `${base}/t/` };
    yield { kind: "raw", path: `${base}/raw` };
  }
}

const server = await startServer(full.file, PORT);
let stopped = false;
const stop = async () => {
  if (stopped) return;
  stopped = true;
  await stopServer(server);
};
process.once("SIGINT", () => void stop().then(() => process.exit(130)));
process.once("SIGTERM", () => void stop().then(() => process.exit(143)));

try {
  console.log(`ours: ${describeServer()} on http://127.0.0.1:${PORT}/ (server pid ${server.pid}, output in ${serverLogFile(PORT)})`);
  console.log(
    `crawl: ${crawlMids.length} of ${mids.length} Message-IDs × (page, /T/, /t/, /raw) = ${crawlMids.length * 4} requests, ` +
      `${CONNECTIONS} keep-alive connections, Accept-Encoding: gzip, hard cap ${CAP_SECONDS} s; ` +
      `interactive: one GET every ${INTERACTIVE_EVERY_MS} ms (index, message, /T/); client and server share ${os.cpus().length} cores`,
  );
  const diskBefore = appFolderBytes();

  // Memory of the whole server tree (wrapper, master, every worker).
  let peakRss = { bytes: 0, processes: 0 };
  let lastRss = { bytes: 0, processes: 0 };
  const sampleRss = () => {
    lastRss = processTreeRss(server.pid!);
    if (lastRss.bytes > peakRss.bytes) peakRss = lastRss;
  };
  sampleRss();
  const rssTimer = setInterval(sampleRss, RSS_EVERY_MS);

  const interactive: Sample[] = [];
  const interactiveClient = new Worker(INTERACTIVE_CLIENT, {
    eval: true,
    workerData: { port: PORT, paths: INTERACTIVE_PATHS, everyMs: INTERACTIVE_EVERY_MS },
  });
  interactiveClient.on("message", (s: Sample) => interactive.push(s));
  const interactiveDone = new Promise<void>((resolve) => interactiveClient.once("exit", () => resolve()));

  const statuses = new Map<number, number>();
  const latencies: Record<Kind, number[]> = { page: [], T: [], t: [], raw: [] };
  const failures: string[] = []; // first few 5xx / socket errors, to look at
  let done = 0;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let capped = false;
  const count5xx = () => [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
  const countOther = () => [...statuses].filter(([s]) => s !== 0 && (s < 200 || s >= 300) && s < 500).reduce((a, [, n]) => a + n, 0);

  const progress = setInterval(() => {
    const sorted = interactive.map((s) => s.ms).sort((a, b) => a - b);
    console.log(
      `  [${elapsed().toFixed(0).padStart(4)} s] ${done} requests (${(done / elapsed()).toFixed(0)} req/s), ` +
        `5xx ${count5xx()}, other non-2xx ${countOther()}, errors ${statuses.get(0) ?? 0}; ` +
        `interactive p99 ${msText(percentile(sorted, 99))}; RSS ${mb(lastRss.bytes)} (${lastRss.processes} processes)`,
    );
  }, PROGRESS_EVERY_MS);

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const queue = urls();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (;;) {
        if (elapsed() >= CAP_SECONDS) {
          capped = true;
          return;
        }
        const next = queue.next();
        if (next.done) return;
        const s = await get(agent, next.value.path);
        done++;
        statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
        latencies[next.value.kind].push(s.ms);
        if ((s.status === 0 || s.status >= 500) && failures.length < 10) failures.push(`${s.status || "error"} ${next.value.path}`);
      }
    }),
  );
  const seconds = elapsed();
  agent.destroy();
  clearInterval(progress);
  interactiveClient.postMessage("stop");
  await interactiveDone;
  sampleRss();
  clearInterval(rssTimer);
  const diskAfter = appFolderBytes();

  // ---- report
  if (server.exitCode !== null || server.signalCode !== null) {
    console.log(`\nour server exited (${server.exitCode ?? server.signalCode}) during the crawl; its output:\n${serverLogTail(PORT)}`);
  }
  const crawledMessages = Math.floor(done / 4);
  console.log(
    `\ncrawl: ${done} requests in ${seconds.toFixed(1)} s = ${(done / seconds).toFixed(0)} req/s` +
      (capped ? ` (stopped by CRAWL_SECONDS=${CAP_SECONDS} after about ${crawledMessages} of ${crawlMids.length} messages)` : ""),
  );
  console.log(`  statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s || "socket error/timeout"}: ${n}`).join(", ")}`);
  for (const kind of KINDS) {
    const sorted = latencies[kind].sort((a, b) => a - b);
    if (sorted.length === 0) continue;
    console.log(`  ${kind.padEnd(4)} ${String(sorted.length).padStart(6)} requests  p50 ${msText(percentile(sorted, 50))}  p99 ${msText(percentile(sorted, 99))}  max ${msText(sorted.at(-1)!)}`);
  }
  if (failures.length > 0) console.log(`  first failures:\n    ${failures.join("\n    ")}`);
  const fiveXX = count5xx();
  const otherNon2xx = countOther();
  const errors = statuses.get(0) ?? 0;
  console.log(`  5xx: ${fiveXX}; other non-2xx: ${otherNon2xx}; socket errors/timeouts: ${errors}`);

  const iSorted = interactive.map((s) => s.ms).sort((a, b) => a - b);
  const iFailed = interactive.filter((s) => s.status < 200 || s.status >= 300);
  const iBad = iFailed.length;
  const iP99 = percentile(iSorted, 99);
  console.log(
    `interactive: ${interactive.length} requests: p50 ${msText(percentile(iSorted, 50))}, p99 ${msText(iP99)}, max ${msText(iSorted.at(-1) ?? NaN)}; ` +
      `non-2xx or errors ${iBad}`,
  );
  for (const s of iFailed.slice(0, 10)) console.log(`  ${s.status || s.error} after ${msText(s.ms)}: ${s.path}`);
  console.log(`peak RSS of the server's process tree: ${mb(peakRss.bytes)} (${peakRss.processes} processes; sampled every ${RSS_EVERY_MS} ms), at the end ${mb(lastRss.bytes)}`);
  const growth = sum(diskAfter) - sum(diskBefore);
  console.log(`disk growth of ${ROOT} (without node_modules and data/bench-full.db*): ${mb(growth)} (${mb(sum(diskBefore))} -> ${mb(sum(diskAfter))})`);
  for (const name of new Set([...diskBefore.keys(), ...diskAfter.keys()])) {
    const delta = (diskAfter.get(name) ?? 0) - (diskBefore.get(name) ?? 0);
    if (Math.abs(delta) >= 1048576) console.log(`  ${name}: ${delta > 0 ? "+" : ""}${mb(delta)}`);
  }

  const checks: [string, string, boolean][] = [
    ["disk growth <= 50 MB", mb(growth), growth <= MAX_DISK_GROWTH],
    ["RSS of all workers <= 1.5 GB", mb(peakRss.bytes), peakRss.bytes <= MAX_RSS],
    ["0 5xx", String(fiveXX), fiveXX === 0],
    [`interactive p99 <= ${MAX_INTERACTIVE_P99_MS} ms`, msText(iP99), iP99 <= MAX_INTERACTIVE_P99_MS],
  ];
  console.log(`\nissue 9 crawl targets${capped || crawlMids.length < mids.length ? ` (partial crawl: ${crawledMessages} of ${mids.length} messages)` : ""}:`);
  for (const [target, measured, pass] of checks) console.log(`  ${target.padEnd(30)} ${measured.padStart(10)}  ${pass ? "PASS" : "FAIL"}`);
} finally {
  await stop();
}
