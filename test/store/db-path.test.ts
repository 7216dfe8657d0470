import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_DATABASE_URL, databaseFile, databaseUrl } from "@/lib/store/db-path";

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
