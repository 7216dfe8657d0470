import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";

// The real clients kernel developers point at lore (Debian's b4 0.12 and lei
// 1.9) run against the server over the committed sample. Each run gets a
// throw-away HOME (and XDG dirs), so no user config, cache or lei store leaks
// in or out. .ci/run installs both; without them these tests skip, so the
// README's test command still passes on a bare machine.
//
// CLIENTS_BASE_URL points the spec at another server, e.g. public-inbox-httpd
// built by ../shared/peer/ over the same sample, to check the spec itself.

const LIST = "linux-integrity";
// [PATCH v9 0/8] powerpc: a cover letter, all 8 patches and 20 review replies
// (29 messages): b4 am must pick the 8 patches out of the replies, in order.
const AM_COVER = "20191024034717.70552-1-nayna@linux.ibm.com";
// [PATCH v6 0/3] KEYS: v7 (5 patches) came the next day in its own thread, so
// b4 am -c only finds it through the POST ?x=m&t=1 search.
const V6_COVER = "20191113184658.2862-1-nramas@linux.microsoft.com";
const V7_COVER = "20191114031202.18012-1-nramas@linux.microsoft.com";
// [PATCH V4 0/2] arm64 ima measurement: 13 messages, replies nested 1..3 deep.
const MBOX_ROOT = "20191011003600.22090-1-prsriva@linux.microsoft.com";
// A reply 11 References deep in the 58-message "KEYS: asym_tpm" thread:
// lei q -t must return the whole thread, not just the hit or its descendants.
const DEEP_REPLY = "1570213491.3563.27.camel@HansenPartnership.com";
// A Message-ID with `+` (kept literal in lore URLs, %2B in the query lei sends).
const LCAT_MID = "CA+CK2bBVcE91YbJx1f_BkNqbD03wGLNtyane7PjCnEu8i_cH2Q@mail.gmail.com";

const RUN_TIMEOUT = 60_000;

function onPath(bin: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, bin), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const hasB4 = onPath("b4") && onPath("git");
// lei fetches remote externals with curl (not a package dependency of lei).
const hasLei = onPath("lei") && onPath("curl");

/** The archive's origin (no trailing slash): CLIENTS_BASE_URL or Playwright's baseURL. */
function originOf(baseURL: string | undefined): string {
  const origin = process.env.CLIENTS_BASE_URL ?? baseURL;
  if (!origin) throw new Error("no base URL: set CLIENTS_BASE_URL or Playwright's use.baseURL");
  return origin.replace(/\/+$/, "");
}

// ---------- the sample, parsed independently of the server and of lib/ ----------

interface Mail {
  mid: string;
  subject: string;
  from: string;
  /** Message-IDs in References and In-Reply-To. */
  refs: string[];
}

/** Splits an mbox (mboxrd, or b4's git-am mbox) at its From_ lines. */
function splitMbox(text: string): string[] {
  return text
    .replace(/\r\n/g, "\n")
    .split(/^From \S+ +\S.*\d{4}\n/m)
    .filter((chunk) => chunk.trim() !== "");
}

function parseMail(raw: string): Mail {
  const end = raw.indexOf("\n\n");
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\n[ \t]+/g, " ");
  const fields = new Map<string, string[]>();
  for (const line of head.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const one = (name: string) => fields.get(name)?.[0] ?? "";
  const mids = (value: string) => [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  return {
    mid: mids(one("message-id"))[0] ?? "",
    subject: one("subject").replace(/\s+/g, " "),
    from: one("from").replace(/\s+/g, " "),
    refs: [...mids(one("references")), ...mids(one("in-reply-to"))],
  };
}

/** The last paragraph of trailers above a patch's "---" line, as lines. */
function trailerBlock(raw: string): string[] {
  const body = raw.replace(/\r\n/g, "\n").slice(raw.indexOf("\n\n") + 2);
  const end = body.search(/^---$/m);
  const message = (end < 0 ? body : body.slice(0, end)).trimEnd().split("\n");
  const block: string[] = [];
  for (let i = message.length - 1; i >= 0 && /^[A-Za-z0-9-]+: \S/.test(message[i]!); i--) block.unshift(message[i]!);
  return block;
}

function readMbox(file: string): Mail[] {
  return splitMbox(fs.readFileSync(file, "latin1")).map(parseMail);
}

let sampleCache: Mail[] | undefined;
function sample(): Mail[] {
  sampleCache ??= splitMbox(gunzipSync(fs.readFileSync("samples/linux-integrity-sample.mbox.gz")).toString("latin1")).map(parseMail);
  return sampleCache;
}

function byMid(mid: string): Mail {
  const mail = sample().find((m) => m.mid === mid);
  if (!mail) throw new Error(`${mid} is not in the sample`);
  return mail;
}

/** Every Message-ID in the thread of `mid`: connected by References/In-Reply-To, missing parents included. */
function threadOf(mid: string): Set<string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const m of sample()) for (const ref of m.refs) parent.set(find(ref), find(m.mid));
  const root = find(mid);
  return new Set(sample().filter((m) => find(m.mid) === root).map((m) => m.mid));
}

/** The patches of the series under `cover`, by their m/n number, as [subject, mid]. */
function seriesOf(cover: string): Array<[string, string]> {
  const total = /\s0+\/(\d+)\]/.exec(byMid(cover).subject)?.[1];
  if (!total) throw new Error(`${cover} is not a cover letter`);
  const numbered = new RegExp(`^\\[PATCH[^\\]]*\\s(\\d+)/${total}\\]`);
  const patches = sample()
    .filter((m) => m.refs.includes(cover) && numbered.test(m.subject))
    .map((m) => ({ n: Number(numbered.exec(m.subject)![1]), m }))
    .sort((a, b) => a.n - b.n);
  expect(patches.map((p) => p.n)).toEqual(Array.from({ length: Number(total) }, (_, i) => i + 1));
  return patches.map((p) => [p.m.subject, p.m.mid]);
}

// ---------- running the clients ----------

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages (b4 logs to stderr). */
  output: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd, timeout: RUN_TIMEOUT, maxBuffer: 64 << 20, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      const signal = error && "signal" in error && error.signal ? `\n[killed by ${String(error.signal)}]` : "";
      resolve({ code, stdout, stderr: stderr + signal, output: `${stdout}\n${stderr}${signal}` });
    });
  });
}

const homes: string[] = [];
const leiEnvs: Array<{ env: NodeJS.ProcessEnv; home: string }> = [];

/** A throw-away HOME with its own XDG dirs and no inherited user config. */
function throwAwayHome(): { home: string; env: NodeJS.ProcessEnv } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "clients-"));
  homes.push(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LC_ALL: "C.UTF-8",
    TZ: "UTC",
    HOME: home,
    XDG_RUNTIME_DIR: path.join(home, "run"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local/share"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_STATE_HOME: path.join(home, ".local/state"),
    GIT_CONFIG_NOSYSTEM: "1",
  };
  fs.mkdirSync(env.XDG_RUNTIME_DIR!, { mode: 0o700 });
  return { home, env };
}

/** `scope`: the list b4's masks point at; "all" is lore's own default, /all/%s. */
function b4Home(origin: string, scope = LIST) {
  const { home, env } = throwAwayHome();
  // b4 reads its settings from git config; GIT_CONFIG_COUNT adds them without a file.
  const config: Array<[string, string]> = [
    ["b4.midmask", `${origin}/${scope}/%s`],
    ["b4.linkmask", `${origin}/${scope}/%s`],
    ["b4.searchmask", `${origin}/${LIST}/?x=m&t=1&q=%s`],
    // Without a user name and email b4 am exits 1 without a word.
    ["user.name", "Clients E2E"],
    ["user.email", "clients-e2e@example.org"],
    // DKIM attestation looks up DNS: no network in CI, and not what is tested here.
    ["b4.attestation-policy", "off"],
  ];
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  const out = path.join(home, "out");
  fs.mkdirSync(out);
  return { home, env, out };
}

function leiHome() {
  const { home, env } = throwAwayHome();
  leiEnvs.push({ env, home });
  return { home, env };
}

function onlyFile(dir: string, suffix: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(suffix));
  expect(files, `one *${suffix} in ${dir}`).toHaveLength(1);
  return path.join(dir, files[0]!);
}

test.afterAll(async () => {
  // Each lei HOME has its own lei-daemon (socket under XDG_RUNTIME_DIR): stop
  // every one, pass or fail, before its folder goes.
  for (const { env, home } of leiEnvs.splice(0)) await run("lei", ["daemon-kill"], env, home);
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

// ---------- the HTTP contract b4 relies on ----------

function rawRequest(url: string, method: string): Promise<{ status: number; location: string | undefined }> {
  // node:http, not fetch: nothing follows redirects or resolves a relative Location.
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

test("a message URL without the slash answers 301 with an absolute Location; no Location is relative", async ({ baseURL }) => {
  const origin = originOf(baseURL);
  const escaped = AM_COVER.replace("@", "%40");
  // b4 sends HEAD with %40 and splits the Location on "/" to find the list URL
  // (it re-quotes the Message-ID itself, so `@` and `%40` both work there).
  for (const mid of [escaped, AM_COVER]) {
    for (const method of ["HEAD", "GET"]) {
      const what = `${method} /${LIST}/${mid}`;
      const res = await rawRequest(`${origin}/${LIST}/${mid}`, method);
      expect(res.status, what).toBe(301);
      // Absolute, this origin, the message with its slash (decoded: `@` or `%40`).
      expect(decodeURIComponent(res.location ?? ""), what).toBe(`${origin}/${LIST}/${AM_COVER}/`);
    }
  }
  const paths = [
    `/${LIST}`,
    `/${LIST}/${AM_COVER}/T`,
    `/${LIST}/${AM_COVER}/t`,
    `/${LIST}/unknown-mid@example.org`,
    `/${LIST}/_/text/help`,
    `/${LIST}/?q=s:arm64&x=m`,
    `/r/${AM_COVER}`,
    `/all/${AM_COVER}/`,
    `/all/${escaped}/raw`,
    `/${AM_COVER}`,
  ];
  for (const p of paths) {
    for (const method of ["HEAD", "GET"]) {
      const { status, location } = await rawRequest(`${origin}${p}`, method);
      if (location === undefined) continue;
      expect(location, `${method} ${p} (${status})`).toMatch(/^https?:\/\//);
      expect(new URL(location).origin, `${method} ${p} (${status})`).toBe(origin);
    }
  }
});

// ---------- b4 ----------

test.describe("b4", () => {
  test.skip(!hasB4, "b4 not installed");
  test.describe.configure({ timeout: 3 * RUN_TIMEOUT });

  test("b4 am <cover letter> writes every patch of the series, in order", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env, out } = b4Home(origin);
    const r = await run("b4", ["am", "-o", out, AM_COVER], env, home);
    expect(r.code, r.output).toBe(0);
    const expected = seriesOf(AM_COVER);
    expect(expected).toHaveLength(8);
    expect(r.output).toContain(`Total patches: ${expected.length}`);
    const patches = readMbox(onlyFile(out, ".mbx"));
    expect(patches.map((m) => m.subject)).toEqual(expected.map(([subject]) => subject));
    expect(patches.map((m) => m.mid)).toEqual(expected.map(([, mid]) => mid));
    // The cover letter is written beside the patches.
    const cover = parseMail(fs.readFileSync(onlyFile(out, ".cover"), "latin1"));
    expect([cover.mid, cover.subject]).toEqual([AM_COVER, byMid(AM_COVER).subject]);
  });

  test("b4 mbox <mid> saves the whole thread", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env, out } = b4Home(origin);
    const r = await run("b4", ["mbox", "-o", out, MBOX_ROOT], env, home);
    expect(r.code, r.output).toBe(0);
    const thread = threadOf(MBOX_ROOT);
    expect(thread.size).toBe(13);
    expect(r.output).toContain(`${thread.size} messages in the thread`);
    const saved = readMbox(path.join(out, `${MBOX_ROOT}.mbx`));
    expect(saved).toHaveLength(thread.size);
    expect(new Set(saved.map((m) => m.mid))).toEqual(thread);
  });

  test("b4 mbox through lore's /all/ midmask saves the conversation from every list, each mail once", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env, out } = b4Home(origin, "all");
    // Cross-posted: the patch and one reply went to both lists, the other replies to one each.
    const patch = "xp-patch@example.org";
    const r = await run("b4", ["mbox", "-o", out, patch], env, home);
    expect(r.code, r.output).toBe(0);
    const saved = readMbox(path.join(out, `${patch}.mbx`));
    expect(saved.map((m) => m.mid).sort()).toEqual([
      "xp-patch@example.org", "xp-reply-a@example.org", "xp-reply-b2@example.org", "xp-reply-b@example.org", "xp-reply-both@example.org",
    ]);
  });

  test("b4 am and our series.mbox agree on every series of the sample: the same patches, order and trailers", async ({ baseURL }) => {
    test.setTimeout(15 * RUN_TIMEOUT);
    const origin = originOf(baseURL);
    // The series as our index lists them (the latest version of each).
    const roots: string[] = [];
    for (let page: string | null = `${origin}/${LIST}/_/series/`; page !== null; ) {
      const html: string = await (await fetch(page)).text();
      for (const m of html.matchAll(/href="\/[^/"]+\/_\/series\/([^/"]+)\/"/g)) {
        const mid = decodeURIComponent(m[1]!);
        if (!roots.includes(mid)) roots.push(mid);
      }
      const older: string | undefined = /href="[^"]*\/_\/series\/\?t=(\d+)"/.exec(html)?.[1];
      page = older ? `${origin}/${LIST}/_/series/?t=${older}` : null;
    }
    expect(roots.length, "series in the sample").toBeGreaterThan(20);
    // b4 am takes the newest revision in the thread of the Message-ID it is
    // given; ours is compared for the version holding b4's first patch.
    const compared = new Set<string>();
    for (const root of roots) {
      const { home, env, out } = b4Home(origin);
      const r = await run("b4", ["am", "-o", out, root], env, home);
      expect(r.code, `${root}: ${r.output}`).toBe(0);
      const mbx = fs.readdirSync(out).find((f) => f.endsWith(".mbx"));
      if (mbx === undefined) continue;
      const theirs = splitMbox(fs.readFileSync(path.join(out, mbx), "utf8"));
      const page = await (await fetch(`${origin}/${LIST}/${encodeURIComponent(parseMail(theirs[0]!).mid)}/`)).text();
      const version = /<nav class="series-box"[^]*?href="\/[^/"]+\/_\/series\/([^/"]+)\/"/.exec(page)?.[1];
      expect(version, `b4's first patch of ${root} belongs to a series of ours`).toBeDefined();
      if (compared.has(version!)) continue;
      compared.add(version!);
      const ours = splitMbox(await (await fetch(`${origin}/${LIST}/_/series/${version}/series.mbox`)).text());
      const summary = (mails: string[]) => mails.map((raw) => ({ subject: parseMail(raw).subject, trailers: trailerBlock(raw) }));
      expect(summary(ours), `series version ${decodeURIComponent(version!)} (b4 am ${root})`).toEqual(summary(theirs));
    }
    expect(compared.size, "series versions compared with b4").toBeGreaterThan(20);
  });

  test("b4 am -c finds the newer revision through POST ?x=m&t=1", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env, out } = b4Home(origin);
    const r = await run("b4", ["am", "-c", "-o", out, V6_COVER], env, home);
    expect(r.code, r.output).toBe(0);
    // b4 0.12 (mbox.py get_extra_series): the search POST, then what it added.
    expect(r.output).toContain("Checking for newer revisions");
    expect(r.output).toContain(`Grabbing search results from ${new URL(origin).host}`);
    expect(r.output).not.toContain("Server returned an error");
    const v7 = seriesOf(V7_COVER);
    // v7's cover letter and its 5 patches exist only in the search results.
    expect(r.output).toContain(`Added from v7: ${v7.length + 1} patches`);
    expect(r.output).toContain("Will use the latest revision: v7");
    const patches = readMbox(onlyFile(out, ".mbx"));
    expect(patches.map((m) => m.subject)).toEqual(v7.map(([subject]) => subject));
  });
});

// ---------- lei ----------

test.describe("lei", () => {
  test.skip(!hasLei, "lei (with curl) not installed");
  test.describe.configure({ timeout: 3 * RUN_TIMEOUT });

  test("lei q -I <list> 's:…' writes the hits", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env } = leiHome();
    const file = path.join(home, "hits.mbox");
    const r = await run("lei", ["q", "-I", `${origin}/${LIST}/`, "-o", `mboxrd:${file}`, "s:arm64"], env, home);
    expect(r.code, r.output).toBe(0);
    const expected = new Set(sample().filter((m) => /\barm64\b/i.test(m.subject)).map((m) => m.mid));
    expect(expected.size).toBe(12);
    expect(r.output).toContain(`${expected.size} written to ${file}`);
    const hits = readMbox(file);
    expect(hits).toHaveLength(expected.size);
    expect(new Set(hits.map((m) => m.mid))).toEqual(expected);
  });

  test("lei q -t m:<mid> gives the whole thread", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env } = leiHome();
    const file = path.join(home, "thread.mbox");
    const r = await run("lei", ["q", "-I", `${origin}/${LIST}/`, "-o", `mboxrd:${file}`, "-t", `m:${DEEP_REPLY}`], env, home);
    expect(r.code, r.output).toBe(0);
    const thread = threadOf(DEEP_REPLY);
    expect(thread.size).toBe(58);
    const got = readMbox(file);
    expect(got).toHaveLength(thread.size);
    expect(new Set(got.map((m) => m.mid))).toEqual(thread);
  });

  test("lei lcat <message URL> shows the message", async ({ baseURL }) => {
    const origin = originOf(baseURL);
    const { home, env } = leiHome();
    // A fresh lei store: the message can only come from the server.
    const r = await run("lei", ["lcat", "-I", `${origin}/${LIST}/`, `${origin}/${LIST}/${LCAT_MID}/`], env, home);
    expect(r.code, r.output).toBe(0);
    const mail = byMid(LCAT_MID);
    expect(r.stdout).toContain(`Message-ID: <${LCAT_MID}>`);
    expect(r.stdout).toContain(`Subject: ${mail.subject}`);
    expect(r.stdout).toContain(`From: ${mail.from}`);
  });
});
