import { defineConfig } from "prisma/config";
import { parseDatabaseUrl, type DatabaseTarget } from "./lib/store/db-path";

// Prisma 6's JS schema engine (wasm) runs generate and migrate deploy with no
// network; the native engine download cannot be reached from build machines.
// The scheme of DATABASE_URL picks the backend: SQLite (file: or a plain path)
// or PostgreSQL (postgresql:// or postgres://), each with its own schema and
// migrations. Adapters are imported only when a command needs one, so SQLite
// runs never load pg.
let target: DatabaseTarget | undefined;
try {
  target = parseDatabaseUrl();
} catch {
  // `prisma generate` (postinstall) must not fail on a bad DATABASE_URL; a
  // command that needs the database reports it below, without the URL.
}
const postgres = target?.backend === "postgres";

export default defineConfig({
  experimental: { adapter: true, externalTables: true },
  engine: "js",
  schema: postgres ? "prisma/postgres/schema.prisma" : "prisma/sqlite/schema.prisma",
  migrations: { path: postgres ? "prisma/postgres/migrations" : "prisma/sqlite/migrations" },
  tables: {
    // SQLite's FTS5 table, its shadow tables and its rowid map, written by hand in migrations.
    external: postgres ? [] : [
      "message_fts", "message_fts_data", "message_fts_idx", "message_fts_docsize", "message_fts_config", "message_search_key",
    ],
  },
  async adapter() {
    const chosen = parseDatabaseUrl();
    if (chosen.backend === "postgres") {
      const { createMigrateAdapter } = await import("./prisma/postgres/migrate-adapter");
      return createMigrateAdapter(chosen.url);
    }
    const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSQLite3({ url: `file:${chosen.file}` });
  },
});
