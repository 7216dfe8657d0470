// `npm run ingest -- --list NAME [--address ADDR] [--description TEXT] FILE...`
// Streams mbox / mbox.gz / Maildir / "-" (stdin) into the archive named by
// DATABASE_URL, creating the schema on first use.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { IngestCounts } from "../lib/store/types";
import { parseDatabaseUrl, type DatabaseTarget } from "../lib/store/db-path";
import { prepareStore } from "../lib/store/open";
import { DEFAULT_MAX_MESSAGE_BYTES, defaultWorkerCount, ingest, type IngestProgress } from "../lib/ingest/ingest";

const USAGE = `usage: npm run ingest -- --list NAME [--address ADDR] [--description TEXT]
                          [--mboxo] [--workers N] [--max-message-mb N] FILE...
FILE is an mbox (mboxrd by default), an mbox.gz, a Maildir folder, or - for standard input.
A message over --max-message-mb (default 64) is counted as failed, never read into memory.`;

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function fail(message: string): never {
  process.stderr.write(`ingest: ${message}\n`);
  process.exit(1);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        list: { type: "string" },
        address: { type: "string" },
        description: { type: "string" },
        mboxo: { type: "boolean", default: false },
        workers: { type: "string" },
        "max-message-mb": { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
}

function checkSources(sources: string[]): void {
  if (sources.length === 0) fail(`no input given\n${USAGE}`);
  for (const source of sources) {
    if (source === "-") continue;
    try {
      fs.accessSync(source, fs.constants.R_OK);
    } catch {
      fail(`cannot read ${source}`);
    }
  }
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function progressLine(p: IngestProgress): string {
  const seconds = Math.max(p.elapsedMs / 1000, 0.001);
  const parts = [
    `${p.messages.toLocaleString("en-US")} messages`,
    `${Math.round(p.messages / seconds).toLocaleString("en-US")} msg/s`,
    `${(p.bytes / 1e6 / seconds).toFixed(1)} MB/s`,
  ];
  if (p.totalBytes) {
    const done = Math.min(p.bytes / p.totalBytes, 1);
    const width = 24;
    const filled = Math.round(done * width);
    parts.unshift(`[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(done * 100).toFixed(0)}%`);
    if (done > 0) parts.push(`ETA ${formatDuration((seconds / done) * (1 - done))}`);
  }
  return parts.join("  ");
}

function makeReporter(quiet: boolean) {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  return (p: IngestProgress) => {
    if (quiet) return;
    if (tty) {
      process.stderr.write(`\r\x1b[K${progressLine(p)}`);
    } else if (p.elapsedMs - lastLine >= 5000) {
      // Not a terminal (CI logs, pipes): a plain line every few seconds.
      lastLine = p.elapsedMs;
      process.stderr.write(`${progressLine(p)}\n`);
    }
  };
}

function summary(counts: IngestCounts, seconds: number): string {
  return (
    `ingest: added ${counts.added}, duplicate ${counts.duplicate}, variant ${counts.variant}, ` +
    `repaired ${counts.repaired}, failed ${counts.failed} in ${seconds.toFixed(1)} s`
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.list || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.list)) {
    fail(`--list NAME is required (letters, digits, . _ -)\n${USAGE}`);
  }
  checkSources(positionals);
  const workers = values.workers === undefined ? defaultWorkerCount() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) fail("--workers takes a whole number");
  const maxMb = values["max-message-mb"] === undefined ? DEFAULT_MAX_MESSAGE_BYTES / 1048576 : Number(values["max-message-mb"]);
  if (!Number.isFinite(maxMb) || maxMb <= 0) fail("--max-message-mb takes a positive number");
  let database: DatabaseTarget;
  try {
    database = parseDatabaseUrl();
  } catch (error) {
    fail((error as Error).message);
  }
  try {
    await prepareStore(database, PROJECT_ROOT);
  } catch (error) {
    const store = database.backend === "sqlite" ? `the database ${database.file}` : "the PostgreSQL database";
    fail(`cannot create or migrate ${store}: ${(error as Error).message}`);
  }
  const started = Date.now();
  const report = makeReporter(values.quiet);
  const counts = await ingest({
    database,
    list: { name: values.list, address: values.address, description: values.description },
    sources: positionals,
    variant: values.mboxo ? "mboxo" : "mboxrd",
    workers,
    maxMessageBytes: Math.floor(maxMb * 1048576),
    onProgress: report,
    onFailure: (position, reason) => process.stderr.write(`\ningest: failed ${position}: ${reason}\n`),
    onWait: (message) => process.stderr.write(`\ningest: ${message}\n`),
  });
  if (process.stderr.isTTY && !values.quiet) process.stderr.write("\n");
  process.stdout.write(`${summary(counts, (Date.now() - started) / 1000)}\n`);
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? `${error.message}` : String(error));
});
