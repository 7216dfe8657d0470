// npx tsx bench/ingest-postgres.ts [FILE] [--batch N] [--workers N] [--preparsed] [--pipeline] [--keep]
//
// Ingest into PostgreSQL through PostgresArchiveWriter
// (lib/store/postgres/archive-writer.ts), fed the way lib/ingest/ingest.ts
// feeds a writer (readSource -> parseAll -> writeBatch per batch, then
// refreshSeries), into a fresh database created on the server that
// PG_BENCH_URL (else PG_TEST_URL) names; the role must be allowed to create
// databases. Prints messages/s end to end, and with --preparsed parses the
// whole file into memory first and times the writer alone (what the store
// costs, apart from mailparser). --pipeline lets each batch commit while the
// next one is parsed (WriterOptions.pipeline). The database is dropped afterwards unless
// --keep. FILE defaults to the full shared corpus.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../lib/ingest/ingest";
import { readSource } from "../lib/ingest/mail-sources";
import { parseAll } from "../lib/ingest/parse-pool";
import { ensurePostgresSchema } from "../lib/store/postgres/migrate";
import { PostgresArchiveWriter } from "../lib/store/postgres/archive-writer";
import { emptyCounts, type IncomingMessage } from "../lib/store/types";
import { dropDatabase } from "../test/support/postgres";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i === -1) return null;
  args.splice(i, 1);
  return true;
};
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  return value;
};
const batchSize = option("--batch", 1000);
const workers = option("--workers", 0);
const preparsed = flag("--preparsed") ?? false;
const keep = flag("--keep") ?? false;
const pipeline = flag("--pipeline") ?? false;
const file = args[0] ?? path.resolve(root, "../shared/corpus/linux-integrity.mbox.gz");
const serverUrl = process.env.PG_BENCH_URL || process.env.PG_TEST_URL;
if (!serverUrl) {
  console.error("bench/ingest-postgres: set PG_BENCH_URL or PG_TEST_URL (a role that may create databases)");
  process.exit(1);
}
if (!fs.existsSync(file)) {
  console.error(`bench/ingest-postgres: ${file} not found`);
  process.exit(1);
}

const name = `bench_ingest_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${name}`;
const url = dbUrl.toString();
const settings = (await admin.query(`SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level', 'server_version')`)).rows;

try {
  await ensurePostgresSchema(url, root);
  const raws = readSource(file, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  let source: AsyncIterable<IncomingMessage> = parseAll(raws, workers);
  let parseSeconds = 0;
  if (preparsed) {
    const started = performance.now();
    const all: IncomingMessage[] = [];
    for await (const message of source) all.push(message);
    parseSeconds = (performance.now() - started) / 1000;
    source = (async function* () {
      yield* all;
    })();
  }

  const writer = new PostgresArchiveWriter(url, undefined, { pipeline });
  const counts = emptyCounts();
  const started = performance.now();
  let writeMs = 0;
  let messages = 0;
  try {
    const listId = await writer.ensureList({ name: "bench" });
    let batch: IncomingMessage[] = [];
    const flush = async () => {
      const t = performance.now();
      await writer.writeBatch(listId, batch, counts, () => {});
      writeMs += performance.now() - t;
      batch = [];
    };
    for await (const message of source) {
      messages++;
      batch.push(message);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    const t = performance.now();
    await writer.refreshSeries();
    writeMs += performance.now() - t;
  } finally {
    await writer.close();
  }
  const seconds = (performance.now() - started) / 1000;

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const stats = (
    await db.query(`SELECT (SELECT count(*) FROM "Message")::int AS messages, (SELECT count(*) FROM "Thread")::int AS threads,
                           (SELECT count(*) FROM "Series")::int AS series, (SELECT count(*) FROM "SeriesVersion")::int AS versions,
                           (SELECT count(*) FROM "Message" WHERE "mergeGuarded")::int AS guarded, pg_database_size(current_database())::bigint AS bytes`)
  ).rows[0];
  await db.end();

  console.log(`corpus          ${file}`);
  console.log(`server          ${settings.map((s) => `${s.name}=${s.setting}`).join(" ")}`);
  console.log(`batch, workers  ${batchSize}, ${workers}${pipeline ? ", pipeline" : ""}${preparsed ? ` (parsed beforehand in ${parseSeconds.toFixed(2)} s, not counted)` : ""}`);
  console.log(`messages        ${messages} (added ${counts.added}, duplicate ${counts.duplicate}, variant ${counts.variant}, repaired ${counts.repaired}, failed ${counts.failed})`);
  console.log(`seconds         ${seconds.toFixed(2)} (in the writer ${(writeMs / 1000).toFixed(2)}, of which series ${(writer.seriesMs / 1000).toFixed(2)})`);
  console.log(`messages/s      ${Math.round(messages / seconds)}${preparsed ? " (writer alone)" : " (end to end)"}`);
  console.log(`stored          ${stats.messages} messages, ${stats.threads} threads, ${stats.guarded} guarded, ${stats.series} series, ${stats.versions} versions`);
  console.log(`database        ${(Number(stats.bytes) / 1e6).toFixed(0)} MB`);
} finally {
  if (keep) console.log(`kept            ${url.replace(/:[^:@/]*@/, ":***@")}`);
  else await dropDatabase(admin, name);
  await admin.end();
}
