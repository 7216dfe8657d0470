// Shared by the HTTP benchmarks: a DB of a corpus (built once by the real
// ingest pipeline and reused), a production build, and `next start` on it.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ensureSchema } from "../lib/ensure-schema";
import { ingest } from "../lib/ingest";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const FULL_CORPUS = path.resolve(ROOT, "../shared/corpus/linux-integrity.mbox.gz");
export const SAMPLE = path.resolve(ROOT, "samples/linux-integrity-sample.mbox.gz");

/** Builds `data/<name>.db` from the corpus unless a complete one is there. */
export async function ensureCorpusDb(name: string, corpus: string, list: string): Promise<{ file: string; ingestSeconds: number | null }> {
  const file = path.join(ROOT, "data", `${name}.db`);
  const marker = `${file}.complete`;
  if (fs.existsSync(file) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === corpus) {
    return { file, ingestSeconds: null };
  }
  for (const suffix of ["", "-wal", "-shm", ".complete"]) fs.rmSync(file + suffix, { force: true });
  ensureSchema(file, ROOT);
  const start = Date.now();
  await ingest({ dbFile: file, list: { name: list }, sources: [corpus] });
  fs.writeFileSync(marker, corpus);
  return { file, ingestSeconds: (Date.now() - start) / 1000 };
}

export function ensureBuild(): void {
  if (fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return;
  execFileSync(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], { cwd: ROOT, stdio: "inherit" });
}

export async function startServer(dbFile: string, port: number): Promise<ChildProcess> {
  const server = spawn(path.join(ROOT, "node_modules", ".bin", "next"), ["start", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `file:${dbFile}`, NODE_ENV: "production" },
    stdio: "ignore",
  });
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill();
  throw new Error("server did not start");
}

export function stopServer(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    server.once("exit", () => resolve());
    server.kill("SIGTERM");
  });
}

export function openReadOnly(file: string): Database.Database {
  return new Database(file, { readonly: true });
}
