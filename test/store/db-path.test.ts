import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DEFAULT_DATABASE_URL, DatabaseUrlError, databaseFile, databaseUrl, parseDatabaseUrl } from "@/lib/store/db-path";

const ROOT = path.resolve(import.meta.dirname, "../..");

const savedCwd = process.cwd();
const savedUrl = process.env.DATABASE_URL;
let dir = "";

// Every test runs in a fresh empty folder, with DATABASE_URL unset.
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "db-path-test-")));
  process.chdir(dir);
  delete process.env.DATABASE_URL;
});
afterEach(() => {
  process.chdir(savedCwd);
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  fs.rmSync(dir, { recursive: true, force: true });
});

test("default is data/archive.db under the working directory", () => {
  assert.equal(DEFAULT_DATABASE_URL, "file:./data/archive.db");
  assert.equal(databaseFile(), path.join(dir, "data", "archive.db"));
  assert.equal(databaseUrl(), `file:${path.join(dir, "data", "archive.db")}`);
});

test("DATABASE_URL is read at call time", () => {
  process.env.DATABASE_URL = "file:./other.db";
  assert.equal(databaseFile(), path.join(dir, "other.db"));
  process.env.DATABASE_URL = "file:/srv/lore/archive.db";
  assert.equal(databaseFile(), "/srv/lore/archive.db");
  assert.equal(databaseUrl(), "file:/srv/lore/archive.db");
});

test("an empty DATABASE_URL means the default, not the working directory", () => {
  process.env.DATABASE_URL = "";
  assert.equal(databaseFile(), path.join(dir, "data", "archive.db"));
});

test("relative, absolute, file:// and prefix-less forms", () => {
  assert.equal(databaseFile("file:dev.db"), path.join(dir, "dev.db"));
  assert.equal(databaseFile("file:../up.db"), path.join(path.dirname(dir), "up.db"));
  assert.equal(databaseFile("file:/var/db/a.db"), "/var/db/a.db");
  assert.equal(databaseFile("file:///var/db/a.db"), "/var/db/a.db");
  assert.equal(databaseFile("./plain.db"), path.join(dir, "plain.db"));
  // Only a leading "file:" is a scheme.
  assert.equal(databaseFile("./file:x.db"), path.join(dir, "file:x.db"));
});

test("databaseUrl round-trips through databaseFile, whatever the working directory", () => {
  process.env.DATABASE_URL = "file:./data/x.db";
  const url = databaseUrl();
  assert.ok(path.isAbsolute(url.slice("file:".length)), url);
  process.chdir(os.tmpdir());
  assert.equal(databaseFile(url), path.join(dir, "data", "x.db"));
  assert.equal(databaseFile(), path.join(fs.realpathSync(os.tmpdir()), "data", "x.db"));
});

test("a URL of another backend is refused with a clear error, without echoing it", () => {
  for (const url of ["postgresql://archive:s3cret@db.example.org/lore", "postgres://archive:s3cret@localhost/lore"]) {
    assert.throws(() => databaseFile(url), (error: unknown) => error instanceof DatabaseUrlError && /PostgreSQL/.test(error.message) && !error.message.includes("s3cret"));
  }
  assert.throws(() => databaseFile("mysql://root@localhost/lore"), (error: unknown) => error instanceof DatabaseUrlError && error.message.includes('"mysql:"'));
  assert.throws(() => databaseFile("FILE2:x.db"), DatabaseUrlError);
  // A drive letter is a path, not a scheme; "file:" in any case is the file scheme.
  assert.equal(databaseFile("C:archive.db"), path.join(dir, "C:archive.db"));
  assert.equal(databaseFile("FILE:./a.db"), path.join(dir, "a.db"));
});

test("parseDatabaseUrl names the backend: SQLite with an absolute file, PostgreSQL with the URL as given", () => {
  assert.deepEqual(parseDatabaseUrl(), { backend: "sqlite", file: path.join(dir, "data", "archive.db") });
  assert.deepEqual(parseDatabaseUrl("file:./a.db"), { backend: "sqlite", file: path.join(dir, "a.db") });
  assert.deepEqual(parseDatabaseUrl("/srv/a.db"), { backend: "sqlite", file: "/srv/a.db" });
  assert.deepEqual(parseDatabaseUrl(""), { backend: "sqlite", file: path.join(dir, "data", "archive.db") });
  for (const url of [
    "postgresql://archive:s3cret@db.example.org:5432/lore",
    "postgres://archive@localhost/lore?sslmode=require",
    "POSTGRESQL://archive@localhost/lore",
    "postgresql:///lore",
  ]) {
    assert.deepEqual(parseDatabaseUrl(url), { backend: "postgres", url });
  }
  process.env.DATABASE_URL = "postgres://u:p@h/d";
  assert.deepEqual(parseDatabaseUrl(), { backend: "postgres", url: "postgres://u:p@h/d" });
});

test("parseDatabaseUrl refuses other schemes and malformed PostgreSQL URLs, without echoing them", () => {
  for (const url of ["mysql://root:s3cret@localhost/lore", "sqlite://s3cret", "postgresql+asyncpg://u:s3cret@h/d", "postgresql://u:s3cret@[bad/d"]) {
    assert.throws(() => parseDatabaseUrl(url), (error: unknown) => error instanceof DatabaseUrlError && !error.message.includes("s3cret"), url);
  }
  assert.throws(() => parseDatabaseUrl("mysql://root@localhost/lore"), /"mysql:".*postgresql:\/\//);
  assert.throws(() => parseDatabaseUrl("postgresql://u:s3cret@[bad/d"), /not a valid URL/);
});

test("the ingest CLI and the server stop at start on a PostgreSQL server they cannot reach, say so without the password, and create nothing", () => {
  // tsx reads the "@/" paths from the tsconfig of the working directory unless told which.
  const env = { ...process.env, DATABASE_URL: "postgresql://u:s3cret@db.example.org/lore", PORT: "0", WORKERS: "1", TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") };
  for (const [script, args] of [["scripts/ingest.ts", ["--list", "x", path.join(ROOT, "test/fixtures/mbox/tiny-list.mbox")]], ["scripts/serve.ts", []]] as const) {
    const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, script), ...args], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
    assert.notEqual(run.status, 0, `${script} exited ${run.status}: ${run.stdout}`);
    assert.match(run.stderr, /PostgreSQL/, script);
    assert.ok(!run.stderr.includes("s3cret"), `${script} printed the password`);
    assert.deepEqual(fs.readdirSync(dir), [], `${script} created files`);
  }
});
