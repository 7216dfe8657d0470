// Creates or migrates the PostgreSQL store on first use, as
// lib/store/sqlite/ensure-schema.ts does for SQLite. When nothing is pending it
// costs one query; only then does it run Prisma's own `migrate deploy` (about
// 3 s), with the checked-in migrations under prisma/postgres/migrations.
//
// Several processes may start at once (web workers, an ingest). Prisma's
// migrate takes an advisory lock, but gives up after 10 s, which a long
// migration (a GIN index on a big table) easily exceeds. So the first process
// to find work takes an advisory lock of its own, without a timeout, and the
// others, once they get it, look again and usually find nothing left to do.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

// A two-key advisory lock: a different lock space from Prisma's one-key 72707369.
const LOCK_KEYS = [0x6d61696c, 1] as const; // "mail", migrations

/** DATABASE_URL's PostgreSQL server could not be checked or migrated; the message never holds the password. */
export class PostgresMigrateError extends Error {}

/** The migrations under `migrationsDir` that the database has not applied (finished and not rolled back). */
export async function pendingPostgresMigrations(client: pg.ClientBase, migrationsDir: string): Promise<string[]> {
  const wanted = fs.readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  let applied: Set<string>;
  try {
    const result = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    applied = new Set(result.rows.map((row) => row.migration_name));
  } catch (error) {
    // undefined_table: a new, empty database.
    if ((error as { code?: string }).code === "42P01") return wanted;
    throw error;
  }
  return wanted.filter((name) => !applied.has(name));
}

export async function ensurePostgresSchema(url: string, projectRoot: string): Promise<void> {
  const migrationsDir = path.join(projectRoot, "prisma", "postgres", "migrations");
  const client = new pg.Client({ connectionString: url });
  try {
    try {
      await client.connect();
      if ((await pendingPostgresMigrations(client, migrationsDir)).length === 0) return;
      await client.query(`SELECT pg_advisory_lock($1, $2)`, [...LOCK_KEYS]);
      // Another process may have migrated while this one waited for the lock.
      if ((await pendingPostgresMigrations(client, migrationsDir)).length === 0) return;
    } catch (error) {
      throw new PostgresMigrateError(redact(`cannot check the PostgreSQL schema: ${(error as Error).message}`, url));
    }
    await migrateDeploy(url, projectRoot);
  } finally {
    // Closing the session also releases the advisory lock.
    await client.end().catch(() => {});
  }
}

function migrateDeploy(url: string, projectRoot: string): Promise<void> {
  const prisma = path.join(projectRoot, "node_modules", ".bin", "prisma");
  return new Promise((resolve, reject) => {
    execFile(
      prisma,
      ["migrate", "deploy"],
      { cwd: projectRoot, env: { ...process.env, DATABASE_URL: url }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        // Prisma prints its error (code, failing migration, database message) on stderr.
        const detail = `${stderr}`.trim() || `${stdout}`.trim() || error.message;
        reject(new PostgresMigrateError(redact(`prisma migrate deploy failed:\n${detail}`, url)));
      },
    );
  });
}

/** Removes the URL, its user:password and the password from a message. */
function redact(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text.split(url).join("<DATABASE_URL>");
  }
  let out = text.split(url).join("<DATABASE_URL>");
  const password = parsed.password;
  if (!password) return out;
  for (const secret of new Set([password, safeDecode(password)])) {
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // Whole-word only, so a short password does not eat into the words around it.
    out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, "g"), "***");
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
