// PostgreSQL for tests: PG_TEST_URL names a server where the test role may
// create databases (scripts/pg-test-cluster.sh starts one; .ci/run always
// does). Without it, PostgreSQL tests are skipped and say why.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_TEST_URL = process.env.PG_TEST_URL || null;

/** Pass as node:test's `skip` option: false when PostgreSQL is there, else the reason. */
export const skipWithoutPostgres: string | false = PG_TEST_URL
  ? false
  : "PostgreSQL not available: set PG_TEST_URL (scripts/pg-test-cluster.sh start DIR prints one)";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server, so test files running side by side never meet. */
export async function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  if (!PG_TEST_URL) throw new Error(String(skipWithoutPostgres));
  const name = `${prefix.replace(/[^a-z0-9_]/g, "_")}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_TEST_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_TEST_URL });
      await client.connect();
      try {
        await dropDatabase(client, name);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Drops a test database. A plain DROP ends autovacuum workers in it; FORCE
 * cannot (they are the superuser's: "must be a member of the role whose
 * process is being terminated"), so it is the fallback, for a test's own
 * sessions left open.
 */
export async function dropDatabase(client: pg.ClientBase, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(attempt % 2 === 1 ? `DROP DATABASE IF EXISTS "${name}"` : `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
