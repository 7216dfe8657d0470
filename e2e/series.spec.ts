import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

// The patch-series fixtures (test/fixtures/series/, ingested by e2e/serve.sh
// as the list "series"): a reviewer's walk from the series index to a
// version's mbox, applied with git am onto the fixtures' base tree.
const LIST = "series";
const V1 = "20240108090000.4242-1-ann@example.org";
const V3 = "20240219100000.6060-1-ann@example.org";
const V3_PATCH_2 = "20240219100000.6060-3-ann@example.org";

function hasGit(): boolean {
  try {
    execFileSync("git", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

test("the series index links each series to its latest version, with review marks per patch", async ({ page }) => {
  await page.goto(`/${LIST}/`);
  await page.getByRole("link", { name: "patch series" }).click();
  await expect(page).toHaveURL(new RegExp(`/${LIST}/_/series/$`));
  const row = page.locator("li", { has: page.getByRole("link", { name: "hello: add greeting options" }) });
  await expect(row).toContainText("v3");
  await expect(row).toContainText("3 versions");
  await expect(row.locator(".rv")).toHaveText(["R", "A", "A"]);
  await expect(page.locator("li", { has: page.getByRole("link", { name: "hello: tidy up main()" }) }).locator(".rv-x")).toHaveCount(1);
  // Two authors, one title: two series.
  await expect(page.getByRole("link", { name: "util: fix off-by-one in range check" })).toHaveCount(2);
  await expect(page.getByText("integrity: fixes for v6.9")).toHaveCount(0);
});

test("a series page: versions as a timeline, switching versions, trailers with who gave them", async ({ page }) => {
  await page.goto(`/${LIST}/_/series/`);
  await page.getByRole("link", { name: "hello: add greeting options" }).click();
  await expect(page).toHaveURL(new RegExp(`/_/series/${V3.replace(/\./g, "\\.")}/$`));
  const versions = page.locator("ol.series-versions > li");
  await expect(versions).toHaveCount(3);
  await expect(versions.nth(2)).toHaveAttribute("aria-current", "page");
  const patches = page.locator("ol.series-patches > li");
  await expect(patches).toHaveCount(3);
  await expect(patches.nth(2)).toContainText("Tested-by: Tom Tester <tom@example.net>");
  await expect(patches.nth(2)).toContainText("Acked-by: Mona Maintainer <mona@example.org>");

  await versions.nth(0).getByRole("link", { name: "v1" }).click();
  await expect(page).toHaveURL(new RegExp(`/_/series/${V1.replace(/\./g, "\\.")}/$`));
  await expect(page.locator("ol.series-versions > li").nth(0)).toHaveAttribute("aria-current", "page");
  await expect(page.locator("ol.series-patches")).not.toContainText("Reviewed-by");
});

test("a patch's message page says where it sits and links its other versions", async ({ page }) => {
  await page.goto(`/${LIST}/${V3_PATCH_2}/`);
  const box = page.getByRole("navigation", { name: "series" });
  await expect(box).toContainText("v3");
  await expect(box).toContainText("2/3");
  await box.getByRole("link", { name: "v1" }).click();
  await expect(page).toHaveURL(/20240108090000\.4242-3-ann@example\.org\/$/);
});

test("the series mbox applies with git am and carries every collected trailer", async ({ page, request }) => {
  test.skip(!hasGit(), "git is not installed");
  await page.goto(`/${LIST}/_/series/${V3}/`);
  const href = await page.getByRole("link", { name: "mbox for git am" }).getAttribute("href");
  const mbox = await (await request.get(new URL(href!, page.url()).toString())).body();
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), "series-am-"));
  try {
    fs.cpSync("test/fixtures/series/base", repo, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=E2E", "-c", "user.email=e2e@example.org", ...args], { cwd: repo, input: args[0] === "am" ? mbox : undefined }).toString();
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "base");
    git("am", "-q");
    const log = git("log", "--format=%s%n%b%n--", "-3", "--reverse");
    const commits = log.split("\n--\n").filter((c) => c.trim() !== "");
    expect(commits.map((c) => c.split("\n")[0])).toEqual([
      "hello: take the greeting from HELLO_GREETING",
      "hello: add a --shout option",
      "README: document HELLO_GREETING and --shout",
    ]);
    expect(commits[0]).toContain("Reviewed-by: Rita Reviewer <rita@example.com>");
    expect(commits[0]).toContain("Acked-by: Mona Maintainer <mona@example.org>");
    expect(commits[2]).toContain("Tested-by: Tom Tester <tom@example.net>");
    expect(commits[1]).not.toContain("Reviewed-by");
  } finally {
    fs.rmSync(repo, { recursive: true, force: true });
  }
});

test("on a phone, a 300-patch series wraps instead of scrolling sideways", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`/${LIST}/_/series/`);
  const row = page.locator("li", { has: page.getByRole("link", { name: "5.10.999-rc1 review" }) });
  await expect(row.locator(".rv")).toHaveCount(300);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(375);
});

test("what changed between versions: from the series page to the interdiff, unchanged patches folded", async ({ page }) => {
  await page.goto(`/${LIST}/_/series/${V3}/`);
  await page.getByRole("link", { name: "what changed from v2 to v3" }).click();
  await expect(page).toHaveURL(/\/vs\/20240129093000\.5151-1-ann@example\.org\/$/);
  await expect(page.locator("h1")).toContainText("v2 → v3");
  await expect(page.locator("section.interdiff-pair")).toHaveCount(1);
  await expect(page.locator(".interdiff-unchanged")).toContainText("1/3");
  await page.getByRole("link", { name: "v1", exact: true }).first().click();
  await expect(page).toHaveURL(/\/vs\/20240108090000\.4242-1-ann@example\.org\/$/);
  await expect(page.locator("pre.interdiff .add").filter({ hasText: "toupper" }).first()).toBeVisible();
});

test("the series index searches cover letters with lore's query language, and has an Atom feed", async ({ page, request }) => {
  await page.goto(`/${LIST}/_/series/`);
  await page.getByRole("searchbox", { name: "Search series" }).fill("s:fast_sum");
  await page.getByRole("button", { name: "search series" }).click();
  await expect(page).toHaveURL(/\?q=s%3Afast_sum$/);
  await expect(page.locator("ul.series-list > li")).toHaveCount(1);
  await expect(page.locator("ul.series-list > li")).toContainText("v2");
  const feed = await (await request.get(`/${LIST}/_/series/new.atom`)).text();
  expect(feed).toContain("<feed");
  expect(feed.match(/<entry>/g)?.length).toBeGreaterThan(5);
  expect(feed).toContain("util: fix off-by-one in range check");
});
