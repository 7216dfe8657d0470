// Reads DATABASE_URL, shared by the web app, the ingest CLI and prisma.config.ts
// so they always open the same store. The URL's scheme names the backend:
// "file:" (or a plain path) is SQLite, resolved to one absolute file;
// "postgresql:" or "postgres:" is PostgreSQL. Any other scheme is refused with a
// clear message, never taken for a file name ("postgresql://u:p@host/db" once
// made a SQLite file under "./postgresql:"). No message echoes the URL: it may
// hold a password.
import path from "node:path";

export const DEFAULT_DATABASE_URL = "file:./data/archive.db";

/** DATABASE_URL names a backend or form this archive cannot open. */
export class DatabaseUrlError extends Error {}

export type DatabaseTarget = { backend: "sqlite"; file: string } | { backend: "postgres"; url: string };

// Two or more letters: "C:\archive.db" is a path with a drive letter, not a scheme.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;

/**
 * The backend DATABASE_URL names (read at call time when no value is given).
 * An empty DATABASE_URL (a bare "DATABASE_URL=" in .env) means the default,
 * not the working directory.
 */
export function parseDatabaseUrl(value?: string): DatabaseTarget {
  const url = value || process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    if (!URL.canParse(url)) {
      throw new DatabaseUrlError(`DATABASE_URL starts with "${scheme}:" but is not a valid URL: use postgresql://user:password@host:port/database`);
    }
    return { backend: "postgres", url };
  }
  if (scheme !== undefined && scheme !== "file") {
    throw new DatabaseUrlError(
      `DATABASE_URL has the scheme "${scheme}:", which names no backend: use file:/path/to/archive.db (SQLite) or postgresql://user:password@host/database (PostgreSQL)`,
    );
  }
  return { backend: "sqlite", file: path.resolve(process.cwd(), url.replace(/^file:/i, "")) };
}

/** The SQLite file DATABASE_URL names; a PostgreSQL URL is refused here. */
export function databaseFile(url?: string): string {
  const target = parseDatabaseUrl(url);
  if (target.backend !== "sqlite") {
    throw new DatabaseUrlError(
      "DATABASE_URL is a PostgreSQL URL, and the server and the ingest CLI of this version store mail in SQLite only: set DATABASE_URL=file:/path/to/archive.db",
    );
  }
  return target.file;
}

export function databaseUrl(): string {
  return `file:${databaseFile()}`;
}
