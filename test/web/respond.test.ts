import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { ATTACHMENT_CSP, PAGE_CSP, REVALIDATE, isFresh, send, text, type Reply, type Validators } from "../../lib/web/respond";

const v: Validators = { etag: '"abc"', lastModified: new Date("2019-11-14T09:08:24.500Z") };

test("If-None-Match: the tag, its weak form, one of a list, or *", () => {
  assert.equal(isFresh({ "if-none-match": '"abc"' }, v), true);
  assert.equal(isFresh({ "if-none-match": 'W/"abc"' }, v), true);
  assert.equal(isFresh({ "if-none-match": '"x", "abc"' }, v), true);
  assert.equal(isFresh({ "if-none-match": '"x",W/"abc" ,"y"' }, v), true);
  assert.equal(isFresh({ "if-none-match": "*" }, v), true);
  assert.equal(isFresh({ "if-none-match": " * " }, v), true);
  assert.equal(isFresh({ "if-none-match": '"other"' }, v), false);
  assert.equal(isFresh({ "if-none-match": '"x", "y"' }, v), false);
  assert.equal(isFresh({ "if-none-match": "abc" }, v), false, "unquoted is another tag");
  assert.equal(isFresh({ "if-none-match": '"ABC"' }, v), false, "tags are case-sensitive");
  assert.equal(isFresh({ "if-none-match": '"abcd"' }, v), false);
  assert.equal(isFresh({ "if-none-match": "" }, v), false);
  assert.equal(isFresh({}, v), false);
});

test("If-Modified-Since compares at one-second resolution", () => {
  assert.equal(isFresh({ "if-modified-since": "Thu, 14 Nov 2019 09:08:24 GMT" }, v), true, "equal to the second");
  assert.equal(isFresh({ "if-modified-since": "Thu, 14 Nov 2019 09:08:25 GMT" }, v), true, "later");
  assert.equal(isFresh({ "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }, v), true, "much later");
  assert.equal(isFresh({ "if-modified-since": "Thu, 14 Nov 2019 09:08:23 GMT" }, v), false, "earlier");
  assert.equal(isFresh({ "if-modified-since": "garbage" }, v), false);
  assert.equal(isFresh({ "if-modified-since": "" }, v), false);
  // Without a Last-Modified there is nothing to compare.
  assert.equal(isFresh({ "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }, { etag: '"abc"', lastModified: null }), false);
});

test("If-None-Match wins over If-Modified-Since", () => {
  const later = "Fri, 01 Jan 2100 00:00:00 GMT";
  const earlier = "Thu, 01 Jan 1970 00:00:00 GMT";
  assert.equal(isFresh({ "if-none-match": '"other"', "if-modified-since": later }, v), false);
  assert.equal(isFresh({ "if-none-match": '"abc"', "if-modified-since": earlier }, v), true);
  assert.equal(isFresh({ "if-none-match": "", "if-modified-since": later }, v), false);
});

test("text() is an uncached plain-text reply", () => {
  const reply = text(404, "nope\n", { "X-Extra": "1" });
  assert.equal(reply.status, 404);
  assert.equal(reply.type, "text/plain; charset=utf-8");
  assert.equal(reply.body, "nope\n");
  assert.deepEqual(reply.headers, { "Cache-Control": "no-store", "X-Extra": "1" });
  assert.equal(text(200, "x", { "Cache-Control": "public" }).headers?.["Cache-Control"], "public");
});

test("the page policy forbids scripts, framing and plugins; the attachment policy sandboxes", () => {
  assert.match(PAGE_CSP, /(^|; )script-src 'none'(;|$)/);
  assert.match(PAGE_CSP, /(^|; )default-src 'none'(;|$)/);
  assert.match(PAGE_CSP, /(^|; )frame-ancestors 'none'(;|$)/);
  assert.match(PAGE_CSP, /(^|; )base-uri 'none'(;|$)/);
  assert.doesNotMatch(PAGE_CSP, /unsafe-eval|script-src[^;]*unsafe-inline/);
  assert.match(ATTACHMENT_CSP, /\bsandbox\b/);
  assert.match(ATTACHMENT_CSP, /default-src 'none'/);
});

// A real server: each request is answered with the reply the current test provides.
let makeReply: (req: http.IncomingMessage) => Reply = () => ({ status: 500 });
let server: http.Server;
let port = 0;

before(async () => {
  server = http.createServer((req, res) => {
    void send(req, res, makeReply(req));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(reply: Reply | (() => Reply), headers: Record<string, string> = {}, method = "GET"): Promise<Got> {
  makeReply = typeof reply === "function" ? reply : () => reply;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const HTML = "text/html; charset=utf-8";
const bigHtml = "<p>" + "hello archive ".repeat(200) + "</p>\n"; // well over 1 KB
const page = (extra: Partial<Reply> = {}): Reply => ({ status: 200, type: HTML, body: bigHtml, ...extra });

function assertSecurityHeaders(got: Got, label: string) {
  assert.equal(got.headers["x-content-type-options"], "nosniff", label);
  assert.equal(got.headers["x-frame-options"], "DENY", label);
  assert.equal(got.headers["referrer-policy"], "same-origin", label);
  assert.equal(got.headers["cross-origin-opener-policy"], "same-origin", label);
  assert.equal(got.headers["cross-origin-resource-policy"], "same-origin", label);
  assert.ok(got.headers["permissions-policy"], label);
  const csp = got.headers["content-security-policy"];
  assert.equal(typeof csp, "string", label);
  assert.ok(csp === PAGE_CSP || csp === ATTACHMENT_CSP, `${label}: ${csp}`);
}

test("security headers are on every response", async () => {
  const withValidators = page({ validators: v });
  const cases: [string, Reply | (() => Reply), Record<string, string>, string][] = [
    ["200 page", page(), {}, "GET"],
    ["404 text", text(404, "not found\n"), {}, "GET"],
    ["500 text", text(500, "oops\n"), {}, "GET"],
    ["301 without body", { status: 301, headers: { Location: "http://x/y/" } }, {}, "GET"],
    ["304", withValidators, { "if-none-match": '"abc"' }, "GET"],
    ["HEAD", page(), {}, "HEAD"],
    ["gzip", page(), { "accept-encoding": "gzip" }, "GET"],
    ["stream", () => ({ status: 200, type: "application/gzip", body: Readable.from([Buffer.from("x")]) }), {}, "GET"],
  ];
  for (const [label, reply, headers, method] of cases) {
    const got = await request(reply, headers, method);
    assertSecurityHeaders(got, label);
    assert.equal(got.headers["content-security-policy"], PAGE_CSP, label);
  }
});

test("a 200 with validators carries ETag, Last-Modified and Cache-Control", async () => {
  const got = await request(page({ validators: v }));
  assert.equal(got.status, 200);
  assert.equal(got.headers.etag, '"abc"');
  assert.equal(got.headers["last-modified"], "Thu, 14 Nov 2019 09:08:24 GMT");
  assert.equal(got.headers["cache-control"], REVALIDATE);
  assert.equal(got.headers["content-type"], HTML);
  assert.equal(got.body.toString(), bigHtml);
  const noDate = await request(page({ validators: { etag: '"x"', lastModified: null } }));
  assert.equal(noDate.headers.etag, '"x"');
  assert.equal(noDate.headers["last-modified"], undefined);
});

test("a reply's own headers win over the validator defaults", async () => {
  const got = await request(page({ validators: v, headers: { "Cache-Control": "public, max-age=31536000, immutable" } }));
  assert.equal(got.headers["cache-control"], "public, max-age=31536000, immutable");
  assert.equal(got.headers.etag, '"abc"');
});

test("If-None-Match that matches: 304 with the ETag and no body", async () => {
  const got = await request(page({ validators: v }), { "if-none-match": '"abc"' });
  assert.equal(got.status, 304);
  assert.equal(got.headers.etag, '"abc"');
  assert.equal(got.headers["cache-control"], REVALIDATE);
  assert.equal(got.headers["content-type"], undefined);
  assert.equal(got.headers["content-encoding"], undefined);
  assert.equal(got.body.length, 0);
  const weak = await request(page({ validators: v }), { "if-none-match": 'W/"abc"' });
  assert.equal(weak.status, 304);
  const ims = await request(page({ validators: v }), { "if-modified-since": "Thu, 14 Nov 2019 09:08:24 GMT" });
  assert.equal(ims.status, 304);
  assert.equal(ims.body.length, 0);
  const headed = await request(page({ validators: v }), { "if-none-match": '"abc"' }, "HEAD");
  assert.equal(headed.status, 304);
});

test("a stale validator gets the full 200", async () => {
  const got = await request(page({ validators: v }), { "if-none-match": '"old"' });
  assert.equal(got.status, 200);
  assert.equal(got.body.toString(), bigHtml);
  const ims = await request(page({ validators: v }), { "if-modified-since": "Thu, 14 Nov 2019 09:08:23 GMT" });
  assert.equal(ims.status, 200);
});

test("only a 200 becomes a 304", async () => {
  const got = await request({ ...text(404, "gone\n"), validators: v }, { "if-none-match": '"abc"' });
  assert.equal(got.status, 404);
  assert.equal(got.body.toString(), "gone\n");
});

test("a 304 for a streamed body destroys the stream", async () => {
  let stream: Readable | undefined;
  const got = await request(
    () => {
      stream = Readable.from(["never sent"]);
      return { status: 200, type: "application/gzip", body: stream, validators: v };
    },
    { "if-none-match": '"abc"' },
  );
  assert.equal(got.status, 304);
  assert.equal(got.body.length, 0);
  assert.equal(stream?.destroyed, true);
});

test("HEAD has Content-Length but no body", async () => {
  const got = await request(page({ validators: v }), {}, "HEAD");
  assert.equal(got.status, 200);
  assert.equal(got.headers["content-length"], String(Buffer.byteLength(bigHtml)));
  assert.equal(got.headers["content-type"], HTML);
  assert.equal(got.headers.etag, '"abc"');
  assert.equal(got.body.length, 0);
  const small = await request(text(200, "héllo"), {}, "HEAD");
  assert.equal(small.headers["content-length"], "6", "bytes, not characters");
  assert.equal(small.body.length, 0);
});

test("HEAD with a streamed body sends nothing and destroys the stream", async () => {
  let stream: Readable | undefined;
  const got = await request(
    () => {
      stream = Readable.from([Buffer.from("mbox bytes")]);
      return { status: 200, type: "application/gzip", body: stream };
    },
    {},
    "HEAD",
  );
  assert.equal(got.status, 200);
  assert.equal(got.body.length, 0);
  assert.equal(stream?.destroyed, true);
});

test("Content-Length counts bytes of a string body", async () => {
  const got = await request(text(200, "café ✓"));
  assert.equal(got.headers["content-length"], String(Buffer.byteLength("café ✓")));
  assert.equal(got.body.toString("utf8"), "café ✓");
});

test("gzip when accepted, compressible and at least 1 KB", async () => {
  const got = await request(page(), { "accept-encoding": "gzip, deflate, br" });
  assert.equal(got.status, 200);
  assert.equal(got.headers["content-encoding"], "gzip");
  assert.equal(got.headers.vary, "Accept-Encoding");
  assert.equal(got.headers["content-length"], String(got.body.length));
  assert.ok(got.body.length < Buffer.byteLength(bigHtml));
  assert.equal(gunzipSync(got.body).toString(), bigHtml);
  for (const type of ["text/plain; charset=utf-8", "application/atom+xml", "application/xml", "application/json", "text/css"]) {
    const r = await request({ status: 200, type, body: bigHtml }, { "accept-encoding": "gzip" });
    assert.equal(r.headers["content-encoding"], "gzip", type);
    assert.equal(gunzipSync(r.body).toString(), bigHtml, type);
  }
});

test("HEAD with gzip gives the compressed length and no body", async () => {
  const got = await request(page(), { "accept-encoding": "gzip" }, "HEAD");
  const get = await request(page(), { "accept-encoding": "gzip" });
  assert.equal(got.headers["content-encoding"], "gzip");
  assert.equal(got.headers["content-length"], get.headers["content-length"]);
  assert.equal(got.body.length, 0);
});

test("no gzip without Accept-Encoding: gzip, but Vary is still sent", async () => {
  for (const ae of [undefined, "", "identity", "deflate, br", "*"]) {
    const got = await request(page(), ae === undefined ? {} : { "accept-encoding": ae });
    assert.equal(got.headers["content-encoding"], undefined, String(ae));
    assert.equal(got.headers.vary, "Accept-Encoding", String(ae));
    assert.equal(got.body.toString(), bigHtml, String(ae));
    assert.equal(got.headers["content-length"], String(Buffer.byteLength(bigHtml)));
  }
});

test("gzip;q=0 refuses gzip", async () => {
  for (const ae of ["gzip;q=0", "gzip; q=0", "deflate, gzip;q=0", "gzip;q=0.0", "gzip ; q=0.000, br"]) {
    const got = await request(page(), { "accept-encoding": ae });
    assert.equal(got.headers["content-encoding"], undefined, ae);
    assert.equal(got.body.toString(), bigHtml, ae);
  }
  const some = await request(page(), { "accept-encoding": "gzip;q=1, br;q=0" });
  assert.equal(some.headers["content-encoding"], "gzip");
});

test(
  "gzip with a small but non-zero q is still accepted",
  async () => {
    for (const ae of ["gzip;q=0.5", "gzip;q=0.001", "br, gzip;q=0.8"]) {
      const got = await request(page(), { "accept-encoding": ae });
      assert.equal(got.headers["content-encoding"], "gzip", ae);
    }
  },
);

test("small bodies and non-text types are not gzipped", async () => {
  const small = await request({ status: 200, type: HTML, body: "<p>short</p>" }, { "accept-encoding": "gzip" });
  assert.equal(small.headers["content-encoding"], undefined);
  // Text may be gzipped at another size, so caches in front are told it varies.
  assert.equal(small.headers.vary, "Accept-Encoding");
  assert.equal(small.body.toString(), "<p>short</p>");
  const edge = "x".repeat(1023);
  const under = await request({ status: 200, type: "text/plain", body: edge }, { "accept-encoding": "gzip" });
  assert.equal(under.headers["content-encoding"], undefined, "1023 bytes");
  const at = await request({ status: 200, type: "text/plain", body: edge + "x" }, { "accept-encoding": "gzip" });
  assert.equal(at.headers["content-encoding"], "gzip", "1024 bytes");
  const already = gzipSync(Buffer.from(bigHtml));
  const padded = Buffer.concat([already, Buffer.alloc(2048)]);
  for (const type of ["application/gzip", "application/octet-stream", "image/png", "message/rfc822"]) {
    const got = await request({ status: 200, type, body: padded }, { "accept-encoding": "gzip" });
    assert.equal(got.headers["content-encoding"], undefined, type);
    assert.equal(got.headers.vary, undefined, type);
    assert.deepEqual(got.body, padded, type);
  }
  const untyped = await request({ status: 200, body: bigHtml }, { "accept-encoding": "gzip" });
  assert.equal(untyped.headers["content-encoding"], undefined);
});

test("a precompressed gzip is used instead of compressing again", async () => {
  const pre = gzipSync(Buffer.from(bigHtml), { level: 9 });
  let calls = 0;
  const reply = page({
    gzip: () => {
      calls++;
      return pre;
    },
  });
  const got = await request(reply, { "accept-encoding": "gzip" });
  assert.equal(calls, 1);
  assert.deepEqual(got.body, pre);
  assert.equal(got.headers["content-length"], String(pre.length));
  const plain = await request(reply, {});
  assert.equal(calls, 1, "not asked for when the client takes no gzip");
  assert.equal(plain.body.toString(), bigHtml);
});

test("a Readable body is streamed as it comes", async () => {
  const parts = ["From mboxrd@z Thu Jan  1 00:00:00 1970\n", "Subject: one\n\n", "body\n"];
  const got = await request(() => ({
    status: 200,
    type: "application/mbox",
    headers: { "Content-Disposition": "attachment; filename=t.mbox" },
    body: Readable.from(parts.map((p) => Buffer.from(p))),
  }));
  assert.equal(got.status, 200);
  assert.equal(got.body.toString(), parts.join(""));
  assert.equal(got.headers["content-length"], undefined);
  assert.equal(got.headers["transfer-encoding"], "chunked");
  assert.equal(got.headers["content-type"], "application/mbox");
  assert.equal(got.headers["content-disposition"], "attachment; filename=t.mbox");
  assertSecurityHeaders(got, "stream");
});

test("a streamed text body is not gzipped on the fly", async () => {
  const got = await request(() => ({ status: 200, type: HTML, body: Readable.from([Buffer.from(bigHtml)]) }), { "accept-encoding": "gzip" });
  assert.equal(got.headers["content-encoding"], undefined);
  assert.equal(got.body.toString(), bigHtml);
});

test("a stream that fails mid-way ends the response without crashing the server", async () => {
  const failing = () =>
    new Readable({
      read() {
        this.push(Buffer.from("partial"));
        this.destroy(new Error("disk went away"));
      },
    });
  await request(() => ({ status: 200, type: "application/gzip", body: failing() })).catch(() => undefined);
  const after = await request(text(200, "still here"));
  assert.equal(after.body.toString(), "still here");
});

test("a reply's own Content-Security-Policy replaces the page policy", async () => {
  const got = await request({
    status: 200,
    type: "application/octet-stream",
    headers: { "Content-Security-Policy": ATTACHMENT_CSP, "Content-Disposition": 'attachment; filename="2-foo.patch"' },
    body: "diff --git a/x b/x\n",
  });
  assert.equal(got.headers["content-security-policy"], ATTACHMENT_CSP);
  assert.doesNotMatch(String(got.headers["content-security-policy"]), /script-src/);
  assert.equal(got.headers["x-content-type-options"], "nosniff");
  assert.equal(got.headers["content-disposition"], 'attachment; filename="2-foo.patch"');
  // Also when validators are present (they are applied after the reply's headers).
  const cached = await request({
    status: 200,
    type: "text/plain",
    headers: { "Content-Security-Policy": ATTACHMENT_CSP },
    body: "x",
    validators: v,
  });
  assert.equal(cached.headers["content-security-policy"], ATTACHMENT_CSP);
  const notModified = await request(
    { status: 200, type: "text/plain", headers: { "Content-Security-Policy": ATTACHMENT_CSP }, body: "x", validators: v },
    { "if-none-match": '"abc"' },
  );
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers["content-security-policy"], ATTACHMENT_CSP);
});

test("status and Location of a redirect pass through", async () => {
  const got = await request({ status: 301, headers: { Location: "http://lore.example.org/l/m@x/" }, type: "text/plain", body: "Redirecting\n" });
  assert.equal(got.status, 301);
  assert.equal(got.headers.location, "http://lore.example.org/l/m@x/");
  assert.equal(got.body.toString(), "Redirecting\n");
  const empty = await request({ status: 302, headers: { Location: "http://x/" } });
  assert.equal(empty.status, 302);
  assert.equal(empty.body.length, 0);
});

test(
  "a 304 carries the Vary a 200 would",
  async () => {
    const got = await request(page({ validators: v }), { "if-none-match": '"abc"', "accept-encoding": "gzip" });
    assert.equal(got.status, 304);
    assert.equal(got.headers.vary, "Accept-Encoding");
  },
);
