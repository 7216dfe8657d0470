import fs from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// Playwright cannot download its own browsers on machines without general
// network access; Debian's Chromium works. CHROMIUM_PATH overrides; with
// neither, Playwright's own browser (npx playwright install chromium) is used.
const chromium = process.env.CHROMIUM_PATH ?? (fs.existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
const PORT = Number(process.env.E2E_PORT ?? 3100);
// With a PostgreSQL server to test on (PG_TEST_URL, as .ci/run provides),
// the reading and search tests run a second time against an archive stored in
// PostgreSQL, on the next port; without one they are listed as skipped.
const PG_PORT = PORT + 1;
const postgres = Boolean(process.env.PG_TEST_URL);
const BOTH_BACKENDS = /(reading|search)\.spec\.ts$/;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  reporter: [["list"]],
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: [
    { name: "chromium", use: { ...devices["Desktop Chrome"] } },
    {
      name: "postgres",
      testMatch: BOTH_BACKENDS,
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${PG_PORT}` },
      // Without PostgreSQL its tests are skipped one by one (e2e/backend.ts): Playwright cannot skip a whole project.
    },
  ],
  webServer: [
    {
      command: `bash e2e/serve.sh ${PORT}`,
      url: `http://127.0.0.1:${PORT}/`,
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    ...(postgres
      ? [{
          command: `bash e2e/serve.sh ${PG_PORT} postgres`,
          url: `http://127.0.0.1:${PG_PORT}/`,
          timeout: 300_000,
          reuseExistingServer: false,
          stdout: "pipe" as const,
          stderr: "pipe" as const,
        }]
      : []),
  ],
});
