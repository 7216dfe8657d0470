// Creates or migrates the SQLite store on first use, so `npm run ingest` works
// on a fresh checkout. Runs Prisma's own `migrate deploy` only when a
// checked-in migration is missing from the DB (it takes a couple of seconds).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export function pendingMigrations(dbFile: string, migrationsDir: string): string[] {
  const wanted = fs.readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  if (!fs.existsSync(dbFile)) return wanted;
  const db = new Database(dbFile, { readonly: true });
  try {
    const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    if (!table) return wanted;
    const applied = new Set(
      (db.prepare(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL`).all() as { migration_name: string }[])
        .map((row) => row.migration_name),
    );
    return wanted.filter((name) => !applied.has(name));
  } finally {
    db.close();
  }
}

export function ensureSchema(dbFile: string, projectRoot: string): void {
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  if (pendingMigrations(dbFile, path.join(projectRoot, "prisma", "sqlite", "migrations")).length === 0) return;
  if (fs.existsSync(dbFile)) {
    migrateDeploy(dbFile, projectRoot);
    return;
  }
  // A new archive is built aside and renamed into place: a first ingest
  // killed mid-migration must not leave a half-migrated DB that Prisma then
  // refuses to touch (P3009) on every later run.
  const building = `${dbFile}.creating-${process.pid}`;
  try {
    migrateDeploy(building, projectRoot);
    fs.renameSync(building, dbFile);
  } finally {
    for (const suffix of ["", "-journal", "-wal", "-shm"]) fs.rmSync(building + suffix, { force: true });
  }
}

function migrateDeploy(dbFile: string, projectRoot: string): void {
  const prisma = path.join(projectRoot, "node_modules", ".bin", "prisma");
  execFileSync(prisma, ["migrate", "deploy"], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: `file:${dbFile}` },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
