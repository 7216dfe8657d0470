// Connections to a PostgreSQL store. Every module under lib/store/postgres/
// gets its pool here, so all of them read values the same way.
import pg from "pg";

// count(*), sum() and bigint come back as strings by default (they may pass
// 2^53); archive counts and byte sums stay far below, and the app's types
// are numbers, as SQLite gives them.
const INT8_OID = 20;
const NUMERIC_OID = 1700;

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
} as unknown as pg.CustomTypesConfig;

export interface PoolOptions {
  /** Connections this process may hold: a web worker needs few, ingest one. */
  max?: number;
  /** Shown in pg_stat_activity, so an operator sees which process holds what. */
  applicationName?: string;
  /** PostgreSQL itself stops a statement of these connections running longer than this (none by default). */
  statementTimeoutMs?: number;
  /** The sessions refuse writes (default_transaction_read_only): the web readers and the search processes. */
  readOnly?: boolean;
  /** Other settings of these sessions, as name → value. */
  settings?: Readonly<Record<string, string>>;
}

// JIT compilation off in every session: the app's statements are short, and
// a plan whose cost passes jit_above_cost (any plan with a disabled node, as
// the search sessions' enable_seqscan = off gives a scan of the six-row List
// table) was compiled by LLVM on every run: 48 ms for the search estimate's
// two look-ups on a quiet machine, past the search budget under load.
const SESSION_DEFAULTS = { jit: "off" };

export function openPool(url: string, options: PoolOptions = {}): pg.Pool {
  const settings = Object.entries({
    ...SESSION_DEFAULTS,
    ...(options.readOnly ? { default_transaction_read_only: "on" } : {}),
    ...options.settings,
  });
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    application_name: options.applicationName ?? "mail-archive",
    types,
    // Startup parameters: set before the first query, at no extra round trip.
    ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
    options: settings.map(([name, value]) => `-c ${name}=${value}`).join(" "),
    // A process that only waits on a closed pool must be able to exit.
    allowExitOnIdle: true,
  });
  // An idle client losing its server (restart, failover) must not crash the
  // process: the pool drops it and the next query connects again.
  pool.on("error", () => {});
  return pool;
}

/** Runs `work` in one transaction on a connection of the pool: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pick<pg.Pool, "connect">, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    // A client whose rollback failed has lost its server: the pool drops it.
    client.release(broken);
  }
}
