// Starts the real archive HTTP server (one worker, in this process) on a free
// loopback port over a DB file, for tests that speak HTTP to it.
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { OriginConfig } from "../../lib/web/origin";
import { SqliteReader } from "../../lib/store/sqlite/reader";
import { createArchiveServer, type ArchiveServer } from "../../lib/web/server";
import { loadStylesheet } from "../../lib/web/stylesheet";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunningServer extends ArchiveServer {
  base: string;
  close(): Promise<void>;
}

export async function startArchiveServer(
  dbFile: string,
  options: { cacheBytes?: number; origin?: OriginConfig; searchBudgetMs?: number } = {},
): Promise<RunningServer> {
  const archive = createArchiveServer({
    store: new SqliteReader(dbFile),
    database: { backend: "sqlite", file: dbFile },
    cacheBytes: options.cacheBytes ?? 64 * 1024 * 1024,
    origin: options.origin ?? { archiveUrl: null, trustProxy: false },
    stylesheet: loadStylesheet(ROOT),
    searchBudgetMs: options.searchBudgetMs,
    onError: (err) => console.error(err),
  });
  await new Promise<void>((resolve) => archive.server.listen(0, "127.0.0.1", resolve));
  const { port } = archive.server.address() as AddressInfo;
  return {
    ...archive,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        archive.server.closeAllConnections();
        archive.server.close(() => resolve());
        void archive.store.close();
      }),
  };
}
