// Prints the URL of a new, empty PostgreSQL database on PG_TEST_URL's server,
// for e2e/serve.sh's PostgreSQL archive (each e2e run gets its own).
import { createTestDatabase } from "../test/support/postgres";

const database = await createTestDatabase("e2e");
process.stdout.write(`${database.url}\n`);
