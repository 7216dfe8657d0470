// Shared by the HTTP benchmarks (bench/http.ts, bench/crawl.ts, bench/search*.ts): a DB of a
// corpus (built once by the real ingest pipeline and reused), our production
// server on it (its whole process tree: start, RSS, stop), and the
// public-inbox peer built by ../shared/peer/.
import { spawn, execFileSync, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ensureSchema } from "../lib/store/sqlite/ensure-schema";
import { ingest } from "../lib/ingest/ingest";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const FULL_CORPUS = path.resolve(ROOT, "../shared/corpus/linux-integrity.mbox.gz");
export const SAMPLE = path.resolve(ROOT, "samples/linux-integrity-sample.mbox.gz");
export const PEER_SCRIPTS = path.resolve(ROOT, "../shared/peer");

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

export function openReadOnly(file: string): Database.Database {
  return new Database(file, { readonly: true });
}

// ---------------------------------------------------------------------------
// Our server

const SERVE_SCRIPT = path.join(ROOT, "scripts", "serve.ts");

/** How startServer will start our server, for the benchmark's header line. */
export function describeServer(): string {
  if (process.env.BENCH_SERVER_CMD) return `BENCH_SERVER_CMD=${process.env.BENCH_SERVER_CMD}`;
  return `tsx scripts/serve.ts (WORKERS=${serverWorkers()})`;
}

function serverWorkers(): string {
  return process.env.WORKERS || String(os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Starts our production server on 127.0.0.1:`port` and resolves once `/`
 * answers 200. What runs, in order of preference:
 *  - `BENCH_SERVER_CMD` (a shell command) if set, to measure another build;
 *  - otherwise `tsx scripts/serve.ts`, what `npm start` runs.
 * Each gets PORT, DATABASE_URL=file:<abs path>, WORKERS (default: core count),
 * NODE_ENV=production and HOST=127.0.0.1; `extraEnv` comes on top (e.g.
 * CACHE_MB: "0" for a second server without the page cache). The child leads
 * its own process group, so stopServer ends the whole tree (tsx's child,
 * cluster workers) and processTreeRss can find every process of it.
 */
export async function startServer(dbFile: string, port: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    PORT: String(port),
    // A PostgreSQL URL as given; anything else is a SQLite file.
    DATABASE_URL: /^postgres(ql)?:/.test(dbFile) ? dbFile : `file:${path.resolve(dbFile)}`,
    WORKERS: serverWorkers(),
    NODE_ENV: "production",
    HOST: "127.0.0.1", // loopback only (scripts/serve.ts listens on HOST)
  };
  let server: ChildProcess;
  // Outside the app folder: bench/crawl.ts measures that folder's growth.
  const log = serverLogFile(port);
  const fd = fs.openSync(log, "w");
  const stdio: ["ignore", number, number] = ["ignore", fd, fd];
  if (process.env.BENCH_SERVER_CMD) {
    server = spawn("/bin/sh", ["-c", process.env.BENCH_SERVER_CMD], { cwd: ROOT, env, stdio, detached: true });
  } else {
    server = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), [SERVE_SCRIPT], { cwd: ROOT, env, stdio, detached: true });
  }
  fs.closeSync(fd);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`our server exited (${server.exitCode ?? server.signalCode}) before answering; its output:\n${serverLogTail(port)}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopServer(server);
  throw new Error(`our server did not answer on port ${port} within 90 s`);
}

/** Where startServer writes the server's stdout and stderr. */
export function serverLogFile(port: number): string {
  return path.join(os.tmpdir(), `bench-server-${port}.log`);
}

export function serverLogTail(port: number, lines = 20): string {
  try {
    return fs.readFileSync(serverLogFile(port), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** SIGTERM to the server's whole process group; SIGKILL after 10 s. */
export function stopServer(server: ChildProcess): Promise<void> {
  const group = (signal: NodeJS.Signals) => {
    try {
      if (server.pid) process.kill(-server.pid, signal);
    } catch {
      // already gone
    }
  };
  if (server.exitCode !== null || server.signalCode !== null) {
    group("SIGTERM"); // stragglers of a wrapper that exited first
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => group("SIGKILL"), 10_000);
    server.once("exit", () => {
      clearTimeout(timer);
      // Give workers the same grace, then make sure none outlives the benchmark.
      setTimeout(() => {
        group("SIGKILL");
        resolve();
      }, 500);
    });
    group("SIGTERM");
  });
}

/** Every process's children, by parent pid, from /proc. */
export function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name (field 2) may hold spaces and parentheses: fields after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited while we looked
    }
  }
  return children;
}

/**
 * Resident memory of a process and all its descendants, in bytes (VmRSS of
 * each from /proc; shared pages are counted once per process, as `ps` does).
 */
export function processTreeRss(rootPid: number): { bytes: number; processes: number } {
  const children = childrenByParent();
  let bytes = 0;
  let processes = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) {
        bytes += Number(match[1]) * 1024;
        processes++;
      }
    } catch {
      // exited while we looked
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return { bytes, processes };
}

// ---------------------------------------------------------------------------
// The peer: public-inbox-httpd over the same corpus (../shared/peer/README.md)

export const PEER_DIR = process.env.PEER_DIR ?? "/var/tmp/peer";
export const PEER_PORT = Number(process.env.PEER_PORT ?? 8090);

function peerRunning(): boolean {
  const pidFile = path.join(PEER_DIR, "httpd.pid");
  if (!fs.existsSync(pidFile)) return false;
  const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the peer if PEER_DIR has no config (setup-peer.sh: apt-get, import,
 * index; a few minutes) and starts public-inbox-httpd on PEER_PORT unless it
 * already runs. Returns whether this call started it (then stopPeer it).
 */
export function startPeer(corpus: string): { started: boolean; version: string } {
  if (!fs.existsSync(path.join(PEER_DIR, "config"))) {
    console.log(`building the peer in ${PEER_DIR} (setup-peer.sh, a few minutes) …`);
    execFileSync(path.join(PEER_SCRIPTS, "setup-peer.sh"), [corpus, PEER_DIR], { stdio: ["ignore", "inherit", "inherit"] });
  }
  const started = !peerRunning();
  if (started) {
    execFileSync(path.join(PEER_SCRIPTS, "serve-peer.sh"), [String(PEER_PORT), PEER_DIR], { stdio: ["ignore", "ignore", "inherit"] });
  }
  const version = spawnSync("dpkg-query", ["-W", "-f=${Version}", "public-inbox"], { encoding: "utf8" }).stdout || "?";
  return { started, version };
}

export function stopPeer(): void {
  execFileSync(path.join(PEER_SCRIPTS, "serve-peer.sh"), [String(PEER_PORT), PEER_DIR, "stop"], { stdio: ["ignore", "ignore", "inherit"] });
}
