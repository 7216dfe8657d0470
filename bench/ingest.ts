// npm run bench:ingest [-- FILE]: ingests the full shared corpus into a fresh
// DB and prints throughput, peak RSS and DB size, with the cost of each stage
// (split, parse, store) measured side by side to show the bottleneck.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ensureSchema } from "../lib/ensure-schema";
import { ingest } from "../lib/ingest";
import { readSource } from "../lib/mail-sources";
import { parseMessage } from "../lib/mime";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
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
const start = process.hrtime.bigint();
const counts = await ingest({ dbFile, list: { name: "bench" }, sources: [file], workers });
const total = seconds(start);
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`corpus: ${file}`);
const db = new Database(dbFile, { readonly: true });
const stored = (db.prepare(`SELECT count(DISTINCT rawHash) AS n FROM "Message"`).get() as { n: number }).n;
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
console.log(`  DB size         ${(dbSize / 1e6).toFixed(0)} MB`);
console.log(`  distinct        ${stored} stored of ${distinct.size} distinct in the file: ${stored === distinct.size ? "all present" : "MISSING"}`);
console.log(`  workers         ${workers}`);
if (stored !== distinct.size) process.exitCode = 1;
