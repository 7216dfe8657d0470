// Property and fuzz tests for what hostile input reaches, added to the
// per-module properties (test/mbox, mid, render, query-parse, query-compile):
// the rendered markup of MessageBody and MessageView against their
// allow-lists, the query parser and search planner on a much bigger alphabet,
// mboxrd round trips of big binary messages, Message-ID URLs through a real
// URL parser and Next's decoding, attachment headers, and the MIME parser on
// junk. Each property is bounded in runs and time so the file stays fast;
// every test reports its iteration count. FUZZ_SCALE=10 runs ten times as
// many; FUZZ_SEED=<n> replays a run (the seed is printed).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { MessageBody } from "../app/_ui/message-body";
import { MessageView } from "../app/_ui/message-view";
import { contentDisposition, safeContentType } from "../lib/mail/attachment";
import { formatMboxrd, splitMbox } from "../lib/mail/mbox";
import { unwrapMboxrd } from "./support/mboxrd";
import { parseMessage } from "../lib/mail/mime";
import { anchorId, extractMids, midFromParam, midToUrl, normalizeMid, parseReferences } from "../lib/mail/mid";
import { compileQuery } from "../lib/store/sqlite/query-compile";
import { parseQuery, QUERY_LIMITS, QueryError } from "../lib/search/query-parse";
import { renderBody } from "../lib/mail/render";
import { routeRequest } from "../lib/web/routes";
import type { MessageView as MessageViewData } from "../lib/types";

const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE) || 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const NOW = new Date("2024-06-15T12:34:56Z");

type Ctx = { diagnostic: (message: string) => void };

/** fc.check with a run and time budget; fails with fast-check's report, logs the iterations. */
async function holds<T>(
  t: Ctx,
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  numRuns: number,
  seconds: number,
): Promise<void> {
  const details = await fc.check(property as fc.IAsyncProperty<T>, {
    numRuns: numRuns * SCALE,
    interruptAfterTimeLimit: seconds * 1000 * SCALE,
    ...(SEED === undefined ? {} : { seed: SEED }),
  });
  if (details.failed) assert.fail(fc.defaultReportMessage(details) ?? "property failed");
  t.diagnostic(`${details.numRuns} iterations${details.interrupted ? " (time limit reached)" : ""}, seed ${details.seed}`);
}

// ---------------------------------------------------------------------------
// Mail-like text: markup, URL schemes, quotes, diffs and control characters,
// glued together at random and mixed with arbitrary strings.

const HOSTILE_TOKENS = [
  "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<a href=\"javascript:alert(1)\">",
  "</pre>", "<details>", "<!--", "-->", "<![CDATA[", "]]>", "&lt;", "&amp;", "&#x3C;", "\"", "'", "`", "=", "<", ">", "&",
  "javascript:", "JaVaScRiPt:", "data:text/html,", "vbscript:", "http://", "https://", "ftp://", "HTTP://", "https://a.example/",
  "https://a.example/?q=\"><script>", "http://[::1]/", "mailto:x@y", "//evil.example",
  "\n", "\r\n", "\r", " ", "\t", "\0", "\u2028", "\u202e", "\ufeff", "\ud800", "😀",
  "> ", ">> ", "> > ", "-- \n", "diff --git a/f b/f\n", "--- a/f\n", "+++ b/f\n", "@@ -1,2 +1,2 @@\n", "+", "-", "x", "é",
];
const hostileText = fc.oneof(
  fc.array(fc.constantFrom(...HOSTILE_TOKENS), { maxLength: 80 }).map((a) => a.join("")),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.array(fc.oneof(fc.constantFrom(...HOSTILE_TOKENS), fc.string({ unit: "grapheme", maxLength: 4 })), { maxLength: 60 }).map((a) => a.join("")),
  // Long quotes fold into <details>.
  fc.tuple(fc.integer({ min: 9, max: 30 }), fc.constantFrom(...HOSTILE_TOKENS)).map(([n, s]) => `> ${s}\n`.repeat(n) + s),
);

interface Markup {
  tags: string[];
  attrs: Array<{ name: string; value: string }>;
}

// renderToStaticMarkup escapes < > & " ' in text and attribute values, so a
// "<" in its output always starts a real tag: scanning it finds every element.
function scan(html: string): Markup {
  const tags: string[] = [];
  const attrs: Markup["attrs"] = [];
  for (const tag of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    tags.push(tag[1]!.toLowerCase());
    for (const attr of tag[2]!.matchAll(/\s([^\s="]+)(?:="([^"]*)")?/g)) {
      attrs.push({ name: attr[1]!.toLowerCase(), value: unescapeHtml(attr[2] ?? "") });
    }
  }
  return { tags, attrs };
}

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
}

const BODY_TAGS = new Set(["pre", "span", "a", "details", "summary"]);
const BODY_ATTRS = new Set(["class", "href", "rel"]);
const BODY_CLASSES = new Set(["body", "q", "q2", "add", "del", "hunk", "head", "sig"]);

test("property: MessageBody markup stays inside its allow-list and loses no text", async (t) => {
  await holds(
    t,
    fc.property(hostileText, (text) => {
      const html = renderToStaticMarkup(createElement(MessageBody, { text }));
      const { tags, attrs } = scan(html);
      for (const tag of tags) assert.ok(BODY_TAGS.has(tag), `<${tag}> from ${JSON.stringify(text)}`);
      for (const { name, value } of attrs) {
        assert.ok(BODY_ATTRS.has(name), `attribute ${name} from ${JSON.stringify(text)}`);
        if (name === "href") assert.match(value, /^(https?|ftp):\/\/[^\s"<>]/);
        if (name === "rel") assert.equal(value, "nofollow noopener noreferrer");
        if (name === "class") for (const c of value.split(" ")) assert.ok(BODY_CLASSES.has(c), `class ${c}`);
      }
      // Every character of the mail is shown (as text), apart from the fold labels.
      const shown = unescapeHtml(html.replace(/<summary>[^<]*<\/summary>/g, "").replace(/<[^>]*>/g, ""));
      assert.equal(shown, text);
    }),
    10_000,
    5,
  );
});

const listName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const anyString = fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), hostileText);

test("property: MessageView markup links only to this origin, the web or mailto, whatever the headers say", async (t) => {
  const view = fc.record({
    list: listName,
    mid: anyString.filter((s) => s !== "" && s !== "." && s !== ".."),
    subject: anyString,
    fromName: anyString,
    fromAddr: anyString,
    to: anyString,
    cc: anyString,
    inReplyTo: fc.option(anyString, { nil: null }),
    bodyText: hostileText,
    attachments: fc.array(
      fc.record({ filename: fc.option(anyString, { nil: null }), contentType: anyString, size: fc.nat() }),
      { maxLength: 3 },
    ),
  });
  const tags = new Set([...BODY_TAGS, "article", "h1", "h2", "nav", "ul", "li"]);
  const attributes = new Set([...BODY_ATTRS, "id", "aria-labelledby", "aria-label", "download"]);
  await holds(
    t,
    fc.property(view, (v) => {
      const message: MessageViewData = {
        ...v,
        id: 1,
        listAddress: null,
        date: new Date(0),
        references: [],
        hasPatch: false,
        threadId: 1,
        rawHash: "0",
        attachments: v.attachments.map((a, position) => ({ ...a, position })),
        variantIds: [],
      };
      const markup = scan(renderToStaticMarkup(createElement(MessageView, { message })));
      for (const tag of markup.tags) assert.ok(tags.has(tag), `<${tag}>`);
      for (const { name, value } of markup.attrs) {
        assert.ok(attributes.has(name), `attribute ${name}`);
        if (name === "id" || name === "aria-labelledby") assert.match(value, /^m[0-9a-f]{16}(-s)?$/);
        if (name !== "href") continue;
        if (/^(https?|ftp):\/\//i.test(value)) continue;
        // App links: a path on this origin, one segment for the list, one for the Message-ID.
        const url = new URL(value, "http://archive.test/");
        assert.equal(url.origin, "http://archive.test", value);
        assert.ok(value.startsWith(`/${v.list}/${midToUrl(v.mid)}/`), value);
        assert.equal(url.pathname.split("/")[2], midToUrl(v.mid), value);
      }
    }),
    4000,
    4,
  );
});

test("property: renderBody on big hostile bodies keeps every character in at most one block per character", async (t) => {
  const big = fc
    .tuple(fc.array(fc.constantFrom(...HOSTILE_TOKENS), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1000, max: 20_000 }))
    .map(([tokens, times]) => tokens.join("").repeat(times).slice(0, 400_000));
  await holds(
    t,
    fc.property(big, (text) => {
      // Time is measured in bench/bounds.ts (npm run bench:bounds), not here.
      const blocks = renderBody(text);
      assert.ok(blocks.length <= text.length + 1);
    }),
    40,
    4,
  );
});

// ---------------------------------------------------------------------------
// Query parser and search planner: QueryError and nothing else, on any input.

const QUERY_PIECES = [
  '"', "*", "^", ":", "(", ")", "-", "+", " ", "{", "}", "[", "]", "<", ">", ".", "..", "\0", "\n", "\\", "'", "`", ";", "%", "_",
  "NEAR", "NEAR/2", "AND", "OR", "NOT", "and", "s:", "f:", "t:", "c:", "a:", "b:", "bs:", "m:", "mid:", "d:", "rt:", "dt:", "z:",
  "s:(", "-s:", "d:..", "d:2024-01-01..", "d:..2.weeks.ago", "d:20190623..", "d:1970-01-01..9999-12-31", "d:-1..",
  "m:<a@b>", "mid:x@y", "rank", "bm25(", "message_fts", "' OR 1=1 --", "\"; DROP TABLE Message; --", "é", "ß", "😀", "\ud800",
];
const query = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.array(fc.oneof(fc.constantFrom(...QUERY_PIECES), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 120 }).map((a) => a.join("")),
  // Deep nesting and long operator runs, right around the limits.
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom("(", "s:(", "-(", "NOT (", "(a OR ")).map(([n, open]) => open.repeat(n) + "x" + ")".repeat(n)),
  fc.tuple(fc.integer({ min: 1, max: 200 }), fc.constantFrom("a ", "a OR ", "\"a b\" ", "-a ", "s:a ", "d:2024.. ")).map(([n, s]) => s.repeat(n)),
  fc.integer({ min: QUERY_LIMITS.maxLength - 5, max: QUERY_LIMITS.maxLength + 5 }).map((n) => "a".repeat(n)),
);

test("property: parseQuery + compileQuery throw QueryError only, on a big alphabet", async (t) => {
  await holds(
    t,
    fc.property(query, (q) => {
      try {
        compileQuery(parseQuery(q, NOW));
      } catch (e) {
        assert.ok(e instanceof QueryError, `${JSON.stringify(q.slice(0, 80))}: ${String(e)}`);
        assert.ok(Number.isInteger(e.position) && e.position >= 0 && e.position <= Math.max(q.length, QUERY_LIMITS.maxLength));
      }
    }),
    15_000,
    4,
  );
});

test("property: planSearch (what pages, x=A and x=m run) throws QueryError only", async (t) => {
  // Imported here: lib/store/sqlite/search.ts pulls in the PrismaClient (not connected until used).
  const { planSearch } = await import("../lib/store/sqlite/search");
  await holds(
    t,
    fc.property(query, (q) => {
      try {
        const plan = planSearch(q, NOW);
        // User text only ever travels as bound parameters.
        assert.match(plan.where, /^[A-Za-z_.() ?=<>"]*$/);
      } catch (e) {
        assert.ok(e instanceof QueryError, `${JSON.stringify(q.slice(0, 80))}: ${String(e)}`);
      }
    }),
    6000,
    3,
  );
});

// ---------------------------------------------------------------------------
// mbox: any sequence of (big, binary) messages survives mboxrd write + read.

const LINE_PIECES = ["From ", ">From ", ">>From ", "From mboxrd@z Thu Jan  1 00:00:00 1970", "From a@b Mon Apr 29 15:31:04 2019", "\n", "\r\n", "\n\n", "x", " "];
const rawMessage = fc
  .array(fc.oneof(fc.constantFrom(...LINE_PIECES), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString("latin1"))), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join("") + "\n", "latin1"));

async function* chunks(buf: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  for (let i = 0, k = 0; i < buf.length; k++) {
    const n = sizes[k % sizes.length]!;
    yield buf.subarray(i, i + n);
    i += n;
  }
}

test("property: splitMbox(formatMboxrd(...)) gives back any sequence of messages ending in a newline", async (t) => {
  await holds(
    t,
    fc.asyncProperty(
      fc.array(rawMessage, { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 }),
      async (raws, sizes) => {
        const mbox = Buffer.concat(raws.map(formatMboxrd));
        // No unquoted From_ line inside a message: only separators start with "From ".
        const fromLines = mbox.toString("latin1").split("\n").filter((l) => l.startsWith("From ")).length;
        assert.equal(fromLines, raws.length);
        const back: Buffer[] = [];
        for await (const m of splitMbox(chunks(mbox, sizes))) back.push(m.raw);
        assert.deepEqual(back, raws);
        for (const raw of raws) assert.ok((await unwrapMboxrd(formatMboxrd(raw))).equals(raw));
      },
    ),
    1500,
    4,
  );
});

// ---------------------------------------------------------------------------
// Message-IDs in URLs: through midToUrl, a WHATWG URL parser, and both of
// Next's decodings (pages get params encoded, route handlers decoded).

test("property: any Message-ID survives midToUrl, the URL parser and Next's param decoding", async (t) => {
  const special = fc.constantFrom("@", "+", "=", "/", "%", "#", "?", "~", " ", "\\", "..", ".", "%2e", "%25", "&", ";", "\t", "\0", "ü", "😀", "\ud800", "<", ">", '"');
  const mid = fc
    .oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 30 }).map((p) => p.join("")),
    )
    // A lone surrogate has no UTF-8 form (normalizeMid never yields one: ids
    // come from UTF-8 header bytes). "." and ".." are dot segments to every URL
    // parser, escaped or not (WHATWG URL §4.4): such an id has no page URL.
    .map((s) => s.replace(/\p{Cs}/gu, "\ufffd"))
    .filter((s) => s !== "" && s !== "." && s !== "..");
  await holds(
    t,
    fc.property(mid, (m) => {
      const segment = midToUrl(m);
      for (const suffix of ["/", "/raw", "/T/", "/t.mbox.gz"]) {
        const url = new URL(`/list/${segment}${suffix}`, "http://archive.test/");
        const parts = url.pathname.split("/");
        assert.equal(parts[1], "list");
        assert.equal(parts[2], segment, `the URL parser rewrote ${JSON.stringify(m)}`);
        assert.equal(url.search, "");
        assert.equal(url.hash, "");
        // The route table decodes the segment exactly once, whatever the id looks like.
        assert.equal(decodeURIComponent(parts[2]!), m);
        const route = routeRequest("GET", url.pathname, url.searchParams);
        assert.ok("mid" in route, `${url.pathname} routes to ${route.kind}`);
        assert.equal(route.mid, m);
        assert.equal(midFromParam(parts[2]!), m);
      }
      assert.match(anchorId(m), /^m[0-9a-f]{16}$/);
    }),
    10_000,
    3,
  );
});

test("property: Message-ID extraction yields clean, bounded ids from any header", async (t) => {
  const header = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.array(fc.oneof(fc.constantFrom("<", ">", "(", ")", "\\", "\"", "@", " ", ",", "\n ", "a@b", "<x@y>", "<>"), fc.string({ maxLength: 3 })), { maxLength: 80 }).map((a) => a.join("")),
  );
  await holds(
    t,
    fc.property(header, header, header, (refs, irt, own) => {
      const mids = parseReferences(refs, irt, own);
      assert.ok(mids.length <= 1000);
      assert.equal(new Set(mids).size, mids.length);
      for (const m of [...mids, ...extractMids(refs), normalizeMid(own) ?? "x"]) {
        assert.ok(m.length > 0);
        assert.doesNotMatch(m, /[\s<>\u0000-\u001f\u007f]/);
      }
      assert.ok(!mids.includes(normalizeMid(own) ?? own));
    }),
    8000,
    3,
  );
});

// ---------------------------------------------------------------------------
// Attachments: whatever a mail says its part is, the answer is inert.

test("property: attachment headers are always inert and valid HTTP header values", async (t) => {
  const type = fc.oneof(
    fc.constantFrom("text/html", "TEXT/HTML; charset=utf-8", "text/xml", "image/svg+xml", "application/xhtml+xml", "text/plain", "text/x-patch", " text/html ", "text/html;", "multipart/related", "application/javascript", "text/javascript"),
    fc.string({ unit: "binary", maxLength: 40 }),
  );
  const name = fc.oneof(fc.constant(null), fc.string({ unit: "binary", maxLength: 60 }), fc.constantFrom('"><script>.html', "a\r\nX-Injected: 1", "../../etc/passwd", "\u202egnp.exe", "%22%0d%0a"));
  await holds(
    t,
    fc.property(type, name, (contentType, filename) => {
      const safe = safeContentType(contentType);
      assert.ok(safe === "application/octet-stream" || safe === "text/plain; charset=utf-8", safe);
      // Lone surrogates are a known bug of contentDisposition (see test/hostile.test.ts).
      const disposition = contentDisposition(filename === null ? null : filename.replace(/\p{Cs}/gu, "\ufffd"));
      assert.match(disposition, /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]*$/);
      assert.doesNotMatch(disposition.slice(0, disposition.indexOf("; filename*=")), /^attachment; filename=".*".*"/);
      new Headers({ "Content-Disposition": disposition, "Content-Type": safe }); // throws on an invalid value
    }),
    8000,
    3,
  );
});

// ---------------------------------------------------------------------------
// The MIME parser on junk: it resolves, or rejects with an Error that ingest
// records as the failure reason; it never hangs.

test("property: parseMessage resolves to well-typed fields or rejects with an Error, in bounded time", async (t) => {
  const HEADER_PIECES = [
    "From: ", "To: ", "Cc: ", "Subject: ", "Date: ", "Message-ID: ", "References: ", "In-Reply-To: ", "MIME-Version: 1.0\n",
    "Content-Type: multipart/mixed; boundary=\"b\"\n", "Content-Type: text/html\n", "Content-Type: text/plain; charset=", "Content-Transfer-Encoding: base64\n",
    "Content-Transfer-Encoding: quoted-printable\n", "Content-Disposition: attachment; filename*=", "=?utf-8?b?", "=?utf-16le?q?", "?=", "=?",
    "--b\n", "--b--\n", "\n", "\r\n", "\n\n", " ", ":", "<", ">", "@", "\"", "(", ")", "<script>", "&", "\0", "\xff", "x",
  ];
  const raw = fc
    .array(fc.oneof(fc.constantFrom(...HEADER_PIECES), fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a).toString("latin1"))), { maxLength: 80 })
    .map((parts) => Buffer.from(parts.join(""), "latin1"));
  await holds(
    t,
    fc.asyncProperty(raw, async (bytes) => {
      try {
        const p = await parseMessage(bytes);
        for (const s of [p.subject, p.fromName, p.fromAddr, p.bodyText]) assert.equal(typeof s, "string");
        assert.ok(p.messageId === null || (typeof p.messageId === "string" && p.messageId.length > 0));
        assert.ok(p.date === null || !Number.isNaN(p.date.getTime()));
        assert.ok(p.references.length <= 1000 && p.to.length <= 1000 && p.cc.length <= 1000);
      } catch (e) {
        assert.ok(e instanceof Error && e.message.length > 0, `rejected with ${String(e)}`);
      }
    }),
    1500,
    4,
  );
});
