// The "postgres" Playwright project runs some spec files a second time
// against an archive stored in PostgreSQL (playwright.config.ts). Without a
// PostgreSQL server to test on, its tests are skipped and say why.
import { test } from "@playwright/test";

export function skipPostgresWithoutServer(): void {
  test.beforeEach(({}, testInfo) => {
    testInfo.skip(testInfo.project.name === "postgres" && !process.env.PG_TEST_URL, "PostgreSQL not available: set PG_TEST_URL");
  });
}
