import assert from "node:assert/strict";
import { test } from "node:test";
import { buildThreadTree, flattenThread, type ThreadInput } from "../../lib/threading/thread";
import { partIndex, splitThreadParts, THREAD_PART_LIMITS } from "../../lib/threading/thread-parts";

function chain(n: number): ThreadInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    mid: `m${i}@x`,
    references: i === 0 ? [] : ["m0@x"],
    date: new Date(Date.UTC(2024, 0, 1, 0, i)),
    subject: `message ${i}`,
  }));
}

const nodesOf = (inputs: ThreadInput[]) => flattenThread(buildThreadTree(inputs));

test("a short thread is one part holding every message in thread order", () => {
  const nodes = nodesOf(chain(5));
  assert.deepEqual(splitThreadParts(nodes, () => 100), [[1, 2, 3, 4, 5]]);
});

test("parts stop at the message limit", () => {
  const parts = splitThreadParts(nodesOf(chain(1000)), () => 10);
  assert.deepEqual(parts.map((p) => p.length), [THREAD_PART_LIMITS.messages, THREAD_PART_LIMITS.messages, 1000 - 2 * THREAD_PART_LIMITS.messages]);
  assert.deepEqual(parts.flat(), nodesOf(chain(1000)).map((n) => n.message!.id), "every message once, in order");
});

test("parts stop at the text limit; one message over it still gets a part of its own", () => {
  const sizes = new Map([[1, 10], [2, 60], [3, 30], [4, 500], [5, 1]]);
  const parts = splitThreadParts(nodesOf(chain(5)), (id) => sizes.get(id)!, { messages: 100, textBytes: 100 });
  assert.deepEqual(parts, [[1, 2, 3], [4], [5]]);
  assert.deepEqual([...partIndex(parts)], [[1, 1], [2, 1], [3, 1], [4, 2], [5, 3]]);
});

test("ghosts take no room and an empty thread is one empty part", () => {
  const inputs = chain(3).map((m, i) => (i === 0 ? m : { ...m, references: ["ghost@x"] }));
  const nodes = nodesOf(inputs);
  assert.ok(nodes.some((n) => n.message === null), "the tree has a ghost");
  assert.deepEqual(splitThreadParts(nodes, () => 1, { messages: 2, textBytes: 100 }), [[1, 2], [3]]);
  assert.deepEqual(splitThreadParts([], () => 1), [[]]);
});
