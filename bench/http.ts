// npm run bench:http: the production server on a DB of the full shared corpus
// under bounded load (autocannon, 16 connections, fixed duration) on each
// reading route; then the same routes on the 439-message sample, side by
// side, to show that no route's cost grows with archive size.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { midToUrl } from "../lib/mid";
import { FULL_CORPUS, ROOT, SAMPLE, ensureBuild, ensureCorpusDb, openReadOnly, startServer, stopServer } from "./server";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = 3300;
const LIST = "linux-integrity";

interface Result { route: string; rps: number; p50: number; p99: number; errors: number }

function routesFor(dbFile: string): Record<string, string> {
  const db = openReadOnly(dbFile);
  // A thread of about 50 messages, and a message inside it.
  const thread = db.prepare(
    `SELECT t.id, t.rootMid FROM "Thread" t ORDER BY abs(t.messageCount - 50), t.id LIMIT 1`,
  ).get() as { id: number; rootMid: string };
  const message = db.prepare(`SELECT messageId FROM "Message" WHERE threadId = ? ORDER BY date LIMIT 1 OFFSET 5`).get(thread.id) as
    | { messageId: string }
    | undefined;
  db.close();
  const mid = midToUrl(message?.messageId ?? thread.rootMid);
  const root = midToUrl(thread.rootMid);
  return {
    index: `/${LIST}/`,
    message: `/${LIST}/${mid}/`,
    "thread /T/": `/${LIST}/${root}/T/`,
    raw: `/${LIST}/${mid}/raw`,
    "t.mbox.gz": `/${LIST}/${root}/t.mbox.gz`,
    "new.atom": `/${LIST}/new.atom`,
  };
}

function load(url: string, seconds: number): Result & { non2xx: number } {
  const out = execFileSync(
    path.join(ROOT, "node_modules", ".bin", "autocannon"),
    ["--json", "-c", String(CONNECTIONS), "-d", String(seconds), url],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 26 },
  );
  const r = JSON.parse(out);
  return { route: url, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function measure(dbFile: string, label: string, routes: Record<string, string>): Promise<Map<string, Result>> {
  const server = await startServer(dbFile, PORT);
  const results = new Map<string, Result>();
  try {
    for (const [name, route] of Object.entries(routes)) {
      const url = `http://127.0.0.1:${PORT}${route}`;
      load(url, 1); // warm-up: JIT, SQLite page cache
      const r = load(url, SECONDS);
      results.set(name, r);
      console.log(
        `${label.padEnd(7)} ${name.padEnd(11)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  errors ${r.errors + r.non2xx}`,
      );
    }
  } finally {
    await stopServer(server);
  }
  return results;
}

const full = await ensureCorpusDb("bench-full", FULL_CORPUS, LIST);
if (full.ingestSeconds !== null) console.log(`built full-corpus DB in ${full.ingestSeconds.toFixed(1)} s`);
const small = await ensureCorpusDb("bench-sample", SAMPLE, LIST);
ensureBuild();
console.log(`${CONNECTIONS} connections, ${SECONDS} s per route, load generator on the same 2 cores`);
// The sample is a subset of the corpus: the same message and thread are
// measured on both DBs, so a difference is the archive's size, not the mail's.
const routes = routesFor(small.file);
const big = await measure(full.file, "full", routes);
const tiny = await measure(small.file, "sample", routes);
console.log("cost on the full corpus (30,830 msgs) relative to the sample (439 msgs), by p50:");
for (const [name, r] of big) {
  const s = tiny.get(name);
  if (s) console.log(`  ${name.padEnd(11)} ${(r.p50 / Math.max(s.p50, 1)).toFixed(2)}x  (req/s ratio ${(r.rps / s.rps).toFixed(2)})`);
}
