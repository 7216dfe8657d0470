import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MAX_JOINED_THREADS, directParent, threadingReferences, tripsMergeGuard } from "../../lib/threading/merge-guard";

describe("directParent", () => {
  test("In-Reply-To wins over the last reference", () => {
    assert.equal(directParent(["a", "b", "c"], "b", "me"), "b");
  });
  test("without In-Reply-To (or with one naming the message itself) the last reference", () => {
    assert.equal(directParent(["a", "b", "c"], null, "me"), "c");
    assert.equal(directParent(["a", "b", "c"], "me", "me"), "c");
    assert.equal(directParent(["a", "me"], null, "me"), "a");
  });
  test("no parent for a thread root", () => {
    assert.equal(directParent([], null, "me"), null);
  });
});

describe("tripsMergeGuard", () => {
  const threads = new Map([["a1", 1], ["a2", 1], ["b1", 2], ["c1", 3], ["d1", 4]]);
  const threadOf = (mid: string) => threads.get(mid);

  test(`references in up to ${MAX_JOINED_THREADS} threads pass`, () => {
    assert.equal(tripsMergeGuard(["a1", "a2", "b1", "c1"], threadOf), false);
    assert.equal(tripsMergeGuard([], threadOf), false);
  });
  test("one thread more trips it", () => {
    assert.equal(tripsMergeGuard(["a1", "b1", "c1", "d1"], threadOf), true);
  });
  test("each unknown reference counts as a thread of its own; repeats count once", () => {
    assert.equal(tripsMergeGuard(["x", "y", "a1"], threadOf), false);
    assert.equal(tripsMergeGuard(["x", "y", "z", "a1"], threadOf), true);
    assert.equal(tripsMergeGuard(["x", "x", "x", "x", "a1"], threadOf), false);
  });
  test("stops at the first reference that decides", () => {
    const asked: string[] = [];
    const many = Array.from({ length: 1000 }, (_, i) => `g${i}`);
    assert.equal(tripsMergeGuard(many, (mid) => { asked.push(mid); return undefined; }), true);
    assert.equal(asked.length, MAX_JOINED_THREADS + 1);
  });
});

describe("threadingReferences", () => {
  test("unguarded messages keep every reference", () => {
    assert.deepEqual(threadingReferences(["a", "b", "c"], "c", "me", false), ["a", "b", "c"]);
  });
  test("a guarded message hangs under its direct parent only", () => {
    assert.deepEqual(threadingReferences(["a", "b", "c", "d"], "b", "me", true), ["b"]);
    assert.deepEqual(threadingReferences(["a", "b", "c", "d"], null, "me", true), ["d"]);
    assert.deepEqual(threadingReferences([], null, "me", true), []);
  });
});
