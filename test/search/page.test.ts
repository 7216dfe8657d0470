import assert from "node:assert/strict";
import { test } from "node:test";
import { SEARCH_LIMITS } from "../../lib/search/limits";
import { pagingRefusal, readPageRequest, refusedPage, resultPage, toSearchHit } from "../../lib/search/page";

test("the page request is clamped to its bounds, defaults filled", () => {
  assert.deepEqual(readPageRequest({}), { limit: SEARCH_LIMITS.pageSize, offset: 0, requested: "date" });
  assert.deepEqual(readPageRequest({ limit: 1e9, offset: -5, order: "relevance" }), { limit: SEARCH_LIMITS.maxPageSize, offset: 0, requested: "relevance" });
  assert.deepEqual(readPageRequest({ limit: 0, offset: 7.9 }), { limit: 1, offset: 7, requested: "date" });
  assert.equal(readPageRequest({ limit: Number.NaN }).limit, SEARCH_LIMITS.pageSize);
});

test("paging stops at the cap, with a message saying what to do", () => {
  assert.equal(pagingRefusal(readPageRequest({ offset: SEARCH_LIMITS.pageCap - 1 })), null);
  assert.match(pagingRefusal(readPageRequest({ offset: SEARCH_LIMITS.pageCap }))!, /narrow the query/);
  const refused = refusedPage(readPageRequest({ offset: 25, order: "relevance" }), "why");
  assert.deepEqual(refused, { hits: [], total: 0, totalCapped: false, offset: 25, limit: SEARCH_LIMITS.pageSize, order: "relevance", error: "why" });
});

test("counts past the cap show as the cap, flagged", () => {
  const page = readPageRequest({});
  assert.deepEqual([resultPage(page, "date", [], 12).total, resultPage(page, "date", [], 12).totalCapped], [12, false]);
  const capped = resultPage(page, "date", [], SEARCH_LIMITS.countCap + 1);
  assert.deepEqual([capped.total, capped.totalCapped], [SEARCH_LIMITS.countCap, true]);
});

test("a hit marks the query's terms in its subject and snippet", () => {
  const hit = toSearchHit(
    3,
    { list: "l", mid: "m@x", subject: "ima: fix policy", fromName: "A", fromAddr: "a@x", date: new Date(0), threadId: 9, threadSubject: "t", body: "the policy rules" },
    { subjectTerms: ["ima"], bodyTerms: ["rules"] },
  );
  assert.equal(hit.id, 3);
  assert.ok(hit.subjectMarked.some((s) => s.match && s.text === "ima"));
  assert.ok(hit.snippet.some((s) => s.match && s.text === "rules"));
});
