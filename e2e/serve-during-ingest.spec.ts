// Serving while ingesting: the real ingest CLI writes a few thousand messages
// into the e2e server's database (a new list, so no other spec's counts
// change) while concurrent clients load pages, raw messages, thread mboxes,
// feeds and searches. Every answer must be 200 or 404 (404 only where the new
// list or its messages may not exist yet) with no "database is locked"; the
// request count, failures and latencies are reported as annotations.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { formatMboxrd } from "../lib/mail/mbox";

const MESSAGES = Number(process.env.SERVE_INGEST_MESSAGES ?? 6000);
const CLIENTS = 4;
const PATCH_MID = "20191114031202.18012-2-nramas@linux.microsoft.com";
const COVER_MID = "20191114031202.18012-1-nramas@linux.microsoft.com";

/** The database e2e/serve.sh built for this server (one per port). */
function serverDb(baseURL: string): string {
  const port = new URL(baseURL).port;
  const candidates = [`data/e2e-${port}.db`, "data/e2e.db"];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`no e2e database among ${candidates.join(", ")}`);
  return path.resolve(found);
}

// Made-up words, addresses and 1990s dates: nothing another spec searches for.
function syntheticMbox(list: string, count: number): string {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const word = () => `zq${Math.floor(random() * 5000).toString(36)}`;
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i % 10 === 0 ? null : i - 1 - Math.floor(random() * Math.min(i % 10, 5));
    const body = Array.from({ length: 800 }, word).join(" ").replace(/(.{1,72})( |$)/g, "$1\n");
    const raw = [
      `From: Load Tester ${i % 17} <load${i % 17}@load.invalid>`,
      `To: ${list}@load.invalid`,
      `Subject: ${parent === null ? "" : "Re: "}zqload ${Math.floor(i / 10)}`,
      `Date: ${new Date(Date.UTC(1995, 0, 1) + i * 60_000).toUTCString()}`,
      `Message-ID: <load${i}.${list}@load.invalid>`,
      ...(parent === null ? [] : [`In-Reply-To: <load${parent}.${list}@load.invalid>`, `References: <load${parent}.${list}@load.invalid>`]),
      "",
      `zqmarker${i % 100} ${body}`,
    ].join("\n");
    parts.push(formatMboxrd(Buffer.from(raw)));
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "serve-ingest-")), `${list}.mbox`);
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

interface Probe {
  kind: string;
  path: string;
  method?: "GET" | "POST";
  /** 404 is a right answer (the new list, before ingest has written it). */
  mayBeMissing?: boolean;
}

const cleanup: string[] = [];
test.afterAll(() => {
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

test("pages, raw, mbox, feeds and search answer correctly while a large ingest runs", async ({ request, baseURL }) => {
  test.setTimeout(180_000);
  const list = `load-${Date.now().toString(36)}`;
  const mbox = syntheticMbox(list, MESSAGES);
  cleanup.push(path.dirname(mbox));
  const db = serverDb(baseURL!);
  const probes: Probe[] = [
    { kind: "home", path: "/" },
    { kind: "index", path: "/linux-integrity/" },
    { kind: "message", path: `/linux-integrity/${PATCH_MID}/` },
    { kind: "thread", path: `/linux-integrity/${COVER_MID}/T/` },
    { kind: "thread", path: `/linux-integrity/${COVER_MID}/t/` },
    { kind: "raw", path: `/linux-integrity/${PATCH_MID}/raw` },
    { kind: "mbox", path: `/linux-integrity/${PATCH_MID}/t.mbox.gz` },
    { kind: "atom", path: "/linux-integrity/new.atom" },
    { kind: "search", path: "/linux-integrity/?q=ima" },
    { kind: "search", path: "/linux-integrity/?q=s%3Akeys+AND+d%3A2019-01-01..&r" },
    { kind: "search", path: "/all/?q=measure&x=t" },
    { kind: "search", path: "/linux-integrity/?q=appraise&x=A" },
    { kind: "search", path: `/linux-integrity/?q=m%3A${encodeURIComponent(PATCH_MID)}&x=m`, method: "POST" },
    { kind: "hostile", path: "/hostile/xss-subject@example.org/" },
    { kind: "new list", path: `/${list}/`, mayBeMissing: true },
    { kind: "new list", path: `/${list}/load5.${list}@load.invalid/`, mayBeMissing: true },
    { kind: "new search", path: `/${list}/?q=zqmarker7`, mayBeMissing: true },
    { kind: "new search", path: `/all/?q=zqload+AND+f%3Aload3%40load.invalid`, mayBeMissing: true },
  ];

  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: `file:${db}` };
  const started = Date.now();
  // node --import tsx: the process that writes is the one we wait for.
  const ingest = spawn(process.execPath, ["--import", "tsx", "scripts/ingest.ts", "--quiet", "--list", list, mbox], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  ingest.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  ingest.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  let running = true;
  const exited = new Promise<number | null>((resolve) => ingest.on("close", (code) => {
    running = false;
    resolve(code);
  }));

  const latencies = new Map<string, number[]>();
  const failures: string[] = [];
  let requests = 0;
  let missing = 0;
  async function client(ctx: APIRequestContext, offset: number): Promise<void> {
    for (let i = offset; running; i++) {
      const probe = probes[i % probes.length]!;
      const t0 = performance.now();
      try {
        const response = await ctx.fetch(probe.path, { method: probe.method ?? "GET", maxRedirects: 0, timeout: 30_000 });
        const status = response.status();
        const body = await response.body();
        const ms = performance.now() - t0;
        requests++;
        latencies.set(probe.kind, [...(latencies.get(probe.kind) ?? []), ms]);
        const locked = /database is locked|SQLITE_BUSY/i.test(body.toString("latin1"));
        if (status === 404 && probe.mayBeMissing) missing++;
        else if (status !== 200 || locked) failures.push(`${probe.path}: ${status}${locked ? " database is locked" : ""}`);
      } catch (error) {
        requests++;
        failures.push(`${probe.path}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }
  await Promise.all([...Array.from({ length: CLIENTS }, (_, k) => client(request, k * 5)), exited]);
  const code = await exited;
  const seconds = (Date.now() - started) / 1000;

  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(new RegExp(`^ingest: added ${MESSAGES}, duplicate 0, variant 0, repaired 0, failed 0`, "m"));
  const summary = [...latencies]
    .map(([kind, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `${kind} n=${ms.length} p50=${Math.round(percentile(sorted, 50))}ms p95=${Math.round(percentile(sorted, 95))}ms max=${Math.round(sorted[sorted.length - 1] ?? 0)}ms`;
    })
    .join("; ");
  const report = `${requests} requests from ${CLIENTS} clients in ${seconds.toFixed(1)} s of ingesting ${MESSAGES} messages; ` +
    `${failures.length} failures, ${missing} expected 404s (new list not there yet)`;
  test.info().annotations.push({ type: "serve-during-ingest", description: report }, { type: "latency", description: summary });
  console.log(`${report}\n${summary}`);
  expect(failures, "answers other than 200 (or 404 for the new list)").toEqual([]);
  expect(requests).toBeGreaterThan(50);

  // Once ingest is done, everything it wrote is served. (Not checked on
  // /<list>/: its first page is cached for up to 30 s, by design.)
  const home = await request.get("/");
  expect(home.status()).toBe(200);
  expect(await home.text()).toMatch(new RegExp(`${list}</a>[^]*?${MESSAGES.toLocaleString("en-US")} messages`));
  const hits = await request.get(`/${list}/?q=zqmarker7`);
  expect(hits.status()).toBe(200);
  expect(await hits.text()).toMatch(new RegExp(`load\\d*7\\.${list}@load\\.invalid`));
  const last = `load${MESSAGES - 1}.${list}@load.invalid`;
  expect((await request.get(`/${list}/${last}/raw`)).status()).toBe(200);
  expect((await request.get(`/${list}/${last}/`)).status()).toBe(200);
});
