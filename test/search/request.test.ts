import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as search from "../../lib/search/request";

describe("URL parameters (lore's q, o, r, x)", () => {
  test("read and written back the same way", () => {
    const req = search.readSearchRequest(new URLSearchParams("q=s%3A%22a+b%22+f%3Ax&o=50&r&x=t"));
    assert.deepEqual(req, { q: 's:"a b" f:x', offset: 50, order: "relevance", view: "threads" });
    assert.equal(search.searchHref("linux-integrity", req!), "/linux-integrity/?q=s%3A%22a+b%22+f%3Ax&x=t&r&o=50");
    assert.deepEqual(search.readSearchRequest(new URL(`http://x${search.searchHref(null, req!)}`).searchParams), req);
    assert.equal(search.readSearchRequest({ q: "  " }), null);
    assert.equal(search.readSearchRequest({}), null);
    assert.deepEqual(search.readSearchRequest({ q: ["a", "b"], o: "-5", x: "m" }), { q: "a", offset: 0, order: "date", view: "mbox" });
    assert.equal(search.searchHref(null, { q: "a", view: "mbox", threads: true }), "/all/?q=a&x=m&t=1");
  });
});
