// Resolves DATABASE_URL to one absolute SQLite file, shared by the web app,
// the ingest CLI and prisma.config.ts so they always open the same file. The
// URL's scheme names the backend: "file:" (or a plain path) is SQLite; any
// other scheme is refused with a clear message, never taken for a file name
// ("postgresql://u:p@host/db" once made a SQLite file under "./postgresql:").
import path from "node:path";

export const DEFAULT_DATABASE_URL = "file:./data/archive.db";

/** DATABASE_URL names a backend or form this archive cannot open. */
export class DatabaseUrlError extends Error {}

// Two or more letters: "C:\archive.db" is a path with a drive letter, not a scheme.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;

// An empty DATABASE_URL (a bare "DATABASE_URL=" in .env) means the default, not the working directory.
export function databaseFile(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL): string {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  // The URL itself is never echoed: it may hold a password.
  if (scheme === "postgres" || scheme === "postgresql") {
    throw new DatabaseUrlError("DATABASE_URL is a PostgreSQL URL, and this version of the archive stores mail in SQLite only: set DATABASE_URL=file:/path/to/archive.db");
  }
  if (scheme !== undefined && scheme !== "file") {
    throw new DatabaseUrlError(`DATABASE_URL has the scheme "${scheme}:", which names no backend: use file:/path/to/archive.db (SQLite)`);
  }
  const file = url.replace(/^file:/i, "");
  return path.resolve(process.cwd(), file);
}

export function databaseUrl(): string {
  return `file:${databaseFile()}`;
}
