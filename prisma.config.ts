import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { databaseUrl } from "./lib/store/db-path";

// Prisma 6's JS schema engine (wasm) runs generate and migrate deploy with no
// network; the native engine download cannot be reached from build machines.
export default defineConfig({
  experimental: { adapter: true, externalTables: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  tables: {
    external: ["message_fts", "message_fts_data", "message_fts_idx", "message_fts_docsize", "message_fts_config"],
  },
  async adapter() {
    return new PrismaBetterSQLite3({ url: databaseUrl() });
  },
});
