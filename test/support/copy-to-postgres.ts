// A SQLite store, as the normal SQLite ingest (lib/ingest/ingest.ts) built
// it, copied into a PostgreSQL database: the same rows with the same ids, so
// the store contract test (test/store/contract.test.ts) can ask both backends
// the same questions and expect the same answers. Migrates the database
// first, fills "Message".fts with buildSearchVector (what the PostgreSQL
// writer stores, the body text read from the message's Mail) and moves every
// id sequence past the copied ids.
//
// Batched: multi-row INSERTs of up to BATCH_ROWS rows (and under PostgreSQL's
// 65,535 parameters), one transaction for the whole copy.
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { ensurePostgresSchema } from "../../lib/store/postgres/migrate";
import { buildSearchVector } from "../../lib/store/postgres/search-vector";
import { fromSqlDate } from "../../lib/store/sqlite/sql-date";

const ROOT = path.resolve(import.meta.dirname, "../..");

// Parents before children (foreign keys).
const TABLES = [
  "List", "Thread", "Mail", "Message", "Attachment", "ThreadRef", "GuardedRef", "PatchMail", "ReplyTrailer",
  "Series", "SeriesVersion", "SeriesPatch", "SeriesDirty", "SeriesBackfill",
] as const;

const BATCH_ROWS = 500;
const MAX_PARAMS = 65_000;
/** Raw mail is the bulk of a Mail row: a batch stops growing past this many bytes. */
const BATCH_BYTES = 32 * 1024 * 1024;

interface Column {
  name: string;
  type: string;
}

export interface CopyCounts {
  [table: string]: number;
}

/** Copies every table of the SQLite store `sqliteFile` into the (new or empty) PostgreSQL database at `pgUrl`. */
export async function copySqliteToPostgres(sqliteFile: string, pgUrl: string): Promise<CopyCounts> {
  await ensurePostgresSchema(pgUrl, ROOT);
  const source = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  source.defaultSafeIntegers(false);
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  const counts: CopyCounts = {};
  const withId: string[] = [];
  try {
    await client.query("BEGIN");
    for (const table of TABLES) {
      const columns = (
        await client.query<{ name: string; type: string }>(
          `SELECT column_name AS name, data_type AS type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
          [table],
        )
      ).rows.filter((c) => c.name !== "fts");
      if (columns.length === 0) throw new Error(`copySqliteToPostgres: no table "${table}" in PostgreSQL`);
      counts[table] = await copyTable(source, client, table, columns);
      if (columns.some((c) => c.name === "id")) withId.push(table);
    }
    for (const table of withId) {
      const { rows } = await client.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [`"${table}"`]);
      const seq = rows[0]?.seq;
      if (!seq) continue;
      await client.query(`SELECT setval($1::regclass, coalesce(max(id), 1), max(id) IS NOT NULL) FROM "${table}"`, [seq]);
    }
    await client.query("COMMIT");
    // Fresh statistics, so the planner sees the copied rows (as autovacuum would, later).
    await client.query("ANALYZE");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
    source.close();
  }
  return counts;
}

async function copyTable(source: Database.Database, client: pg.Client, table: string, columns: Column[]): Promise<number> {
  const names = columns.map((c) => c.name);
  const isMessage = table === "Message";
  const insertNames = isMessage ? [...names, "fts"] : names;
  const casts = [...columns.map((c) => castOf(c.type)), ...(isMessage ? ["::tsvector"] : [])];
  const width = insertNames.length;
  const maxRows = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMS / width)));
  // A message's search vector holds its mail's body text.
  const body = isMessage ? `, (SELECT "bodyText" FROM "Mail" WHERE id = "Message"."mailId") AS "bodyText"` : "";
  const select = source.prepare(`SELECT ${names.map((n) => `"${n}"`).join(", ")}${body} FROM "${table}" ORDER BY rowid`);
  let batch: unknown[][] = [];
  let bytes = 0;
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const params: unknown[] = [];
    const tuples = batch.map((values) => {
      const start = params.length;
      params.push(...values);
      return `(${values.map((_, i) => `$${start + i + 1}${casts[i]}`).join(", ")})`;
    });
    await client.query(`INSERT INTO "${table}" (${insertNames.map((n) => `"${n}"`).join(", ")}) VALUES ${tuples.join(", ")}`, params);
    copied += batch.length;
    batch = [];
    bytes = 0;
  };
  for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
    const values = columns.map((c) => convert(row[c.name], c, table));
    if (isMessage) {
      values.push(
        buildSearchVector({
          subject: row.subject as string, fromName: row.fromName as string, fromAddr: row.fromAddr as string,
          toAddrs: row.toAddrs as string, ccAddrs: row.ccAddrs as string, bodyText: row.bodyText as string,
          date: new Date(values[columns.findIndex((c) => c.name === "date")] as string),
        }),
      );
    }
    for (const v of values) bytes += Buffer.isBuffer(v) ? v.length : typeof v === "string" ? v.length : 8;
    batch.push(values);
    if (batch.length >= maxRows || bytes >= BATCH_BYTES) await flush();
  }
  await flush();
  return copied;
}

function castOf(type: string): string {
  switch (type) {
    case "timestamp with time zone":
      return "::timestamptz";
    case "bytea":
      return "::bytea";
    case "boolean":
      return "::boolean";
    case "integer":
      return "::int";
    default:
      return "";
  }
}

function convert(value: unknown, column: Column, table: string): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "timestamp with time zone": {
      // SQLite holds ISO text ("…+00:00", or SQLite's own zone-less UTC form); bound as ISO UTC.
      const date = fromSqlDate(value as string | number);
      if (date === null) throw new Error(`${table}.${column.name}: unreadable date ${JSON.stringify(value)}`);
      return date.toISOString();
    }
    case "boolean":
      return value === 1 || value === true || value === "1";
    case "bytea":
      return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
    case "integer":
      return Number(value);
    default:
      return value;
  }
}
