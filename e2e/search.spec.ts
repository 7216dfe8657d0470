import zlib from "node:zlib";
import { expect, test } from "@playwright/test";
import { skipPostgresWithoutServer } from "./backend";

skipPostgresWithoutServer();

// Search on the production server over the linux-integrity sample (439
// messages, e2e/serve.sh). No client JS is involved: forms and links only.

const LIST = "/linux-integrity/";

test("type a query, submit, see marked results, follow one, share the URL", async ({ page, browser }) => {
  await page.goto(LIST);
  await page.getByRole("searchbox", { name: "Search query" }).fill("ima_appraise");
  await page.getByRole("button", { name: "search" }).click();
  await expect(page).toHaveURL(/\/linux-integrity\/\?q=ima_appraise$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/\d+ results for/);
  await expect(page.getByRole("searchbox", { name: "Search query" })).toHaveValue("ima_appraise");
  const hits = page.locator("ul.results > li");
  expect(await hits.count()).toBeGreaterThan(5);
  await expect(hits.first().locator("mark").first()).toHaveText(/ima_appraise/i);
  const subjects = await hits.locator("> a").allInnerTexts();
  const sharedUrl = page.url();

  // The hit links to the message page, lore's /<list>/<mid>/.
  const first = hits.first().locator("> a");
  const href = (await first.getAttribute("href")) ?? "";
  expect(href).toMatch(/^\/linux-integrity\/[^/?#]+@[^/?#]+\/$/);
  const response = await page.request.get(href);
  expect(response.status()).toBe(200);
  await first.click();
  await expect(page).toHaveURL(new RegExp(`${href.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));

  // Someone else opens the shared URL and sees the same results.
  const other = await browser.newPage();
  await other.goto(sharedUrl);
  await expect(other.getByRole("searchbox", { name: "Search query" })).toHaveValue("ima_appraise");
  expect(await other.locator("ul.results > li > a").allInnerTexts()).toEqual(subjects);
  await other.close();
});

test("relevance order, paging with o=, threads view", async ({ page }) => {
  await page.goto(`${LIST}?q=f:zohar`);
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toContainText(/results for/);
  const total = Number((await heading.innerText()).match(/^([\d,]+) results/)?.[1]?.replace(/,/g, ""));
  expect(total).toBeGreaterThan(50);
  await expect(page.locator("ul.results > li")).toHaveCount(50);
  await page.getByRole("link", { name: /^next/ }).click();
  await expect(page).toHaveURL(/[?&]o=50/);
  await expect(page.locator("ul.results > li")).toHaveCount(Math.min(50, total - 50));
  await expect(heading).toContainText("showing 51");

  await page.goto(`${LIST}?q=ima+policy`);
  await page.getByRole("link", { name: "relevance", exact: true }).click();
  await expect(page).toHaveURL(/&r$/);
  await expect(page.locator(".switches strong", { hasText: "relevance" })).toBeVisible();

  await page.getByRole("link", { name: "threads", exact: true }).click();
  await expect(page).toHaveURL(/x=t/);
  const groups = page.locator("main > ul.threads > li");
  expect(await groups.count()).toBeGreaterThan(0);
  await expect(groups.first().locator("ul.threads > li").first()).toBeVisible();
});

test("x=A is a well-formed Atom feed", async ({ page, request }) => {
  const response = await request.get(`${LIST}?q=s:ima&x=A`);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("application/atom+xml");
  const xml = await response.text();
  await page.goto(LIST);
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    return {
      error: doc.getElementsByTagName("parsererror").length,
      root: doc.documentElement.namespaceURI,
      entries: doc.getElementsByTagName("entry").length,
      link: doc.querySelector("entry > link")?.getAttribute("href") ?? "",
    };
  }, xml);
  expect(parsed.error).toBe(0);
  expect(parsed.root).toBe("http://www.w3.org/2005/Atom");
  expect(parsed.entries).toBeGreaterThan(0);
  expect(parsed.link).toMatch(/\/linux-integrity\/[^/]+\/$/);
  const bad = await request.get(`${LIST}?q=${encodeURIComponent('s:"oops')}&x=A`);
  expect(bad.status()).toBe(400);
  expect(await bad.text()).toContain("Unbalanced quote");
});

test("POST x=m (what lei and b4 send) returns gzipped mboxrd of every hit; t=1 whole threads", async ({ page, request }) => {
  const q = 's:"ima-evm-utils"';
  await page.goto(`${LIST}?q=${encodeURIComponent(q)}`);
  const total = Number((await page.getByRole("heading", { level: 1 }).innerText()).match(/^(\d+) result/)?.[1]);
  expect(total).toBeGreaterThan(0);

  const response = await request.post(`${LIST}?q=${encodeURIComponent(q)}&x=m`, { data: "" });
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("application/gzip");
  const mbox = zlib.gunzipSync(await response.body()).toString("latin1");
  expect(mbox.startsWith("From mboxrd@z Thu Jan  1 00:00:00 1970\n")).toBe(true);
  expect(mbox.match(/^From mboxrd@z /gm)?.length).toBe(total);

  const threads = await request.post(`${LIST}?q=${encodeURIComponent(q)}&x=m&t=1`, { data: "" });
  expect(threads.status()).toBe(200);
  const whole = zlib.gunzipSync(await threads.body()).toString("latin1");
  expect(whole.match(/^From mboxrd@z /gm)?.length).toBeGreaterThanOrEqual(total);

  const bad = await request.post(`${LIST}?q=${encodeURIComponent("((ima")}&x=m`, { data: "" });
  expect(bad.status()).toBe(400);
  expect(bad.headers()["content-type"]).toContain("text/plain");
  const none = await request.post(`${LIST}?q=zzqqxxnothing&x=m`, { data: "" });
  expect(none.status()).toBe(404);
});

test("a GET with x=m shows a button that POSTs the download", async ({ page }) => {
  await page.goto(`${LIST}?q=ima_appraise&x=m`);
  const button = page.getByRole("button", { name: "download mbox.gz", exact: true });
  await expect(button).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
  expect(download.suggestedFilename()).toMatch(/\.mbox\.gz$/);
  const path = await download.path();
  const fs = await import("node:fs");
  const text = zlib.gunzipSync(fs.readFileSync(path)).toString("latin1");
  expect(text.match(/^From mboxrd@z /gm)?.length).toBeGreaterThan(5);
});

test("no hits answers 404 with a readable page", async ({ page }) => {
  const response = await page.goto(`${LIST}?q=zzqqxxnothing`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("No results found");
  await expect(page.getByRole("searchbox", { name: "Search query" })).toBeVisible();
  const all = await page.goto(`/all/?q=zzqqxxnothing`);
  expect(all?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("No results found");
});

// A search without hits is a 404 (as on lore) whose page is plain HTML:
// pinned here without a browser.
test("the no-hits 404 page is readable without JavaScript and echoes the query", async ({ request }) => {
  const raw = await request.get(`${LIST}?q=zzqqxxnothing`);
  expect(raw.status()).toBe(404);
  const html = await raw.text();
  expect(html).toMatch(/<h1>No results found<\/h1>/);
  expect(html).toMatch(/<code>zzqqxxnothing<\/code>/);
});

test("a malformed query shows a readable message, never a 500", async ({ page }) => {
  for (const q of ['s:"unbalanced', "((ima", "d:notadate", "x".repeat(3000), Array(40).fill("a").join("_")]) {
    const response = await page.goto(`${LIST}?q=${encodeURIComponent(q)}`);
    expect(response?.status(), q).toBe(200);
    await expect(page.locator("main [role=alert]")).toContainText(/Unbalanced quote|Missing|Bad date|too long|at most/);
    await expect(page.getByRole("searchbox", { name: "Search query" })).toHaveValue(q);
  }
  for (const q of ["NEAR(ima policy)", "*", ")", "AND", "'; DROP TABLE Message; --"]) {
    const response = await page.goto(`${LIST}?q=${encodeURIComponent(q)}`);
    expect([200, 404], q).toContain(response?.status());
  }
});

test("search across lists at /all/, help as text and inline", async ({ page, request }) => {
  await page.goto("/all/?q=f:zohar");
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/results for .*in all lists/);
  await expect(page.locator("ul.results > li").first()).toContainText("linux-integrity");
  const bare = await request.get("/all/", { maxRedirects: 0 });
  expect(bare.status()).toBe(302);
  expect(bare.headers().location).toBe(new URL("/", bare.url()).toString());

  const help = await request.get(`${LIST}_/text/help/`);
  expect(help.status()).toBe(200);
  expect(help.headers()["content-type"]).toContain("text/plain");
  expect(await help.text()).toContain("s:");

  await page.goto(LIST);
  await page.getByText("search syntax").click();
  await expect(page.locator("details.search-help")).toContainText("f:");
});
