// Hostile and broken mail end to end, minus the browser: every fixture in
// test/fixtures/hostile/ (plus the big ones built here: a 20 MB attachment,
// 1 MB single-line headers, a 50-deep multipart, hundreds of folded
// References) goes through the real ingest() into a fresh migrated DB. Then,
// for every input message: it is stored byte for byte or counted as failed
// with a reason; stored ones load through the page's own queries, render
// through the page components with nothing from the mail becoming markup,
// and come back byte for byte from /raw, t.mbox.gz and the attachment route.
// e2e/hostile.spec.ts runs the small fixtures in Chromium.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import type { IngestCounts } from "../lib/store/types";
import { ensureSchema } from "../lib/store/sqlite/ensure-schema";
import { ingest } from "../lib/ingest/ingest";
import { formatMboxrd, splitMbox, type MboxVariant } from "../lib/mail/mbox";
import { unwrapMboxrd } from "./support/mboxrd";
import { midToUrl } from "../lib/mail/mid";
import { MessageBody } from "../app/_ui/message-body";
import { MessageView } from "../app/_ui/message-view";
import { SqliteReader } from "../lib/store/sqlite/reader";
import { startArchiveServer, type RunningServer } from "./support/archive-server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "hostile");
const E2E_MBOX = path.join(ROOT, "e2e", "fixtures", "hostile.mbox");
const LIST = "hostile";
const MB = 1 << 20;

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-test-"));
const DB = path.join(TMP, "hostile.db");
let server: RunningServer | null = null;
let reader: SqliteReader | null = null;

/** The real HTTP server over the test DB, started on first use. */
async function archive(): Promise<RunningServer> {
  server ??= await startArchiveServer(DB);
  return server;
}

function store(): SqliteReader {
  reader ??= new SqliteReader(DB);
  return reader;
}

after(async () => {
  await server?.close();
  reader?.close();
  if (!process.env.KEEP_HOSTILE_TMP) fs.rmSync(TMP, { recursive: true, force: true });
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

// ---------------------------------------------------------------------------
// Inputs

/** Mail too big to commit (or pointless to store): built here, one oddity each. */
function generatedFixtures(): Map<string, Buffer> {
  const head = (mid: string, subject: string, extra = "") =>
    `From: Big Sender <big@example.org>\nTo: list@example.org\nSubject: ${subject}\n` +
    `Date: Tue, 02 Jan 2024 00:00:00 +0000\nMessage-ID: <${mid}>\n${extra}`;
  const out = new Map<string, Buffer>();
  // mailsplit refuses a header block over 1 MB (its DoS limit): counted as failed.
  out.set("header-1mb-subject.eml", Buffer.from(`${head("subject-1mb@example.org", "S".repeat(MB))}\nA 1 MB Subject line.\n`));
  out.set("header-1mb-field.eml", Buffer.from(`${head("field-1mb@example.org", "1 MB X-Junk", `X-Junk: ${"j ".repeat(MB / 2)}\n`)}\nA 1 MB header field.\n`));
  // Just under the limit, on one line: stored, with all 30k addresses parsed.
  const to = Array.from({ length: 30_000 }, (_, i) => `u${i}@example.org`).join(", ");
  out.set("header-to-600k.eml", Buffer.from(`${head("to-600k@example.org", "30,000 recipients on one line").replace("To: list@example.org", `To: ${to}`)}\nMany recipients.\n`));
  const refs = (n: number, sep: string) => Array.from({ length: n }, (_, i) => `<ref${i}.chain@example.org>`).join(sep);
  out.set("references-500-folded.eml", Buffer.from(`${head("refs-500@example.org", "500 folded References", `References: ${refs(500, "\n\t")}\nIn-Reply-To: <ref499.chain@example.org>\n`)}\nHundreds of references.\n`));
  out.set("references-20k-one-line.eml", Buffer.from(`${head("refs-20k@example.org", "20,000 References on one line", `References: ${refs(20_000, " ")}\n`)}\nA very long References line.\n`));
  let body = "The innermost part, 50 multiparts deep.\n";
  let type = "text/plain; charset=utf-8";
  for (let depth = 50; depth >= 1; depth--) {
    body = `--nest${depth}\nContent-Type: ${type}\n\n${body}\n--nest${depth}--\n`;
    type = `multipart/mixed; boundary="nest${depth}"`;
  }
  out.set("multipart-nested-50.eml", Buffer.from(`${head("nested-50@example.org", "50-deep multipart", `MIME-Version: 1.0\nContent-Type: ${type}\n`)}\n${body}`));
  const attachment = Buffer.alloc(20 * MB);
  for (let i = 0; i < attachment.length; i++) attachment[i] = (i * 7919) & 0xff;
  out.set("attachment-20mb.eml", Buffer.from(
    `${head("attachment-20mb@example.org", "a 20 MB attachment", 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="ATT"\n')}\n` +
      "--ATT\nContent-Type: text/plain\n\nA 20 MB binary attachment follows.\n" +
      '--ATT\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="big.bin"\n\n' +
      attachment.toString("base64").replace(/.{76}/g, "$&\n") +
      "\n--ATT--\n",
  ));
  out.set("body-1mb-one-line.eml", Buffer.from(`${head("body-1mb@example.org", "a 1 MB body line")}\n${"<b>".repeat(MB / 3)}\n`));
  return out;
}

/** The generated fixtures that may be refused (mailsplit's 1 MB header limit); everything else must be stored. */
const MAY_FAIL = new Set(["header-1mb-subject.eml", "header-1mb-field.eml"]);

/**
 * Known bugs outside this suite's reach, checked by a `todo` test below (it
 * reports, it does not fail the run). Drop an entry once the fix lands.
 */
const KNOWN_BUGS: Record<string, string> = {};

interface Input {
  /** Fixture file name, and "#n" for the n-th message of an mbox. */
  label: string;
  raw: Buffer;
}

interface Source {
  file: string;
  variant: MboxVariant;
  inputs: Input[];
}

async function splitAll(data: Buffer, variant: MboxVariant): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const m of splitMbox([data], { variant })) out.push(m.raw);
  return out;
}

function committedFixtures(): string[] {
  return fs.readdirSync(FIXTURES).filter((name) => /\.(eml|mbox|mboxo)$/.test(name)).sort();
}

/**
 * .eml files (committed and generated) go in as a Maildir, read whole, so
 * their bytes are exactly the file; .mbox files as mboxrd, .mboxo as mboxo.
 */
async function buildSources(): Promise<Source[]> {
  const maildir = path.join(TMP, "maildir", "cur");
  fs.mkdirSync(maildir, { recursive: true });
  const emls: Input[] = [];
  const sources: Source[] = [];
  for (const name of committedFixtures()) {
    const data = fs.readFileSync(path.join(FIXTURES, name));
    if (name.endsWith(".eml")) {
      emls.push({ label: name, raw: data });
    } else {
      const variant: MboxVariant = name.endsWith(".mboxo") ? "mboxo" : "mboxrd";
      const raws = await splitAll(data, variant);
      sources.push({ file: path.join(FIXTURES, name), variant, inputs: raws.map((raw, i) => ({ label: `${name}#${i + 1}`, raw })) });
    }
  }
  for (const [name, raw] of generatedFixtures()) emls.push({ label: name, raw });
  for (const { label, raw } of emls) fs.writeFileSync(path.join(maildir, label), raw);
  // Maildir files are read in name order.
  emls.sort((a, b) => (a.label < b.label ? -1 : 1));
  sources.unshift({ file: path.dirname(maildir), variant: "mboxrd", inputs: emls });
  return sources;
}

// ---------------------------------------------------------------------------
// Markup checks

// What mail may turn into: the body renderer's allow-list plus the message
// view's own frame. Anything else in the markup came from the mail.
const BODY_TAGS = new Set(["pre", "span", "a", "details", "summary"]);
const BODY_ATTRS = new Set(["class", "href", "rel"]);
// The document shell (no <script>, ever) plus the page components.
const DOCUMENT_TAGS = ["html", "head", "meta", "title", "link", "body"];
const PAGE_TAGS = new Set([...BODY_TAGS, ...DOCUMENT_TAGS, "main", "div", "article", "h1", "h2", "nav", "ul", "li", "hr", "section", "p", "code", "strong"]);
const PAGE_ATTRS = new Set([...BODY_ATTRS, "lang", "charset", "name", "content", "rel", "id", "role", "title", "aria-labelledby", "aria-label", "aria-current", "download", "style"]);
// The page's own relative links: T/, t/, t.mbox.gz, ../T/ ...
const RELATIVE_LINK = /^(\.\.\/)?[A-Za-z][A-Za-z0-9.]*\/?$/;
const SAFE_LINK = /^(https?|ftp):\/\//i;

interface Markup {
  tags: Set<string>;
  attrs: Set<string>;
  hrefs: string[];
  styles: string[];
}

// renderToStaticMarkup escapes < > & " in text and attribute values, so every
// "<" in its output starts a real tag and every name=" is a real attribute.
function scan(html: string): Markup {
  const tags = new Set<string>();
  const attrs = new Set<string>();
  const hrefs: string[] = [];
  const styles: string[] = [];
  for (const tag of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    tags.add(tag[1]!.toLowerCase());
    for (const attr of tag[2]!.matchAll(/\s([^\s="]+)(?:="([^"]*)")?/g)) {
      const name = attr[1]!.toLowerCase();
      attrs.add(name);
      if (name === "href") hrefs.push(unescapeAttr(attr[2] ?? ""));
      if (name === "style") styles.push(attr[2] ?? "");
    }
  }
  return { tags, attrs, hrefs, styles };
}

function unescapeAttr(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function assertBodyMarkup(html: string, label: string): void {
  const m = scan(html);
  for (const tag of m.tags) assert.ok(BODY_TAGS.has(tag), `${label}: <${tag}> in the rendered body`);
  for (const attr of m.attrs) assert.ok(BODY_ATTRS.has(attr), `${label}: attribute ${attr} in the rendered body`);
  for (const href of m.hrefs) assert.match(href, SAFE_LINK, `${label}: body link ${href}`);
}

function assertPageMarkup(html: string, label: string): void {
  const m = scan(html);
  for (const tag of m.tags) assert.ok(PAGE_TAGS.has(tag), `${label}: <${tag}> on the page`);
  for (const attr of m.attrs) assert.ok(PAGE_ATTRS.has(attr), `${label}: attribute ${attr} on the page`);
  for (const href of m.hrefs) {
    // Same-origin paths, fragments, the page's relative links, the web and mailto: (reply by mail).
    const ok = (href.startsWith("/") && !href.startsWith("//")) || href.startsWith("#") || RELATIVE_LINK.test(href) || SAFE_LINK.test(href) || href.startsWith("mailto:");
    assert.ok(ok, `${label}: link ${href}`);
    assert.doesNotMatch(href, /^\s*(javascript|data|vbscript):/i);
  }
  // Only the app's own indentation styles (thread views), never mail CSS.
  for (const style of m.styles) assert.match(style, /^(margin-left|padding-left):\d+(\.\d+)?ch$/, `${label}: style ${style}`);
}

// ---------------------------------------------------------------------------
// The run

interface Outcome {
  counts: IngestCounts;
  failures: Map<string, string>;
}

let sources: Source[] = [];
const outcomes: Outcome[] = [];
let rowsByHash = new Map<string, { id: number; messageId: string; raw: Buffer; threadId: number }>();

async function ingestAll(): Promise<Outcome[]> {
  const result: Outcome[] = [];
  for (const source of sources) {
    const failures = new Map<string, string>();
    const counts = await ingest({
      dbFile: DB,
      list: { name: LIST, description: "hostile and broken mail" },
      sources: [source.file],
      variant: source.variant,
      workers: 0,
      batchSize: 16,
      onFailure: (position, reason) => failures.set(position, reason),
    });
    result.push({ counts, failures });
  }
  return result;
}

before(async () => {
  ensureSchema(DB, ROOT);
  sources = await buildSources();
  outcomes.push(...(await ingestAll()));
  const db = new Database(DB, { readonly: true });
  try {
    const rows = db.prepare(`SELECT m.id, m.messageId, m.rawHash, mail.raw, m.threadId FROM "Message" m JOIN "Mail" mail ON mail.id = m.mailId ORDER BY m.id`).all() as Array<{
      id: number; messageId: string; rawHash: string; raw: Buffer; threadId: number;
    }>;
    rowsByHash = new Map(rows.map((r) => [r.rawHash, r]));
  } finally {
    db.close();
  }
});

/** Every input message with the DB row that holds it, or the failure that explains it. */
function classified() {
  const out: Array<{ input: Input; row?: { id: number; messageId: string; raw: Buffer; threadId: number }; failure?: string }> = [];
  sources.forEach((source, s) => {
    const failures = [...outcomes[s]!.failures.entries()];
    source.inputs.forEach((input, i) => {
      const row = rowsByHash.get(sha256(input.raw));
      // Maildir positions are file paths; mbox positions say "message N at byte B".
      const failure = failures.find(([position]) =>
        source.file.endsWith(".mbox") || source.file.endsWith(".mboxo")
          ? position.startsWith(`${source.file}: message ${i + 1} at byte`)
          : path.basename(position) === input.label,
      )?.[1];
      out.push({ input, row, failure });
    });
  });
  return out;
}

describe("hostile fixtures through ingest", () => {
  test("the committed fixtures stay small and are each one oddity in a named file", async () => {
    const names = committedFixtures();
    const bytes = names.reduce((n, name) => n + fs.statSync(path.join(FIXTURES, name)).size, 0);
    assert.ok(names.length >= 50, `${names.length} fixtures`);
    assert.ok(bytes < 200 * 1024, `committed hostile fixtures hold ${bytes} bytes`);
    const readme = fs.readFileSync(path.join(FIXTURES, "README.md"), "utf8");
    for (const name of names) assert.ok(readme.includes(`\`${name}\``), `README.md describes ${name}`);
    for (const name of generatedFixtures().keys()) assert.ok(readme.includes(`\`${name}\``), `README.md describes generated ${name}`);
  });

  test("nothing crashes and the counts add up: added + duplicate + failed = messages in the input", (t) => {
    let total = 0;
    const sum = { added: 0, duplicate: 0, variant: 0, repaired: 0, failed: 0 };
    sources.forEach((source, s) => {
      const { counts, failures } = outcomes[s]!;
      const label = path.basename(source.file);
      assert.equal(counts.added + counts.duplicate + counts.failed, source.inputs.length, `${label}: ${JSON.stringify(counts)}`);
      assert.equal(failures.size, counts.failed, `${label}: one reported failure per failed message`);
      for (const key of Object.keys(sum) as Array<keyof IngestCounts>) sum[key] += counts[key];
      total += source.inputs.length;
    });
    t.diagnostic(`${total} messages from ${committedFixtures().length} committed + ${generatedFixtures().size} generated fixtures: ${JSON.stringify(sum)}`);
    // duplicate-message-id.mbox: the same bytes twice (a duplicate) and a second body (a variant).
    assert.equal(sum.duplicate, 1);
    assert.equal(sum.variant, 1);
    assert.equal(rowsByHash.size, sum.added);
  });

  test("every message is stored byte for byte, or failed with a reason", async () => {
    const seen = new Set<string>();
    for (const { input, row, failure } of classified()) {
      if (row) {
        assert.ok(row.raw.equals(input.raw), `${input.label}: stored raw differs from the input bytes`);
        seen.add(input.label);
      } else {
        assert.ok(MAY_FAIL.has(input.label), `${input.label} was not stored${failure ? `: ${failure}` : " and no failure was reported"}`);
        assert.ok(failure && failure.trim().length > 0, `${input.label}: failed without a reason`);
      }
    }
    for (const name of committedFixtures().filter((n) => n.endsWith(".eml"))) assert.ok(seen.has(name), `${name} stored`);
  });

  test("specific oddities are stored the way the archive promises", async () => {
    const byLabel = new Map(classified().map((c) => [c.input.label, c]));
    const mid = (label: string) => byLabel.get(label)?.row?.messageId;
    assert.match(mid("no-message-id.eml") ?? "", /^[0-9a-f]{40}@generated\.invalid$/);
    assert.equal(mid("mid-slash-percent.eml"), "a/b%2Fc%25%@example.org");
    assert.equal(mid("mid-hash-question.eml"), "q?x=1&y=2#frag@example.org");
    assert.equal(mid("mid-spaces.eml"), "withsomespaces@example.org");
    assert.equal(mid("mid-unicode.eml"), "grüße-😀@例え.jp");
    assert.equal(mid("xss-message-id.eml"), `javascript:alert(document.domain)//"'&{}@evil.example`);
    // Both bodies that share a Message-ID are kept; the exact copy is not.
    assert.equal(byLabel.get("duplicate-message-id.mbox#1")?.row?.id, byLabel.get("duplicate-message-id.mbox#3")?.row?.id);
    assert.notEqual(byLabel.get("duplicate-message-id.mbox#1")?.row?.id, byLabel.get("duplicate-message-id.mbox#2")?.row?.id);
    assert.equal(mid("mid-encoded-word.eml"), "=?utf-16le?b?ANhAAHgA?=");
    // References are matched on the decoded 8-bit id.
    assert.equal(byLabel.get("references-unicode.eml")?.row?.threadId, byLabel.get("mid-unicode.eml")?.row?.threadId);
    // A reference cycle is one thread, not a hang.
    assert.equal(byLabel.get("reference-cycle.mbox#1")?.row?.threadId, byLabel.get("reference-cycle.mbox#2")?.row?.threadId);
    // mboxo: one ">" less on ">From", none on ">>From".
    const mboxo = byLabel.get("mboxo-from-quoting.mboxo#1")?.row?.raw.toString("latin1") ?? "";
    assert.ok(mboxo.includes("\nFrom the quoted line\n>>From stays double\n"), mboxo);
    // CRLF kept as sent; the one-line mbox is one message with every byte.
    assert.ok(byLabel.get("crlf.mbox#1")?.row?.raw.includes("\r\nline one\r\n"));
    assert.ok(byLabel.get("one-line.mbox#1")?.row?.raw.equals(fs.readFileSync(path.join(FIXTURES, "one-line.mbox"))));
  });

  test("re-ingesting everything adds nothing", async () => {
    const again = await ingestAll();
    again.forEach(({ counts }, s) => {
      const before = outcomes[s]!.counts;
      assert.equal(counts.added, 0, `${path.basename(sources[s]!.file)}: ${JSON.stringify(counts)}`);
      assert.equal(counts.duplicate, before.added + before.duplicate);
      assert.equal(counts.failed, before.failed);
    });
  });
});

describe("stored hostile mail through the page code", () => {
  test("every message renders: body allow-list, page markup, thread views", async (t) => {
    const { base } = await archive();
    const list = (await store().getList(LIST))!;
    let pages = 0;
    const threadsSeen = new Set<number>();
    for (const { input, row } of classified()) {
      if (!row) continue;
      const label = input.label;
      const started = performance.now();
      const view = (await store().listMessageVariants(list, row.messageId)).find((v) => v.id === row.id);
      assert.ok(view, `${label}: no message view for <${row.messageId}> (row ${row.id})`);

      const body = renderToStaticMarkup(createElement(MessageBody, { text: view.bodyText }));
      assertBodyMarkup(body, label);
      if (view.bodyText.includes("<")) assert.ok(body.includes("&lt;"), `${label}: "<" in the body is escaped`);
      assertPageMarkup(renderToStaticMarkup(createElement(MessageView, { message: view })), `${label} (MessageView)`);

      // The page as the server sends it.
      const page = await fetch(`${base}/${LIST}/${midToUrl(row.messageId)}/`);
      assert.equal(page.status, 200, `${label}: message page`);
      assertPageMarkup(await page.text(), `${label} (page)`);
      pages++;
      if (!threadsSeen.has(row.threadId)) {
        threadsSeen.add(row.threadId);
        for (const flavour of ["T", "t"]) {
          const thread: Response = await fetch(`${base}/${LIST}/${midToUrl(row.messageId)}/${flavour}/`);
          assert.equal(thread.status, 200, `${label}: /${flavour}/`);
          assertPageMarkup(await thread.text(), `${label} (/${flavour}/)`);
          pages++;
        }
      }
      // How long these pages take is measured in bench/bounds.ts, not asserted here.
      if (process.env.HOSTILE_TIMING) t.diagnostic(`${label}: ${Math.round(performance.now() - started)} ms`);
    }
    t.diagnostic(`${pages} pages rendered`);
  });

  test("raw, t.mbox.gz and attachments give back the stored bytes with safe headers", async (t) => {
    const { base } = await archive();
    let requests = 0;
    let attachments = 0;
    const firstByMid = new Map<string, number>();
    const variantCount = new Map<string, number>();
    for (const row of [...rowsByHash.values()].sort((a, b) => a.id - b.id)) {
      if (!firstByMid.has(row.messageId)) firstByMid.set(row.messageId, row.id);
      variantCount.set(row.messageId, (variantCount.get(row.messageId) ?? 0) + 1);
    }
    const framed = (b: Buffer) => (b[b.length - 1] === 0x0a ? b : Buffer.concat([b, Buffer.from("\n")]));
    for (const { input, row } of classified()) {
      if (!row) continue;
      const label = input.label;
      const url = `${base}/${LIST}/${midToUrl(row.messageId)}`;
      // /raw serves every message stored under a Message-ID, like lore.
      const response = await fetch(`${url}/raw`);
      requests++;
      assert.equal(response.status, 200, label);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      const rawBody = Buffer.from(await response.arrayBuffer());
      if (variantCount.get(row.messageId) === 1) {
        assert.ok((await unwrapMboxrd(rawBody)).equals(framed(input.raw)), `${label}: /raw bytes`);
      } else {
        const served = await splitAll(rawBody, "mboxrd");
        assert.equal(served.length, variantCount.get(row.messageId), `${label}: /raw holds every variant`);
        assert.ok(served.some((r) => r.equals(framed(input.raw))), `${label}: /raw holds the message`);
      }
      // The thread mbox holds every message of the thread, variants included.
      const mbox = await fetch(`${url}/t.mbox.gz`);
      requests++;
      assert.equal(mbox.status, 200, label);
      assert.equal(mbox.headers.get("content-type"), "application/gzip");
      const raws = await splitAll(gunzipSync(Buffer.from(await mbox.arrayBuffer())), "mboxrd");
      assert.ok(raws.some((r) => r.equals(framed(input.raw))), `${label}: t.mbox.gz holds the message`);

      if (firstByMid.get(row.messageId) !== row.id) continue; // attachments are served for the first variant
      if (label in KNOWN_BUGS) continue;
      attachments += await checkAttachments(label, row.messageId, row.id);
    }
    assert.ok(attachments >= 4, `${attachments} attachments served`);
    t.diagnostic(`${requests} raw and t.mbox.gz requests, ${attachments} attachments`);
  });

  for (const [label, bug] of Object.entries(KNOWN_BUGS)) {
    test(`known bug: ${label}`, { todo: bug }, async () => {
      const row = classified().find((c) => c.input.label === label)?.row;
      assert.ok(row, `${label} stored`);
      assert.ok((await checkAttachments(label, row.messageId, row.id)) > 0);
    });
  }
});

/** Downloads every attachment of a message through the route; returns how many. */
async function checkAttachments(label: string, mid: string, id: number): Promise<number> {
  const { base } = await archive();
  const view = (await store().listMessageVariants((await store().getList(LIST))!, mid)).find((v) => v.id === id);
  for (const a of view?.attachments ?? []) {
    const response = await fetch(`${base}/${LIST}/${midToUrl(mid)}/${a.position + 1}-x`);
    assert.equal(response.status, 200, `${label}: attachment ${a.position + 1}`);
    const type = response.headers.get("content-type") ?? "";
    assert.ok(type === "application/octet-stream" || type === "text/plain; charset=utf-8", `${label}: attachment served as ${type}`);
    assert.match(response.headers.get("content-disposition") ?? "", /^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''[^\s"]*$/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("content-security-policy"), "default-src 'none'; sandbox");
    assert.equal((await response.arrayBuffer()).byteLength, a.size);
  }
  return view?.attachments.length ?? 0;
}

describe("bounded downloads", () => {
  test("t.mbox.gz of a thread over the size cap answers 413 with a readable reason", async () => {
    // Two replies carrying the 20 MB attachment push the thread past 32 MB.
    const big = generatedFixtures().get("attachment-20mb.eml")!.toString("latin1");
    const root = "attachment-20mb@example.org";
    const replies = [1, 2].map((n) =>
      Buffer.from(big.replace(`Message-ID: <${root}>`, `Message-ID: <big-reply-${n}@example.org>\nIn-Reply-To: <${root}>`), "latin1"),
    );
    const file = path.join(TMP, "big-thread.mbox");
    fs.writeFileSync(file, Buffer.concat(replies.map(formatMboxrd)));
    const counts = await ingest({ dbFile: DB, list: { name: LIST }, sources: [file], workers: 0 });
    assert.equal(counts.added, 2);
    const response = await fetch(`${(await archive()).base}/${LIST}/${root}/t.mbox.gz`);
    assert.equal(response.status, 413);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(await response.text(), /^This thread has 3 messages \(\d+ MB\); t\.mbox\.gz is limited to 2,000 messages and 32 MB\./);
  });
});

describe("e2e/fixtures/hostile.mbox", () => {
  // The Chromium suite serves the small fixtures as list "hostile". Rebuild it
  // after adding a fixture: UPDATE_HOSTILE_MBOX=1 npx tsx --test test/hostile.test.ts
  test("holds every committed fixture as mboxrd (regenerate with UPDATE_HOSTILE_MBOX=1)", async () => {
    const parts: Buffer[] = [];
    for (const name of committedFixtures()) {
      const data = fs.readFileSync(path.join(FIXTURES, name));
      const raws = name.endsWith(".eml") ? [data] : await splitAll(data, name.endsWith(".mboxo") ? "mboxo" : "mboxrd");
      for (const raw of raws) parts.push(formatMboxrd(raw));
    }
    const want = Buffer.concat(parts);
    if (process.env.UPDATE_HOSTILE_MBOX) fs.writeFileSync(E2E_MBOX, want);
    assert.ok(fs.existsSync(E2E_MBOX) && fs.readFileSync(E2E_MBOX).equals(want), "e2e/fixtures/hostile.mbox is stale");
  });
});
