// The driver adapter the Prisma CLI (migrate deploy, migrate diff, db execute)
// uses on PostgreSQL, loaded by prisma.config.ts only when DATABASE_URL is a
// PostgreSQL URL. The app never uses it: it works around bugs in
// @prisma/adapter-pg 6.19.3 that only the CLI's JS schema engine hits
// (/work/shared/prisma-postgres.md has the measurements):
// 1. The schema engine reads the catalogs, whose `name` (OID 19), `"char"` (18)
//    and `name[]` (1003) columns the adapter cannot deserialize ("Column type
//    'name' could not be deserialized", prisma/orm#27403). The pool's clients
//    relabel them as text (25) and text[] (1009) before the adapter sees them.
// 2. The adapter's executeScript splits a migration on every ";", so a ";" in
//    a comment, a string or a $$ body breaks `migrate deploy`. Here the whole
//    file goes as one simple-protocol query, which PostgreSQL runs as one
//    implicit transaction: a failing migration leaves nothing behind.
// 3. pg keeps idle connections 10 s and the wasm engine leaves a 10 s timer
//    armed after deploy; both would hold each CLI command open ~11 s.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";

const RELABEL = new Map<number, number>([
  [19, 25], // name -> text
  [18, 25], // "char" -> text
  [1003, 1009], // name[] -> text[]
]);
// pg has no parser for name[]: its values arrive as "{a,b}" literals. (pg-types'
// TypeId enum lists no array types, hence the cast.)
const parseTextArray = (pg.types.getTypeParser as (oid: number, format: "text") => (value: string) => unknown)(1009, "text");

interface Result {
  fields?: { name: string; dataTypeID: number }[];
  rows?: unknown[];
}

function relabel<T>(result: T): T {
  for (const one of (Array.isArray(result) ? result : [result]) as Result[]) {
    one?.fields?.forEach((field, index) => {
      const to = RELABEL.get(field.dataTypeID);
      if (to === undefined) return;
      if (field.dataTypeID === 1003) {
        for (const row of one.rows ?? []) {
          const record = row as Record<string | number, unknown>;
          const key = Array.isArray(row) ? index : field.name;
          if (typeof record[key] === "string") record[key] = parseTextArray(record[key] as string);
        }
      }
      field.dataTypeID = to;
    });
  }
  return result;
}

class CatalogTypesClient extends pg.Client {
  // pg-pool calls query(text, values, callback); other callers use the promise form.
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      args[last] = (error: unknown, result: unknown) => callback(error, error ? result : relabel(result));
    }
    const returned = (super.query as (...a: unknown[]) => unknown)(...args);
    if (typeof callback !== "function" && returned instanceof Promise) return returned.then(relabel) as never;
    return returned as never;
  }
}

class WholeScriptPrismaPg extends PrismaPg {
  override async connect() {
    return wholeScripts(await super.connect());
  }
  override async connectToShadowDb() {
    return wholeScripts(await super.connectToShadowDb());
  }
}

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

function wholeScripts(adapter: Adapter): Adapter {
  const pool = adapter.underlyingDriver();
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      // The adapter's own error mapping (codes, messages Prisma understands).
      (adapter as unknown as { onError(error: unknown): never }).onError(error);
    }
  };
  return adapter;
}

let timersUnrefed = false;

/** Lets the CLI exit once its work is done instead of waiting out 10 s timers. */
function unrefLongTimers(): void {
  if (timersUnrefed) return;
  timersUnrefed = true;
  const original = globalThis.setTimeout;
  const patched = ((handler: (...a: unknown[]) => void, delay?: number, ...rest: unknown[]) => {
    const timer = original(handler, delay, ...rest);
    if ((delay ?? 0) >= 10_000) timer.unref();
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(patched, original);
}

export function createMigrateAdapter(connectionString: string): PrismaPg {
  unrefLongTimers();
  return new WholeScriptPrismaPg({ connectionString, Client: CatalogTypesClient, allowExitOnIdle: true });
}
