import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { PageCache, bodyEtag, cacheMegabytes } from "../../lib/web/page-cache";

const HTML = "text/html; charset=utf-8";
const body = (n: number, fill = "x") => Buffer.from(fill.repeat(n));

test("put returns an entry with the body, its type, a strong etag and the date", () => {
  const cache = new PageCache(1 << 20);
  const date = new Date("2019-11-14T09:08:24Z");
  const entry = cache.put("k", body(100), HTML, date);
  assert.deepEqual(entry.body, body(100));
  assert.equal(entry.type, HTML);
  assert.equal(entry.lastModified, date);
  assert.equal(entry.etag, bodyEtag(body(100)));
  assert.equal(entry.gzip, undefined);
  assert.equal(cache.get("k"), entry);
  assert.equal(cache.get("other"), undefined);
  assert.equal(cache.entries, 1);
});

test("the cache stays within its bytes and evicts the oldest first", () => {
  const max = 10_000;
  const cache = new PageCache(max);
  // Each entry costs 800 body bytes plus the key and overhead: about ten fit.
  for (let i = 0; i < 8; i++) cache.put(`k${i}`, body(800, String(i)), HTML, null);
  assert.equal(cache.entries, 8);
  assert.ok(cache.bytes > 8 * 800, `bytes ${cache.bytes} counts the bodies`);
  assert.ok(cache.bytes <= max);
  for (let i = 8; i < 30; i++) {
    cache.put(`k${i}`, body(800, String(i % 10)), HTML, null);
    assert.ok(cache.bytes <= max, `bytes ${cache.bytes} after ${i + 1} puts`);
  }
  assert.ok(cache.entries >= 8 && cache.entries < 12, `entries ${cache.entries}`);
  assert.ok(cache.bytes > max - 1_200, `bytes ${cache.bytes}: the space is used`);
  for (let i = 0; i < 30 - cache.entries; i++) assert.equal(cache.get(`k${i}`), undefined, `k${i} evicted`);
  for (let i = 30 - cache.entries; i < 30; i++) assert.ok(cache.get(`k${i}`), `k${i} kept`);
});

test("a touched old entry survives the eviction that takes its neighbour", () => {
  const cache = new PageCache(10_000);
  // With 900-byte bodies (≈1,100 counted each) nine entries fit, the tenth evicts one.
  for (let i = 0; i < 9; i++) cache.put(`k${i}`, body(900), HTML, null);
  assert.equal(cache.entries, 9);
  assert.ok(cache.get("k0"));
  cache.put("k9", body(900), HTML, null);
  assert.ok(cache.get("k0"), "read recently: kept");
  assert.equal(cache.get("k1"), undefined, "least recently used: evicted");
  assert.ok(cache.get("k2"));
  assert.ok(cache.get("k9"));
});

test("an entry larger than an eighth of the cache is not kept, but put still answers", () => {
  const cache = new PageCache(8_000);
  const big = body(2_000);
  const entry = cache.put("big", big, HTML, null);
  assert.deepEqual(entry.body, big);
  assert.equal(entry.etag, bodyEtag(big));
  assert.equal(cache.get("big"), undefined);
  assert.equal(cache.entries, 0);
  assert.equal(cache.bytes, 0);
  // The caller can still gzip it for the response.
  const gz = cache.gzipOf("big", entry);
  assert.deepEqual(gunzipSync(gz), big);
  assert.equal(cache.get("big"), undefined);
  // A small one next to it is kept.
  cache.put("small", body(100), HTML, null);
  assert.ok(cache.get("small"));
});

test("a giant page does not flush what is already cached", () => {
  const cache = new PageCache(10_000);
  for (let i = 0; i < 5; i++) cache.put(`k${i}`, body(500), HTML, null);
  cache.put("giant", body(9_000), HTML, null);
  for (let i = 0; i < 5; i++) assert.ok(cache.get(`k${i}`), `k${i}`);
});

test("etags are strong, equal for equal bodies and different for different ones", () => {
  const a = bodyEtag(body(10, "a"));
  assert.match(a, /^"[A-Za-z0-9_-]+"$/);
  assert.ok(!a.startsWith("W/"));
  assert.equal(bodyEtag(body(10, "a")), a);
  assert.equal(bodyEtag("aaaaaaaaaa"), a);
  assert.notEqual(bodyEtag(body(10, "b")), a);
  assert.notEqual(bodyEtag(body(11, "a")), a);
  assert.notEqual(bodyEtag(""), a);
  const cache = new PageCache(1 << 20);
  assert.equal(cache.put("x", body(10, "a"), HTML, null).etag, a);
  assert.equal(cache.put("y", body(10, "a"), "text/plain", new Date()).etag, a, "the etag depends on the body only");
  assert.notEqual(cache.put("z", body(10, "c"), HTML, null).etag, a);
});

test("gzipOf compresses once and keeps the result with the entry", () => {
  const cache = new PageCache(1 << 20);
  const text = Buffer.from("<p>hello, archive</p>\n".repeat(200));
  const entry = cache.put("page", text, HTML, null);
  const before = cache.bytes;
  const gz = cache.gzipOf("page", entry);
  assert.ok(before > text.length);
  assert.equal(gz[0], 0x1f);
  assert.equal(gz[1], 0x8b);
  assert.deepEqual(gunzipSync(gz), text);
  assert.ok(gz.length < text.length);
  assert.equal(cache.gzipOf("page", entry), gz, "same Buffer the second time");
  assert.equal(cache.get("page")?.gzip, gz);
  assert.ok(cache.bytes >= before);
});

test(
  "gzipOf counts the compressed copy in the cache's bytes",
  () => {
    const cache = new PageCache(1 << 20);
    const text = Buffer.from("<p>hello, archive</p>\n".repeat(200));
    const entry = cache.put("page", text, HTML, null);
    const before = cache.bytes;
    const gz = cache.gzipOf("page", entry);
    assert.equal(cache.bytes, before + gz.length);
  },
);

test(
  "gzipOf does not drop an entry that put kept",
  () => {
    const cache = new PageCache(10_000);
    // Incompressible, so body + gzip is about twice the body: over 1,250 bytes.
    const entry = cache.put("k", randomBytes(1_000), HTML, null);
    assert.ok(cache.get("k"), "kept by put");
    cache.gzipOf("k", entry);
    assert.ok(cache.get("k"), "still kept after gzipOf");
  },
);

test("cacheMegabytes: default 128, invalid values 128, 0 allowed", () => {
  const env = (CACHE_MB?: string): NodeJS.ProcessEnv => (CACHE_MB === undefined ? {} : { CACHE_MB }) as NodeJS.ProcessEnv;
  assert.equal(cacheMegabytes(env()), 128);
  assert.equal(cacheMegabytes(env("64")), 64);
  assert.equal(cacheMegabytes(env("0")), 0);
  assert.equal(cacheMegabytes(env("0.5")), 0.5);
  assert.equal(cacheMegabytes(env("1024")), 1024);
  for (const bad of ["abc", "-1", "-0.5", "NaN", "Infinity", "12MB"]) {
    assert.equal(cacheMegabytes(env(bad)), 128, bad);
  }
});

test(
  "cacheMegabytes: an empty CACHE_MB= is unset, not 0",
  () => {
    assert.equal(cacheMegabytes({ CACHE_MB: "" } as NodeJS.ProcessEnv), 128);
    assert.equal(cacheMegabytes({ CACHE_MB: "  " } as NodeJS.ProcessEnv), 128);
  },
);

test("cacheMegabytes reads process.env by default", () => {
  const saved = process.env.CACHE_MB;
  try {
    process.env.CACHE_MB = "7";
    assert.equal(cacheMegabytes(), 7);
    delete process.env.CACHE_MB;
    assert.equal(cacheMegabytes(), 128);
  } finally {
    if (saved === undefined) delete process.env.CACHE_MB;
    else process.env.CACHE_MB = saved;
  }
});
