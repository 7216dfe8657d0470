// Opens the store DATABASE_URL names (lib/store/db-path.ts), whatever its
// backend: the server, the search processes and ingest get the contract of
// lib/store/types.ts and never name a backend themselves. Each backend's
// modules load only when it is used, so a SQLite archive never loads pg.
import type { DatabaseTarget } from "./db-path";
import type { ArchiveReader, ArchiveWriter, SearchIndex } from "./types";

/** Creates or migrates the store on first use; cheap when it is up to date. */
export async function prepareStore(target: DatabaseTarget, projectRoot: string): Promise<void> {
  if (target.backend === "sqlite") {
    const { ensureSchema } = await import("./sqlite/ensure-schema");
    ensureSchema(target.file, projectRoot);
    return;
  }
  const { ensurePostgresSchema } = await import("./postgres/migrate");
  await ensurePostgresSchema(target.url, projectRoot);
}

/** A web worker's reads. */
export async function openReader(target: DatabaseTarget): Promise<ArchiveReader> {
  if (target.backend === "sqlite") {
    const { SqliteReader } = await import("./sqlite/reader");
    return new SqliteReader(target.file);
  }
  const { PostgresReader } = await import("./postgres/reader");
  return new PostgresReader(target.url, { max: poolSize("PG_POOL_MAX", 4) });
}

/** A search process's index. */
export async function openSearchIndex(target: DatabaseTarget): Promise<SearchIndex> {
  if (target.backend === "sqlite") {
    const { SqliteSearchIndex } = await import("./sqlite/search");
    return new SqliteSearchIndex(target.file);
  }
  const { PostgresSearchIndex } = await import("./postgres/search");
  return new PostgresSearchIndex(target.url);
}

/** Ingest's writer; `onWait` hears, once per wait, that another writer holds the store. */
export async function openWriter(target: DatabaseTarget, onWait?: (message: string) => void): Promise<ArchiveWriter> {
  if (target.backend === "sqlite") {
    const { SqliteArchiveWriter } = await import("./sqlite/archive-writer");
    return new SqliteArchiveWriter(target.file, onWait);
  }
  const { PostgresArchiveWriter } = await import("./postgres/archive-writer");
  // Write-behind: a batch is stored while the next one is parsed (still one
  // transaction per batch; a failure surfaces at the next call).
  return new PostgresArchiveWriter(target.url, onWait, { pipeline: true });
}

/** The target as DATABASE_URL spells it, for a child process's environment. */
export function targetUrl(target: DatabaseTarget): string {
  return target.backend === "sqlite" ? `file:${target.file}` : target.url;
}

// Each web worker holds its own pool: N workers on M hosts open N × M × this
// many connections, which must stay under the server's max_connections.
function poolSize(variable: string, fallback: number): number {
  const value = Number(process.env[variable]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
