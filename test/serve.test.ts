// scripts/serve.ts as an operator runs it: WORKERS processes share the port,
// a worker that dies is replaced while the others keep answering, a malformed
// ARCHIVE_URL stops the start with a clear error, SIGTERM stops everything.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ensureSchema } from "../lib/store/sqlite/ensure-schema";
import { ingest } from "../lib/ingest/ingest";

const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "serve-test-"));
const dbFile = path.join(dir, "archive.db");
const port = 20_000 + Math.floor(Math.random() * 20_000);
let server: ChildProcess;

/** The cluster workers among the primary's children (tsx may also run an esbuild service). */
function workersOf(pid: number): number[] {
  const out = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .filter((child) => {
      try {
        return fs.readFileSync(`/proc/${child}/cmdline`, "utf8").includes("serve.ts");
      } catch {
        return false; // gone meanwhile
      }
    });
}

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One request on a fresh connection (a kept-alive one may belong to a killed worker), bounded in time. */
function status(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

before(async () => {
  ensureSchema(dbFile, root);
  await ingest({ dbFile, list: { name: "tiny" }, sources: [path.join(root, "test/fixtures/mbox/tiny-list.mbox")] });
  server = spawn(process.execPath, ["--import", "tsx", "scripts/serve.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${dbFile}`, PORT: String(port), HOST: "127.0.0.1", WORKERS: "2" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await until("the server", () => status(`http://127.0.0.1:${port}/tiny/`).then((s) => (s === 200 ? s : null)), 60_000);
});

after(() => {
  if (server.exitCode === null) server.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

test("WORKERS processes serve; a worker that dies is replaced while the other answers", async () => {
  const workers = await until("two workers", () => {
    const pids = workersOf(server.pid!);
    return pids.length === 2 ? pids : null;
  });
  process.kill(workers[0]!, "SIGKILL");
  // The primary learns of the death at once and hands new connections to the
  // surviving worker while the replacement starts (after a 1 s pause).
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 5; i++) assert.equal(await status(`http://127.0.0.1:${port}/tiny/a1@example.org/`), 200);
  const replaced = await until("a replacement worker", () => {
    const pids = workersOf(server.pid!);
    return pids.length === 2 && !pids.includes(workers[0]!) ? pids : null;
  });
  assert.ok(replaced.includes(workers[1]!), "the other worker was left alone");
});

test("SIGTERM stops the primary and its workers", async () => {
  const workers = workersOf(server.pid!);
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  server.kill("SIGTERM");
  assert.equal(await exited, 0);
  for (const pid of workers) assert.throws(() => process.kill(pid, 0), `worker ${pid} is gone`);
});

test("a malformed ARCHIVE_URL stops the start with a clear error", () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/serve.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${dbFile}`, PORT: String(port + 1), ARCHIVE_URL: "ftp://lore.example.org" },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /ARCHIVE_URL must be http\(s\)/);
});
