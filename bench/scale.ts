// npm run bench:scale [-- --backend sqlite|postgres|both] [--messages N] [--seconds S]:
// how the archive's reads grow with its size. Builds a synthetic archive
// (bench/synthetic-mail.ts: the full corpus copied with fresh Message-IDs and
// shifted dates) on each backend, through the real ingest command, and
// measures the list index, message page, /T/, raw and two searches with 16
// connections at the corpus's own size (30,830) and at N (default 1,000,000).
// The page cache is off (CACHE_MB=0) and every request names a different
// message or cursor, so each one reaches the store. Prints ingest rate, DB
// size, p50/p99 per route at both sizes and whether 1M stays within 2× of 30k.
//
// PostgreSQL: a throw-away cluster (scripts/pg-test-cluster.sh, fsync off) on
// SCALE_PG_PORT (default 5435) unless SCALE_PG_URL names a server to use.
// Disk: about 20 GB per backend at 1M; the store is deleted at the end unless --keep.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import pg from "pg";
import { formatMboxrd, splitMbox } from "../lib/mail/mbox";
import { midToUrl } from "../lib/mail/mid";
import { formatCursor } from "../lib/web/cursor";
import { FULL_CORPUS, ROOT, serverLogTail, startServer, stopServer } from "./server";
import { rewriteForCopy } from "./synthetic-mail";
import { fmt, ms, table } from "./wrk";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: "both" },
    messages: { type: "string", default: "1000000" },
    seconds: { type: "string", default: "10" },
    keep: { type: "boolean", default: false },
  },
});
const TARGET = Number(args.messages);
const SECONDS = Number(args.seconds);
const LIST = "linux-integrity";
const CONNECTIONS = 16;
const PORT = Number(process.env.BENCH_PORT ?? 3400);
const DAY_MS = 86_400_000;
// Each copy moves 3 days further back: copies interleave with the corpus, as
// a busier list would, and no two copies share a second.
const SHIFT_PER_COPY_MS = 3 * DAY_MS;
const SAMPLE_SIZE = 2000;
const SEARCHES = ["s:ima", "f:zohar"];

interface Sample {
  mid: string;
  date: Date;
}

interface RouteResult {
  name: string;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

interface Scale {
  messages: number;
  ingestSeconds: number;
  dbBytes: number;
  routes: RouteResult[];
}

if (!fs.existsSync(FULL_CORPUS)) {
  console.error(`bench:scale: ${FULL_CORPUS} not found`);
  process.exit(1);
}

/** Uniform sample of the messages fed so far (reservoir sampling), for URLs that each reach the store. */
class Reservoir {
  readonly items: Sample[] = [];
  private seen = 0;
  private seed = 12345;

  add(sample: Sample): void {
    this.seen++;
    if (this.items.length < SAMPLE_SIZE) this.items.push(sample);
    else {
      const at = Math.floor(this.random() * this.seen);
      if (at < SAMPLE_SIZE) this.items[at] = sample;
    }
  }

  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
}

/**
 * Feeds messages number `from` to `to` (0-based, counted over the endless run
 * of copies) into the ingest command for `databaseUrl`, and returns the seconds it took.
 */
async function ingestRange(databaseUrl: string, from: number, to: number, sample: Reservoir): Promise<number> {
  const started = Date.now();
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/ingest.ts", "--quiet", "--list", LIST, "-"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  const write = (buf: Buffer) =>
    child.stdin.write(buf) ? Promise.resolve() : new Promise<void>((resolve) => child.stdin.once("drain", () => resolve()));
  let n = 0;
  for (let copy = 0; n < to; copy++) {
    const input = fs.createReadStream(FULL_CORPUS).pipe(createGunzip());
    for await (const message of splitMbox(input)) {
      if (n >= to) break;
      if (n++ < from) continue;
      const mail = rewriteForCopy(message.raw, copy, copy * SHIFT_PER_COPY_MS);
      if (mail.mid && mail.date) sample.add({ mid: mail.mid, date: mail.date });
      await write(formatMboxrd(mail.raw));
    }
    input.destroy();
  }
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`ingest exited ${code}: ${output}`);
  process.stdout.write(`  ingest ${from.toLocaleString("en-US")}..${to.toLocaleString("en-US")}: ${output.trim()}\n`);
  return (Date.now() - started) / 1000;
}

/** Closed loop: CONNECTIONS clients each send the next URL as soon as the last answered. */
async function load(name: string, paths: string[]): Promise<RouteResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const stopAt = Date.now() + SECONDS * 1000;
  const get = (p: string) =>
    new Promise<number>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port: PORT, path: p, agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < stopAt) {
        const p = paths[next++ % paths.length]!;
        const t = performance.now();
        const status = await get(p);
        latencies.push(performance.now() - t);
        if (status !== 200) errors++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { name, p50: at(0.5), p99: at(0.99), requests: latencies.length, errors };
}

function routes(sample: Sample[]): { name: string; paths: string[] }[] {
  const base = `/${LIST}/`;
  const mid = (s: Sample) => midToUrl(s.mid);
  return [
    { name: "index", paths: sample.map((s, i) => (i % 4 === 0 ? base : `${base}?t=${formatCursor(s.date)}`)) },
    { name: "message", paths: sample.map((s) => `${base}${mid(s)}/`) },
    { name: "/T/", paths: sample.map((s) => `${base}${mid(s)}/T/`) },
    { name: "raw", paths: sample.map((s) => `${base}${mid(s)}/raw`) },
    // Paged so each request is a new search, as a crawler walking results makes them.
    ...SEARCHES.map((q) => ({ name: `search ${q}`, paths: Array.from({ length: 40 }, (_, i) => `${base}?q=${encodeURIComponent(q)}&o=${i * 25}`) })),
  ];
}

async function measure(database: string, sample: Sample[]): Promise<RouteResult[]> {
  const server = await startServer(database, PORT, { CACHE_MB: "0" });
  try {
    const out: RouteResult[] = [];
    for (const route of routes(sample)) {
      await load(route.name, route.paths.slice(0, 50)); // warm the OS cache for what is measured
      out.push(await load(route.name, route.paths));
    }
    return out;
  } catch (error) {
    console.error(serverLogTail(PORT));
    throw error;
  } finally {
    await stopServer(server);
  }
}

async function dbBytes(database: string): Promise<number> {
  if (!database.startsWith("postgres")) {
    const file = database;
    return ["", "-wal"].reduce((sum, suffix) => sum + (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0), 0);
  }
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>("SELECT pg_database_size(current_database()) AS bytes");
    return Number(rows[0]!.bytes);
  } finally {
    await client.end();
  }
}

async function runBackend(backend: "sqlite" | "postgres"): Promise<Scale[]> {
  let database: string;
  let cleanup: () => void;
  if (backend === "sqlite") {
    const file = path.join(ROOT, "data", "scale.db");
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
    database = file;
    cleanup = () => {
      if (!args.keep) for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
    };
  } else if (process.env.SCALE_PG_URL) {
    database = process.env.SCALE_PG_URL;
    cleanup = () => {};
  } else {
    const dir = path.join(os.tmpdir(), "scale-pg");
    execFileSync(path.join(ROOT, "scripts/pg-test-cluster.sh"), ["stop", dir]);
    database = execFileSync(path.join(ROOT, "scripts/pg-test-cluster.sh"), ["start", dir, process.env.SCALE_PG_PORT ?? "5435"]).toString().trim();
    cleanup = () => {
      if (!args.keep) execFileSync(path.join(ROOT, "scripts/pg-test-cluster.sh"), ["stop", dir]);
    };
  }
  const url = database.startsWith("postgres") ? database : `file:${database}`;
  const sample = new Reservoir();
  const scales: Scale[] = [];
  try {
    let stored = 0;
    for (const size of [30_830, TARGET]) {
      const seconds = await ingestRange(url, stored, size, sample);
      stored = size;
      const routesAt = await measure(database, [...sample.items]);
      scales.push({ messages: size, ingestSeconds: seconds, dbBytes: await dbBytes(database), routes: routesAt });
      report(backend, scales);
    }
  } finally {
    cleanup();
  }
  return scales;
}

function report(backend: string, scales: Scale[]): void {
  console.log(`\n${backend}`);
  for (const s of scales) {
    console.log(
      `  ${s.messages.toLocaleString("en-US")} messages: ingest ${fmt(s.ingestSeconds, 1)} s for the last step, DB ${fmt(s.dbBytes / 1048576)} MB`,
    );
  }
  const [small, big] = scales;
  const rows = [["route", "p50 30k", "p99 30k", "p50 big", "p99 big", "p50 ×", "p99 ×", "errors", "target ≤ 2×"]];
  for (const r of small!.routes) {
    const b = big?.routes.find((x) => x.name === r.name);
    const p50x = b ? b.p50 / r.p50 : NaN;
    const p99x = b ? b.p99 / r.p99 : NaN;
    rows.push([
      r.name, ms(r.p50), ms(r.p99), b ? ms(b.p50) : "-", b ? ms(b.p99) : "-", fmt(p50x, 2), fmt(p99x, 2),
      String(r.errors + (b?.errors ?? 0)), b ? (p50x <= 2 && p99x <= 2 ? "PASS" : "FAIL") : "-",
    ]);
  }
  table(rows, true);
}

const backends = args.backend === "both" ? (["sqlite", "postgres"] as const) : [args.backend as "sqlite" | "postgres"];
console.log(`bench:scale: ${backends.join(", ")}, ${TARGET.toLocaleString("en-US")} messages, ${CONNECTIONS} connections, ${SECONDS} s per route, page cache off`);
for (const backend of backends) await runBackend(backend);
