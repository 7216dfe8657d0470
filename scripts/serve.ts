// npm start: the archive's web server. The primary process forks WORKERS
// processes (default: one per core) that share the port; each has its own
// read connection and page cache. A worker that dies is replaced. Ingest
// writes beside them (SQLite WAL).
import "./production-mode";
import cluster from "node:cluster";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDatabaseUrl, type DatabaseTarget } from "../lib/store/db-path";
import { openReader, prepareStore } from "../lib/store/open";
import { readOriginConfig } from "../lib/web/origin";
import { cacheMegabytes } from "../lib/web/page-cache";
import { createArchiveServer } from "../lib/web/server";
import { loadStylesheet } from "../lib/web/stylesheet";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST || undefined;
const workers = Math.max(1, Number(process.env.WORKERS) || os.availableParallelism());
// A worker that keeps dying right after start (a broken DB) must not spin.
const RESTART_DELAY_MS = 1000;

if (cluster.isPrimary) {
  let origin: ReturnType<typeof readOriginConfig>;
  let database: DatabaseTarget;
  try {
    origin = readOriginConfig(); // a malformed ARCHIVE_URL stops the start here
    database = parseDatabaseUrl(); // so does a DATABASE_URL that names no backend
    await prepareStore(database, ROOT);
  } catch (error) {
    console.error(`archive: ${(error as Error).message}`);
    process.exit(2);
  }
  const where = database.backend === "sqlite" ? database.file : "PostgreSQL";
  console.log(
    `archive: serving ${where} on http://${host ?? "0.0.0.0"}:${port}/ with ${workers} worker${workers === 1 ? "" : "s"}` +
      `${origin.archiveUrl ? `, public URL ${origin.archiveUrl}` : ""}${origin.trustProxy ? ", trusting X-Forwarded-*" : ""}`,
  );
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    console.error(`archive: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => cluster.fork(), RESTART_DELAY_MS);
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    setTimeout(() => process.exit(0), 3000).unref();
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  const database = parseDatabaseUrl();
  const { server } = createArchiveServer({
    store: await openReader(database),
    database,
    cacheBytes: cacheMegabytes() * 1024 * 1024,
    origin: readOriginConfig(),
    stylesheet: loadStylesheet(ROOT),
    searchBudgetMs: Number(process.env.SEARCH_BUDGET_MS) || undefined,
    onError: (err, req) => console.error(`archive: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`),
  });
  server.listen(port, host);
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}
