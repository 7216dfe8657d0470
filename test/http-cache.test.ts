import assert from "node:assert/strict";
import { test } from "node:test";
import { cacheHeaders, isNotModified } from "../lib/http-cache";

const v = { etag: '"abc"', lastModified: new Date("2019-11-14T09:08:24Z") };
const req = (headers: Record<string, string>) => new Request("http://x/", { headers });

test("If-None-Match matches the strong tag, a weak form, a list, or *", () => {
  assert.equal(isNotModified(req({ "if-none-match": '"abc"' }), v), true);
  assert.equal(isNotModified(req({ "if-none-match": 'W/"abc"' }), v), true);
  assert.equal(isNotModified(req({ "if-none-match": '"x", "abc"' }), v), true);
  assert.equal(isNotModified(req({ "if-none-match": "*" }), v), true);
  assert.equal(isNotModified(req({ "if-none-match": '"other"' }), v), false);
});

test("If-None-Match wins over If-Modified-Since", () => {
  assert.equal(isNotModified(req({ "if-none-match": '"other"', "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }), v), false);
});

test("If-Modified-Since compares at one-second resolution", () => {
  assert.equal(isNotModified(req({ "if-modified-since": v.lastModified.toUTCString() }), v), true);
  assert.equal(isNotModified(req({ "if-modified-since": "Thu, 14 Nov 2019 09:08:23 GMT" }), v), false);
  assert.equal(isNotModified(req({ "if-modified-since": "garbage" }), v), false);
  assert.equal(isNotModified(req({}), v), false);
});

test("cacheHeaders carries both validators", () => {
  const h = cacheHeaders(v);
  assert.equal(h.ETag, '"abc"');
  assert.equal(h["Last-Modified"], "Thu, 14 Nov 2019 09:08:24 GMT");
  assert.equal(cacheHeaders({ etag: '"x"', lastModified: null })["Last-Modified"], undefined);
});
