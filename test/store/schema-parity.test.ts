// SQLite and PostgreSQL each have a schema.prisma and their own migrations, so
// every schema change is made twice. This test keeps the two schemas in step:
// the same models, fields (with their types, defaults and relations) and
// block attributes (@@id, @@unique, @@index). Allowed differences: @db.*
// native types, and Message.fts (PostgreSQL's full-text tsvector).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const POSTGRES_ONLY: Record<string, string[]> = { Message: ["fts"] };

interface Block {
  fields: Map<string, string>;
  attributes: string[];
}

/** model and enum blocks of a schema.prisma: field name -> "Type @attributes", with comments and @db.* dropped. */
function parseSchema(text: string): Map<string, Block> {
  const blocks = new Map<string, Block>();
  const source = text.replace(/\/\/.*$/gm, "");
  for (const match of source.matchAll(/^\s*(model|enum|view|type)\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const block: Block = { fields: new Map(), attributes: [] };
    for (const raw of match[3]!.split("\n")) {
      const line = raw.replace(/@db\.\w+(\([^)]*\))?/g, "").replace(/\s+/g, " ").trim();
      if (line === "") continue;
      if (line.startsWith("@@")) {
        block.attributes.push(line);
        continue;
      }
      const [name, ...rest] = line.split(" ");
      block.fields.set(name!, rest.join(" "));
    }
    blocks.set(`${match[1]} ${match[2]}`, block);
  }
  return blocks;
}

function read(backend: string): Map<string, Block> {
  return parseSchema(fs.readFileSync(path.join(ROOT, "prisma", backend, "schema.prisma"), "utf8"));
}

test("the parser sees models, fields and block attributes, and drops @db and comments", () => {
  const parsed = parseSchema(`
    // model Commented { id Int }
    model A {
      id   Int      @id @default(autoincrement()) // trailing
      when DateTime @db.Timestamptz(3)
      b    B        @relation(fields: [id], references: [id])
      @@index([when])
    }
    enum Colour {
      RED
    }`);
  assert.deepEqual([...parsed.keys()], ["model A", "enum Colour"]);
  assert.deepEqual([...parsed.get("model A")!.fields], [
    ["id", "Int @id @default(autoincrement())"],
    ["when", "DateTime"],
    ["b", "B @relation(fields: [id], references: [id])"],
  ]);
  assert.deepEqual(parsed.get("model A")!.attributes, ["@@index([when])"]);
});

test("prisma/sqlite and prisma/postgres declare the same models", () => {
  const sqlite = read("sqlite");
  const postgres = read("postgres");
  assert.ok(sqlite.size >= 10, `only ${sqlite.size} models parsed`);
  assert.deepEqual([...postgres.keys()].sort(), [...sqlite.keys()].sort());
  for (const [name, sqliteBlock] of sqlite) {
    const postgresBlock = postgres.get(name)!;
    const fields = new Map(postgresBlock.fields);
    for (const only of POSTGRES_ONLY[name.replace(/^model /, "")] ?? []) {
      assert.ok(fields.delete(only), `${name}.${only} is gone from prisma/postgres/schema.prisma: update POSTGRES_ONLY`);
    }
    assert.deepEqual([...fields.keys()], [...sqliteBlock.fields.keys()], `${name}: field names or order differ`);
    for (const [field, declaration] of sqliteBlock.fields) {
      assert.equal(fields.get(field), declaration, `${name}.${field} differs (ignoring @db.*)`);
    }
    assert.deepEqual(postgresBlock.attributes, sqliteBlock.attributes, `${name}: @@id/@@unique/@@index differ`);
  }
});

test("each migrations folder is locked to its own provider", () => {
  for (const [backend, provider] of [["sqlite", "sqlite"], ["postgres", "postgresql"]]) {
    const lock = fs.readFileSync(path.join(ROOT, "prisma", backend!, "migrations", "migration_lock.toml"), "utf8");
    assert.match(lock, new RegExp(`^provider = "${provider}"$`, "m"), backend);
  }
});
