// npm run bench:http: our production server and public-inbox (the peer, built
// by ../shared/peer/) side by side on the full shared corpus, under the same
// load: `wrk -t2 -c16 -d<BENCH_SECONDS>s --latency` on each of lore's reading
// routes (the rows of ../shared/peer/bench-http.sh, plus /t/), peer and ours
// back to back per route, so both see the same machine conditions (design
// notes §1.8: wrk shares the 2 cores with the server; ratios carry over,
// absolute numbers don't). Prints req/s, p50, p99, errors, gzipped bytes,
// and issue 9's target for each row with PASS/FAIL.
//
// Env: BENCH_SECONDS (default 10), BENCH_PORT (ours, default 3300),
// PEER_PORT (default 8090), PEER_DIR (default /var/tmp/peer), ONLY="msg raw"
// (these rows only), BENCH_SERVER_CMD / WORKERS (see startServer in
// bench/server.ts).
import http from "node:http";
import os from "node:os";
import zlib from "node:zlib";
import {
  FULL_CORPUS,
  PEER_PORT,
  describeServer,
  ensureCorpusDb,
  serverLogFile,
  serverLogTail,
  startPeer,
  startServer,
  stopPeer,
  stopServer,
} from "./server";
import { fmt, leftTable, ms, ratio, requireWrk, table, wrk as runWrk, type Load } from "./wrk";

const SECONDS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 10) || 10);
const PORT = Number(process.env.BENCH_PORT ?? 3300);
const LIST = "linux-integrity";
const THREADS = 2;
const CONNECTIONS = 16;

// The Message-IDs of ../shared/peer/bench-http.sh (real ones from the corpus).
const MSG_MID = "20191111193303.12781-5-nramas@linux.microsoft.com";
const MID_THREAD = "20191111193303.12781-1-nramas@linux.microsoft.com"; // 22 messages
const BIG_THREAD = "20240531010331.134441-1-ross.philipson@oracle.com"; // 116 messages

interface Route {
  name: string;
  path: string; // relative to the list's base URL
  html: boolean; // page weight counts for the gzipped-bytes target
  /** Issue 9's req/s target, ours ÷ peer's (null: none). */
  minRatio: number | null;
  /** Message page: our p99 must not exceed the peer's. */
  p99NotAbovePeer?: boolean;
  /** Issue 9's gzipped-bytes target, ours ÷ peer's (null: none). */
  maxGzRatio: number | null;
}

const ROUTES: Route[] = [
  { name: "index", path: "/", html: true, minRatio: 2, maxGzRatio: 1.2 },
  { name: "msg", path: `/${MSG_MID}/`, html: true, minRatio: 1.5, p99NotAbovePeer: true, maxGzRatio: 1.2 },
  { name: "raw", path: `/${MSG_MID}/raw`, html: false, minRatio: 1, maxGzRatio: null },
  { name: "T_big", path: `/${BIG_THREAD}/T/`, html: true, minRatio: 2, maxGzRatio: 1.2 },
  { name: "t_mid", path: `/${MID_THREAD}/T/`, html: true, minRatio: 2, maxGzRatio: 1.2 },
  // Not a row of bench-http.sh, and the issue sets no speed target for /t/; its page weight is a thread page's.
  { name: "tnest_mid", path: `/${MID_THREAD}/t/`, html: true, minRatio: null, maxGzRatio: 1.2 },
  { name: "tmbox_mid", path: `/${MID_THREAD}/t.mbox.gz`, html: false, minRatio: 1, maxGzRatio: null },
  { name: "tmbox_big", path: `/${BIG_THREAD}/t.mbox.gz`, html: false, minRatio: 1, maxGzRatio: null },
  { name: "atom", path: "/new.atom", html: false, minRatio: 3, maxGzRatio: null },
  { name: "q_s_ima", path: "/?q=s:ima", html: true, minRatio: null, maxGzRatio: null },
  { name: "q_f_zohar", path: "/?q=f:zohar", html: true, minRatio: null, maxGzRatio: null },
];

interface Weight {
  status: number;
  bytes: number; // body as sent, uncompressed
  gzBytes: number;
  how: "gzip" | "self" | "body"; // the server gzipped it / we gzipped it (level 6) / the body is gzip already
  error?: string; // status 0: no answer
}

interface Side {
  load: Load;
  weight: Weight;
}

function wrk(url: string, seconds: number): Load {
  return runWrk(url, seconds, THREADS, CONNECTIONS);
}

/**
 * One GET with Accept-Encoding: gzip, as a browser sends it, on a new
 * connection: wrk runs synchronously, so a pooled keep-alive socket from the
 * route before may have been closed by the server (its idle timeout) without
 * this process noticing, and the GET would meet "socket hang up".
 */
function weigh(url: string): Promise<Weight> {
  return new Promise<Weight>((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { "Accept-Encoding": "gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const wire = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        if (/\bgzip\b/i.test(String(res.headers["content-encoding"] ?? ""))) {
          resolve({ status, bytes: zlib.gunzipSync(wire).length, gzBytes: wire.length, how: "gzip" });
        } else if (/gzip/i.test(String(res.headers["content-type"] ?? ""))) {
          resolve({ status, bytes: wire.length, gzBytes: wire.length, how: "body" });
        } else {
          resolve({ status, bytes: wire.length, gzBytes: zlib.gzipSync(wire, { level: 6 }).length, how: "self" });
        }
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
  }).catch((err: Error): Weight => ({ status: 0, bytes: NaN, gzBytes: NaN, how: "self", error: `${err.message} (${(err as NodeJS.ErrnoException).code ?? ""})` }));
}

async function measure(url: string): Promise<Side> {
  const weight = await weigh(url); // also the first, cold request
  wrk(url, 1); // warm-up: JIT, page caches
  return { load: wrk(url, SECONDS), weight };
}

// ---------------------------------------------------------------------------
// Output

const kb = (n: number) => (n / 1024).toFixed(1);

function verdicts(route: Route, peer: Side, ours: Side): { target: string; measured: string; pass: boolean }[] {
  const out: { target: string; measured: string; pass: boolean }[] = [];
  const ok = (s: Side) => s.weight.status === 200 && s.load.non2xx === 0 && s.load.errors === 0;
  if (route.minRatio !== null) {
    const r = ratio(ours.load.rps, peer.load.rps);
    out.push({ target: `req/s >= ${route.minRatio}x peer`, measured: `${fmt(r, 2)}x`, pass: r >= route.minRatio });
  }
  if (route.p99NotAbovePeer) {
    out.push({
      target: "p99 <= peer's",
      measured: `${ms(ours.load.p99)} vs ${ms(peer.load.p99)} ms`,
      pass: ours.load.p99 <= peer.load.p99,
    });
  }
  if (route.maxGzRatio !== null) {
    const r = ratio(ours.weight.gzBytes, peer.weight.gzBytes);
    out.push({ target: `gzipped bytes <= ${route.maxGzRatio}x peer`, measured: `${fmt(r, 2)}x`, pass: r <= route.maxGzRatio });
  }
  if (out.length > 0) {
    out.push({
      target: "200, no errors",
      measured: ok(ours) ? "ok" : `status ${ours.weight.status}, non-2xx ${ours.load.non2xx}, errors ${ours.load.errors}`,
      pass: ok(ours),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------

requireWrk();
const full = await ensureCorpusDb("bench-full", FULL_CORPUS, LIST);
if (full.ingestSeconds !== null) console.log(`built the full-corpus DB in ${full.ingestSeconds.toFixed(1)} s`);

const only = (process.env.ONLY ?? "").split(/\s+/).filter(Boolean);
const routes = only.length > 0 ? ROUTES.filter((r) => only.includes(r.name)) : ROUTES;

const peerInfo = startPeer(FULL_CORPUS);
let server: Awaited<ReturnType<typeof startServer>> | null = null;
let stopping = false;
async function cleanup(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (server) await stopServer(server);
  if (peerInfo.started) stopPeer();
}
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
process.once("SIGTERM", () => void cleanup().then(() => process.exit(143)));

const results: { route: Route; peer: Side; ours: Side }[] = [];
try {
  server = await startServer(full.file, PORT);
  const base = {
    peer: `http://127.0.0.1:${PEER_PORT}/${LIST}`,
    ours: `http://127.0.0.1:${PORT}/${LIST}`,
  };
  console.log(`peer: public-inbox-httpd ${peerInfo.version} on ${base.peer}/ (serve-peer.sh, -W = core count)`);
  console.log(`ours: ${describeServer()} on ${base.ours}/ (output in ${serverLogFile(PORT)})`);
  console.log(`load average before (1/5/15 min): ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}`);
  console.log(
    `load: wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency after a 1 s warm-up, no Accept-Encoding; ` +
      `peer and ours back to back per route (order alternating); wrk shares the ${os.cpus().length} cores`,
  );
  for (const [i, route] of routes.entries()) {
    const order = i % 2 === 0 ? (["peer", "ours"] as const) : (["ours", "peer"] as const);
    const sides: Partial<Record<"peer" | "ours", Side>> = {};
    for (const who of order) {
      sides[who] = await measure(base[who] + route.path);
      if (who === "ours" && (server.exitCode !== null || server.signalCode !== null)) {
        throw new Error(`our server exited (${server.exitCode ?? server.signalCode}) during ${route.name}; its output (${serverLogFile(PORT)}):\n${serverLogTail(PORT)}`);
      }
    }
    const { peer, ours } = sides as Record<"peer" | "ours", Side>;
    results.push({ route, peer, ours });
    console.log(
      `  ${route.name.padEnd(10)} peer ${fmt(peer.load.rps).padStart(6)} req/s  ours ${fmt(ours.load.rps).padStart(6)} req/s  ${fmt(ratio(ours.load.rps, peer.load.rps), 2)}x`,
    );
  }
} finally {
  await cleanup();
}
// Other work on the machine skews one side of a pair more than the other: say how busy it was.
console.log(`load average at the end (1/5/15 min): ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}`);

console.log("\nthroughput and latency (ms), same load on both, one run:");
const rows: string[][] = [["route", "req/s peer", "req/s ours", "ours/peer", "p50 peer", "p50 ours", "p99 peer", "p99 ours", "bad peer", "bad ours", "path"]];
for (const { route, peer, ours } of results) {
  rows.push([
    route.name,
    fmt(peer.load.rps),
    fmt(ours.load.rps),
    `${fmt(ratio(ours.load.rps, peer.load.rps), 2)}x`,
    ms(peer.load.p50),
    ms(ours.load.p50),
    ms(peer.load.p99),
    ms(ours.load.p99),
    String(peer.load.non2xx + peer.load.errors),
    String(ours.load.non2xx + ours.load.errors),
    route.path,
  ]);
}
table(rows, true);
console.log("(bad = responses with status >= 400 plus socket errors, as wrk counts them)");

console.log("\nresponse size of one GET with Accept-Encoding: gzip (KB; how: gzip = the server compressed it, self = it did not, we gzipped at level 6, body = already gzip):");
const sizeRows: string[][] = [["route", "status peer", "status ours", "KB peer", "KB ours", "gz KB peer", "gz KB ours", "gz ours/peer", "how peer", "how ours"]];
for (const { route, peer, ours } of results) {
  sizeRows.push([
    route.name,
    String(peer.weight.status),
    String(ours.weight.status),
    kb(peer.weight.bytes),
    kb(ours.weight.bytes),
    kb(peer.weight.gzBytes),
    kb(ours.weight.gzBytes),
    `${fmt(ratio(ours.weight.gzBytes, peer.weight.gzBytes), 2)}x`,
    peer.weight.how,
    ours.weight.how,
  ]);
}
table(sizeRows);
for (const { route, peer, ours } of results) {
  for (const [who, side] of [["peer", peer], ["ours", ours]] as const) {
    if (side.weight.error) console.log(`  ${route.name}: ${who} did not answer: ${side.weight.error}`);
  }
}

console.log("\nissue 9 targets (ours ÷ peer, this run):");
const targetRows: string[][] = [["route", "target", "measured", "verdict"]];
let passed = 0;
let failed = 0;
for (const { route, peer, ours } of results) {
  const checks = verdicts(route, peer, ours);
  if (checks.length === 0) targetRows.push([route.name, "(none in issue 9)", "", ""]);
  for (const [j, check] of checks.entries()) {
    targetRows.push([j === 0 ? route.name : "", check.target, check.measured, check.pass ? "PASS" : "FAIL"]);
    if (check.pass) passed++;
    else failed++;
  }
}
leftTable(targetRows);
console.log(`\n${passed} PASS, ${failed} FAIL`);
