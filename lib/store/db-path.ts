// Resolves DATABASE_URL to one absolute SQLite file, shared by the web app,
// the ingest CLI and prisma.config.ts so they always open the same file.
import path from "node:path";

export const DEFAULT_DATABASE_URL = "file:./data/archive.db";

// An empty DATABASE_URL (a bare "DATABASE_URL=" in .env) means the default, not the working directory.
export function databaseFile(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL): string {
  const file = url.replace(/^file:/, "");
  // Resolved at run time against the working directory, not traced by Next.
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), file);
}

export function databaseUrl(): string {
  return `file:${databaseFile()}`;
}
