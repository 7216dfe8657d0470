// npm run bench:ingest [-- FILE]: ingests the full shared corpus into a fresh
// DB and prints throughput, peak RSS and DB size, with the cost of each stage
// (split, parse, store) measured side by side to show the bottleneck.
// npm run bench:ingest -- --memory [MB]: peak RSS of one MB-sized message
// instead (see memoryBench).
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ensureSchema } from "../lib/store/sqlite/ensure-schema";
import { ingest } from "../lib/ingest/ingest";
import { readSource } from "../lib/ingest/mail-sources";
import { parseMessage } from "../lib/mail/mime";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (process.argv[2] === "--memory") {
  await memoryBench(Number(process.argv[3] ?? 80));
  process.exit(0);
}
const file = process.argv[2] ?? path.resolve(root, "../shared/corpus/linux-integrity.mbox.gz");
const workers = Number(process.env.INGEST_WORKERS ?? 0);
if (!fs.existsSync(file)) {
  console.error(`bench:ingest: ${file} not found (pass an mbox path)`);
  process.exit(1);
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

async function timeStage(label: string, work: () => Promise<number>) {
  const start = process.hrtime.bigint();
  const count = await work();
  const s = seconds(start);
  console.log(`  ${label.padEnd(34)} ${s.toFixed(2).padStart(6)} s  (${count} messages)`);
  return s;
}

const zcatStart = process.hrtime.bigint();
execFileSync("sh", ["-c", `zcat -f "${file}" > /dev/null`]);
const zcatSeconds = seconds(zcatStart);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ingest-"));
const dbFile = path.join(dir, "archive.db");
ensureSchema(dbFile, root);
const rssBefore = process.resourceUsage().maxRSS;
// Parse workers are processes of their own: their RSS is summed in (Linux).
let peakTreeRss = 0;
const sampler = setInterval(() => (peakTreeRss = Math.max(peakTreeRss, processTree(process.pid).map(rssMb).reduce((a, b) => a + b, 0))), 50);
const start = process.hrtime.bigint();
const timings = { seriesMs: 0 };
const counts = await ingest({ dbFile, list: { name: "bench" }, sources: [file], workers, timings });
const total = seconds(start);
clearInterval(sampler);
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`corpus: ${file}`);
const db = new Database(dbFile, { readonly: true });
const stored = (db.prepare(`SELECT count(DISTINCT rawHash) AS n FROM "Message"`).get() as { n: number }).n;
const seriesFound = db
  .prepare(
    `SELECT (SELECT count(*) FROM "Series") AS series, (SELECT count(*) FROM "SeriesVersion") AS versions,
            (SELECT count(*) FROM "Series" WHERE versionCount > 1) AS multi, (SELECT count(*) FROM "PatchMail") AS patchMails,
            (SELECT count(*) FROM "SeriesPatch") AS patches, (SELECT count(DISTINCT messageId) FROM "ReplyTrailer") AS trailerReplies`,
  )
  .get() as { series: number; versions: number; multi: number; patchMails: number; patches: number; trailerReplies: number };
db.close();
const dbSize = fs.statSync(dbFile).size;
fs.rmSync(dir, { recursive: true, force: true });

console.log("stages (each a separate pass):");
const distinct = new Set<string>();
let bytes = 0;
await timeStage("gunzip + split + sha256", async () => {
  let n = 0;
  for await (const mail of readSource(file)) {
    n++;
    bytes += mail.raw.length;
    distinct.add(createHash("sha256").update(mail.raw).digest("hex"));
  }
  return n;
});
await timeStage("gunzip + split + mailparser", async () => {
  let n = 0;
  for await (const mail of readSource(file)) {
    await parseMessage(mail.raw);
    n++;
  }
  return n;
});

console.log(`  ${"full ingest (parse + SQLite + FTS5)".padEnd(34)} ${total.toFixed(2).padStart(6)} s`);
console.log("result:");
console.log(`  messages        ${counts.added + counts.duplicate} (added ${counts.added}, duplicate ${counts.duplicate}, variant ${counts.variant}, repaired ${counts.repaired}, failed ${counts.failed})`);
console.log(`  seconds         ${total.toFixed(2)}  (zcat alone: ${zcatSeconds.toFixed(2)} s, ratio ${(total / zcatSeconds).toFixed(1)}x)`);
console.log(`  messages/s      ${Math.round((counts.added + counts.duplicate) / total)}`);
console.log(`  MB/s            ${(bytes / 1e6 / total).toFixed(1)} (uncompressed ${(bytes / 1e6).toFixed(0)} MB)`);
console.log(`  peak RSS        ${peakRss.toFixed(0)} MB (whole process, before the stage passes; ${(rssBefore / 1024).toFixed(0)} MB at start)`);
console.log(`  peak RSS        ${peakTreeRss.toFixed(0)} MB with parse workers (sampled every 50 ms)`);
console.log(`  DB size         ${(dbSize / 1e6).toFixed(0)} MB`);
console.log(`  distinct        ${stored} stored of ${distinct.size} distinct in the file: ${stored === distinct.size ? "all present" : "MISSING"}`);
console.log(`  workers         ${workers}`);
console.log(`  patch series    ${seriesFound.series} series (${seriesFound.multi} with more than one version), ${seriesFound.versions} versions, ${seriesFound.patches} patches in versions; ${seriesFound.patchMails} patch mails, ${seriesFound.trailerReplies} replies giving trailers`);
console.log(`  series cost     ${(timings.seriesMs / 1000).toFixed(2)} s of ${total.toFixed(2)} s (${((100 * timings.seriesMs) / 1000 / total).toFixed(1)}% of ingest: subjects, trailers, grouping, review marks; target <= 10%)`);
if (stored !== distinct.size) process.exitCode = 1;

// Runs the ingest CLI on one message of `mb` MB, a base64 attachment and then
// a plain text body, with --workers 0 and 1, and prints the peak RSS of the
// CLI and of the CLI with its parse workers (summed, sampled every 10 ms from
// /proc, so Linux only). The schema is made beforehand: Prisma's migrate
// process would count too.
async function memoryBench(mb: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-memory-"));
  const template = path.join(dir, "template.db");
  ensureSchema(template, root);
  const header = (kind: string) => `From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <${kind}@bench>\nFrom: a@example.org\nSubject: ${kind}\nDate: Mon, 6 Jan 2025 10:00:00 +0000\n`;
  const line = "the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv\n";
  const bytes = Buffer.alloc(Math.floor((mb * 1048576 * 3) / 4), "binary bytes \x00\xff", "latin1");
  const inputs = {
    attachment: header("attachment") + `Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="big.bin"\n\n${bytes.toString("base64").replace(/.{76}/g, "$&\n")}\n--b--\n`,
    text: header("text") + `Content-Type: text/plain; charset=utf-8\n\n${line.repeat(Math.ceil((mb * 1048576) / line.length))}`,
  };
  for (const [kind, mbox] of Object.entries(inputs)) {
    const input = path.join(dir, `${kind}.mbox`);
    fs.writeFileSync(input, mbox);
    for (const workers of [0, 1]) {
      const db = path.join(dir, `${kind}-${workers}.db`);
      fs.copyFileSync(template, db);
      const args = ["--import", "tsx", path.join(root, "scripts/ingest.ts"), "--list", "bench", "--quiet", "--workers", String(workers), "--max-message-mb", String(mb * 2), input];
      const { cli, all, summary } = await treePeakRss(args, { ...process.env, DATABASE_URL: `file:${db}` });
      console.log(`${kind.padEnd(10)} ${(fs.statSync(input).size / 1048576).toFixed(0)} MB  --workers ${workers}  peak RSS ${cli} MB (CLI), ${all} MB (with workers)  ${summary}`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function treePeakRss(args: string[], env: NodeJS.ProcessEnv): Promise<{ cli: number; all: number; summary: string }> {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  let summary = "";
  child.stdout.on("data", (chunk: Buffer) => (summary += chunk.toString()));
  const peak = { cli: 0, all: 0 };
  const timer = setInterval(() => {
    const pids = processTree(child.pid!);
    const rss = pids.map(rssMb);
    peak.cli = Math.max(peak.cli, rss[0] ?? 0);
    peak.all = Math.max(peak.all, rss.reduce((a, b) => a + b, 0));
  }, 10);
  await new Promise((resolve) => child.on("close", resolve));
  clearInterval(timer);
  return { cli: Math.round(peak.cli), all: Math.round(peak.all), summary: summary.trim() };
}

function processTree(pid: number): number[] {
  const children = readProc(`/proc/${pid}/task/${pid}/children`).split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children.flatMap(processTree)];
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readProc(`/proc/${pid}/status`))?.[1];
  return kb === undefined ? 0 : Number(kb) / 1024;
}

function readProc(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return ""; // the process ended between listing and reading
  }
}
