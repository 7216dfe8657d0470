import { expect, test } from "@playwright/test";

test("the front page lists the ingested lists with message counts", async ({ page }) => {
  await page.goto("/");
  const entry = page.locator("li", { has: page.getByRole("link", { name: "linux-integrity" }) });
  await expect(entry).toContainText("439 messages");
  await expect(entry).toContainText("linux-integrity@vger.kernel.org");
});

test("a list page shows the newest threads first", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "linux-integrity" }).click();
  await expect(page).toHaveURL(/\/linux-integrity\/$/);
  await expect(page).toHaveTitle(/linux-integrity/);
  const threads = page.locator("ul.threads > li");
  await expect(threads.first()).toContainText("[PATCH v10 0/9] powerpc: Enabling IMA arch specific secure boot policies");
  const lastDates = await threads.locator(".meta").allInnerTexts();
  const stamps = lastDates.map((t) => (t.match(/last (\S+ \S+)/) ?? t.match(/(\d{4}-\d\d-\d\d \d\d:\d\d)/))?.[1] ?? "");
  expect(stamps.length).toBeGreaterThan(20);
  expect([...stamps].sort().reverse()).toEqual(stamps);

  // 50 threads a page: the sample's 55 threads continue on an older page, and back.
  expect(await threads.count()).toBe(50);
  await page.getByRole("link", { name: "older" }).click();
  await expect(page).toHaveURL(/\/linux-integrity\/\?t=\d{14}$/);
  expect(await threads.count()).toBe(5);
  const olderStamps = await threads.locator(".meta").allInnerTexts();
  const firstOlder = (olderStamps[0]!.match(/last (\S+ \S+)/) ?? olderStamps[0]!.match(/(\d{4}-\d\d-\d\d \d\d:\d\d)/))?.[1] ?? "";
  expect(firstOlder <= stamps[stamps.length - 1]!).toBe(true);
  await page.getByRole("link", { name: "newer" }).click();
  expect(await threads.count()).toBe(50);
});

test("an unknown list answers 404", async ({ page }) => {
  const response = await page.goto("/no-such-list/");
  expect(response?.status()).toBe(404);
});
