import fs from "node:fs";
import { gunzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import { splitMbox } from "../lib/mail/mbox";
import { unwrapMboxrd } from "../test/support/mboxrd";
import { anchorId, midToUrl } from "../lib/mail/mid";
import { skipPostgresWithoutServer } from "./backend";

skipPostgresWithoutServer();

const PATCH_MID = "20191114031202.18012-2-nramas@linux.microsoft.com";
const COVER_MID = "20191114031202.18012-1-nramas@linux.microsoft.com";
const ODD_MIDS = ["odd+plus=eq@example.org", "slash/and%percent@example.org", "hash#q?mark~t@example.org"];

async function fixtureMessages(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const m of splitMbox([fs.readFileSync("e2e/fixtures/oddities.mbox")])) out.push(m.raw);
  return out;
}

test("a message page shows headers, a coloured patch, reply instructions and the thread", async ({ page }) => {
  await page.goto(`/linux-integrity/${PATCH_MID}/`);
  await expect(page).toHaveTitle(/IMA: Add KEY_CHECK func to measure keys/);
  await expect(page.locator("pre.headers")).toContainText("From: Lakshmi Ramasubramanian <nramas@linux.microsoft.com>");
  await expect(page.locator("pre.headers")).toContainText(`Message-ID: <${PATCH_MID}>`);
  await expect(page.locator("pre.body .head").first()).toContainText("diff --git a/Documentation/ABI/testing/ima_policy");
  await expect(page.locator("pre.body .hunk").first()).toContainText("@@ -29,7 +29,7 @@");
  await expect(page.locator("pre.body .add").first()).toContainText("[KEXEC_CMDLINE] [KEY_CHECK]");
  await expect(page.locator("pre.body .del").first()).toBeVisible();
  await expect(page.locator("#R pre")).toContainText(`--in-reply-to='<${PATCH_MID}>'`);
  const mailto = await page.getByRole("link", { name: "reply by mail" }).getAttribute("href");
  expect(new URL(mailto!).searchParams.get("In-Reply-To")).toBe(`<${PATCH_MID}>`);
  const current = page.locator("ul.skeleton li[aria-current=true]");
  await expect(current).toContainText("IMA: Add KEY_CHECK func to measure keys");
  await expect(page.locator("ul.skeleton li")).toHaveCount(6);
});

test("flat and nested thread views carry every message with stable anchors", async ({ page }) => {
  for (const view of ["T", "t"]) {
    await page.goto(`/linux-integrity/${COVER_MID}/${view}/`);
    await expect(page.locator("article.message")).toHaveCount(6);
    await expect(page.locator(`article#${anchorId(PATCH_MID)}`)).toContainText("KEY_CHECK");
  }
  await page.goto(`/linux-integrity/${COVER_MID}/`);
  await page.getByRole("link", { name: "nested" }).click();
  await expect(page).toHaveURL(new RegExp(`/${COVER_MID}/t/$`));
});

test("without the trailing slash a message URL answers 301 for GET and HEAD, @ literal or %40", async ({ request }) => {
  for (const path of [`/linux-integrity/${COVER_MID}`, `/linux-integrity/${COVER_MID.replace("@", "%40")}`]) {
    for (const method of ["GET", "HEAD"] as const) {
      const response = await request.fetch(path, { method, maxRedirects: 0 });
      expect(response.status(), `${method} ${path}`).toBe(301);
      expect(new URL(response.headers().location!, "http://127.0.0.1").pathname).toBe(`${path}/`);
    }
  }
});

test("raw is the original message as a one-message mboxrd, byte for byte", async ({ request }) => {
  const originals = await fixtureMessages();
  const original = originals[0]!;
  const response = await request.get(`/oddities/${midToUrl("odd+plus=eq@example.org")}/raw`);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toMatch(/^text\/plain/);
  const body = await response.body();
  expect(body.subarray(0, 39).toString()).toBe("From mboxrd@z Thu Jan  1 00:00:00 1970\n");
  expect(original.includes(Buffer.from("\n>From the mboxrd rules"))).toBe(true);
  expect(body.includes(Buffer.from("\n>>From the mboxrd rules"))).toBe(true);
  expect(body.includes(Buffer.from("\n>>>From and this one"))).toBe(true);
  expect((await unwrapMboxrd(body)).equals(original)).toBe(true);
});

test("t.mbox.gz is the whole thread as gzipped mboxrd", async ({ request }) => {
  const response = await request.get(`/linux-integrity/${PATCH_MID}/t.mbox.gz`);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("application/gzip");
  const mids: string[] = [];
  for await (const m of splitMbox([gunzipSync(await response.body())])) {
    mids.push(/^Message-ID:\s*<([^>]+)>/im.exec(m.raw.toString("latin1"))?.[1] ?? "");
  }
  expect(mids).toHaveLength(6);
  expect(mids).toContain(COVER_MID);
  expect(mids).toContain(PATCH_MID);
});

test("Message-IDs with URL syntax round-trip through links and every route", async ({ page, request }) => {
  await page.goto("/oddities/");
  for (const mid of ODD_MIDS) {
    const path = `/oddities/${midToUrl(mid)}/`;
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    await page.goto(path);
    await expect(page.locator("pre.headers")).toContainText(`Message-ID: <${mid}>`);
    const raw = await request.get(`/oddities/${midToUrl(mid)}/raw`);
    expect(raw.status()).toBe(200);
    expect((await raw.text()).includes(`<${mid}>`)).toBe(true);
    expect((await request.get(`/oddities/${midToUrl(mid)}/T/`)).status()).toBe(200);
  }
});

test("hostile HTML-only mail is shown as text and nothing executes", async ({ page, baseURL }) => {
  const dialogs: string[] = [];
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => new URL(r.url()).origin !== new URL(baseURL!).origin && foreign.push(r.url()));
  await page.goto(`/oddities/${midToUrl("html-only@example.org")}/`);
  await expect(page.locator("pre.body")).toContainText("Visible HTML text.");
  await expect(page.locator("h1.subject")).toContainText("<img src=x onerror=alert('subject')> HTML only");
  await expect(page.locator("pre.headers")).toContainText("<script>alert('from')</script>");
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(errors).toEqual([]);
  expect(foreign).toEqual([]);
  expect(await page.locator("pre.body script, pre.body img, pre.body svg").count()).toBe(0);
});

test("a Latin-1 message is decoded, headers and body", async ({ page }) => {
  await page.goto(`/oddities/${midToUrl("latin1@example.org")}/`);
  await expect(page.locator("h1.subject")).toHaveText("Grüße in Latin-1");
  await expect(page.locator("pre.headers")).toContainText("Jörg Müller <joerg@example.org>");
  await expect(page.locator("pre.body")).toContainText("Grüße aus München, ça va très bien.");
});

test("attachments are listed and download with safe headers", async ({ page, request }) => {
  await page.goto(`/oddities/${midToUrl("attachments@example.org")}/`);
  const links = page.locator("ul.attachments a");
  await expect(links).toHaveCount(2);
  const html = await request.get((await links.nth(1).getAttribute("href"))!);
  expect(html.status()).toBe(200);
  expect(html.headers()["content-type"]).toBe("application/octet-stream");
  expect(html.headers()["content-disposition"]).toMatch(/^attachment; filename="evil.html"/);
  const patch = await request.get((await links.nth(0).getAttribute("href"))!);
  expect(patch.headers()["content-type"]).toMatch(/^text\/plain/);
  expect(await patch.text()).toContain("+new");
});

test("/all/<mid>/<file> and /<mid> lead to the list that has the message, as b4 and lei use them", async ({ request }) => {
  for (const suffix of ["", "raw", "t.atom"]) {
    const r = await request.get(`/all/${PATCH_MID}/${suffix}`, { maxRedirects: 0 });
    expect(r.status()).toBe(302);
    expect(new URL(r.headers().location!, "http://x").pathname).toBe(`/linux-integrity/${PATCH_MID}/${suffix}`);
  }
  const followed = await request.get(`/all/${PATCH_MID}/raw`);
  expect(followed.headers()["content-type"]).toContain("text/plain");
  const bare = await request.get(`/${PATCH_MID}`, { maxRedirects: 0 });
  expect(new URL(bare.headers().location!, "http://x").pathname).toBe(`/linux-integrity/${PATCH_MID}/`);
});

// e2e/fixtures/crosspost-a.mbox and crosspost-b.mbox: a patch sent to both
// lists, a reply to each only, a reply to both, and a question on one list
// answered on the other.
const XP_PATCH = "xp-patch@example.org";
const XP_CONVERSATION = [XP_PATCH, "xp-reply-a@example.org", "xp-reply-b@example.org", "xp-reply-b2@example.org", "xp-reply-both@example.org"];

test("each list shows its own copies of a cross-posted thread; /all/ shows the conversation across both", async ({ page }) => {
  const anchorsOn = async (url: string) => {
    expect((await page.goto(url))?.status()).toBe(200);
    // A message's anchor; the overview's entries add a suffix.
    return (await page.locator("[id^=m]").evaluateAll((els) => els.map((e) => e.id))).filter((id) => /^m[0-9a-f]+$/.test(id)).sort();
  };
  const anchors = (mids: string[]) => [...new Set(mids.map(anchorId))].sort();
  expect(await anchorsOn(`/crosspost-a/${XP_PATCH}/T/`)).toEqual(anchors([XP_PATCH, "xp-reply-a@example.org", "xp-reply-both@example.org"]));
  expect(await anchorsOn(`/crosspost-b/${XP_PATCH}/T/`)).toEqual(
    anchors([XP_PATCH, "xp-reply-b@example.org", "xp-reply-b2@example.org", "xp-reply-both@example.org"]),
  );
  expect(await anchorsOn(`/all/${XP_PATCH}/T/`)).toEqual(anchors(XP_CONVERSATION));
  await expect(page.locator("h1, h2").filter({ hasText: "check the keyring" })).toHaveCount(5);
  // Each message links to the list that stored it first.
  await expect(page.locator(`a[href="/crosspost-b/xp-reply-b@example.org/"]`).first()).toBeAttached();
  await expect(page.locator(`a[href="/crosspost-a/xp-reply-both@example.org/"]`).first()).toBeAttached();
  expect(await anchorsOn(`/all/xp-answer@example.org/t/`)).toEqual(anchors(["xp-question@example.org", "xp-answer@example.org"]));
});

test("/all/<mid>/t.mbox.gz holds the conversation across lists, each mail once", async ({ request }) => {
  const res = await request.get(`/all/${XP_PATCH}/t.mbox.gz`, { maxRedirects: 0 });
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("application/gzip");
  const mails: string[] = [];
  for await (const m of splitMbox([gunzipSync(await res.body())])) mails.push(/^Message-ID: <([^>]+)>/im.exec(m.raw.toString("latin1"))![1]!);
  expect(mails.sort()).toEqual([...XP_CONVERSATION].sort());
  expect((await request.get(`/crosspost-a/${XP_PATCH}/t.mbox.gz`)).status()).toBe(200);
});

test("/r/ and /all/<mid>/ send a reader to the list they came from when it holds the message, else to the first", async ({ request, baseURL }) => {
  const target = async (path: string, referer?: string) => {
    const r = await request.get(path, { maxRedirects: 0, headers: referer ? { Referer: referer } : {} });
    expect(r.status(), path).toBe(302);
    return new URL(r.headers().location!).pathname;
  };
  expect(await target(`/r/${XP_PATCH}`)).toBe(`/crosspost-a/${XP_PATCH}/`);
  expect(await target(`/all/${XP_PATCH}/`)).toBe(`/crosspost-a/${XP_PATCH}/`);
  expect(await target(`/r/${XP_PATCH}`, `${baseURL}/crosspost-b/`)).toBe(`/crosspost-b/${XP_PATCH}/`);
  expect(await target(`/all/${XP_PATCH}/raw`, `${baseURL}/crosspost-b/xp-reply-b@example.org/`)).toBe(`/crosspost-b/${XP_PATCH}/raw`);
  expect(await target(`/r/${XP_PATCH}`, `${baseURL}/linux-integrity/`)).toBe(`/crosspost-a/${XP_PATCH}/`);
  expect(await target(`/r/xp-reply-b@example.org`, `${baseURL}/crosspost-a/`)).toBe(`/crosspost-b/xp-reply-b@example.org/`);
});

test("/r/ and /all/ find a message in any list; unknown ids get suggestions", async ({ page, request }) => {
  const r = await request.get(`/r/${COVER_MID}`, { maxRedirects: 0 });
  expect([302, 303, 307, 308]).toContain(r.status());
  expect(new URL(r.headers().location!, "http://x").pathname).toBe(`/linux-integrity/${COVER_MID}/`);
  await page.goto(`/all/${PATCH_MID}/`);
  await expect(page).toHaveURL(new RegExp(`/linux-integrity/${PATCH_MID}/$`));
  const missing = await page.goto("/linux-integrity/20191114031202/");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Maybe you meant" })).toBeVisible();
  await expect(page.getByRole("link", { name: `<${COVER_MID}>` })).toBeVisible();
  expect((await request.get("/no-such-list/x@y/")).status()).toBe(404);
});

test("404 pages are real HTML, readable without JavaScript", async ({ request }) => {
  const cases: [string, RegExp][] = [
    ["/linux-integrity/20191114031202/", /<h2>Maybe you meant<\/h2>/],
    ["/linux-integrity/unknown@example.org/T/", /<h1>Message not found<\/h1>/],
    ["/r/unknown@example.org", /<h1>Message not found<\/h1>/],
    ["/r/unknown@example.org/", /<h1>Message not found<\/h1>/],
    ["/no-such-list/", /There is no list <strong>no-such-list<\/strong>/],
  ];
  for (const [path, body] of cases) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(404);
    expect(await response.text(), path).toMatch(body);
  }
});

test("message pages revalidate with an ETag", async ({ request }) => {
  const first = await request.get(`/linux-integrity/${PATCH_MID}/`);
  const etag = first.headers().etag!;
  expect(etag).toMatch(/^(W\/)?"[^"]+"$/);
  expect((await request.get(`/linux-integrity/${PATCH_MID}/`, { headers: { "If-None-Match": etag } })).status()).toBe(304);
  const other = await request.get(`/linux-integrity/${COVER_MID}/`);
  expect(other.headers().etag).not.toBe(etag);
});

test("raw and t.mbox.gz revalidate with ETag and Last-Modified", async ({ request }) => {
  for (const suffix of ["raw", "t.mbox.gz"]) {
    const first = await request.get(`/linux-integrity/${PATCH_MID}/${suffix}`);
    const etag = first.headers().etag!;
    expect(etag).toBeTruthy();
    expect(first.headers()["last-modified"]).toBeTruthy();
    const again = await request.get(`/linux-integrity/${PATCH_MID}/${suffix}`, { headers: { "If-None-Match": etag } });
    expect(again.status()).toBe(304);
  }
});

test("at 375 px wide nothing scrolls sideways", async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
  for (const path of ["/", "/linux-integrity/", `/linux-integrity/${PATCH_MID}/`, `/linux-integrity/${COVER_MID}/t/`]) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await page.close();
});

test("new.atom and t.atom are well-formed Atom 1.0", async ({ page, request }) => {
  for (const path of ["/linux-integrity/new.atom", `/linux-integrity/${PATCH_MID}/t.atom`, `/oddities/${midToUrl("html-only@example.org")}/t.atom`]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/^application\/atom\+xml/);
    const xml = await response.text();
    await page.goto("about:blank");
    const check = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "application/xml");
      return {
        error: doc.getElementsByTagName("parsererror").length,
        ns: doc.documentElement.namespaceURI,
        entries: doc.getElementsByTagName("entry").length,
      };
    }, xml);
    expect(check.error, path).toBe(0);
    expect(check.ns).toBe("http://www.w3.org/2005/Atom");
    expect(check.entries).toBeGreaterThan(0);
  }
});
