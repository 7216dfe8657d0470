import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { buildThreadTree, flattenThread, type ThreadInput, type ThreadNode } from "../../lib/threading/thread";

let nextId = 1;
function msg(mid: string, references: string[] = [], minute = nextId): ThreadInput {
  return {
    id: nextId++,
    mid,
    references,
    date: new Date(Date.UTC(2024, 0, 1, 0, minute)),
    subject: mid,
  };
}

// One line per node: indentation for depth, "?" for ghosts, "#id" for variants.
// Built from flattenThread so it never recurses, even on the 10k-deep chain.
function shape(roots: ThreadNode[]): string[] {
  return flattenThread(roots).map(
    (n) => "  ".repeat(n.depth) + (n.message === null ? `?${n.mid}` : n.mid),
  );
}

function shapeWithIds(roots: ThreadNode[]): string[] {
  return flattenThread(roots).map(
    (n) => `${n.depth} ${n.mid} ${n.message === null ? "ghost" : n.message.id}`,
  );
}

describe("buildThreadTree", () => {
  it("threads a simple reply chain with branches", () => {
    const roots = buildThreadTree([
      msg("a", [], 1),
      msg("b", ["a"], 2),
      msg("c", ["a", "b"], 3),
      msg("d", ["a"], 4),
    ]);
    assert.deepEqual(shape(roots), ["a", "  b", "    c", "  d"]);
  });

  it("sets depth on the returned tree", () => {
    const roots = buildThreadTree([msg("a", [], 1), msg("b", ["a"], 2)]);
    assert.equal(roots[0]?.depth, 0);
    assert.equal(roots[0]?.children[0]?.depth, 1);
  });

  it("creates a ghost for a missing parent", () => {
    const roots = buildThreadTree([msg("b", ["a"], 1), msg("c", ["a"], 2)]);
    assert.deepEqual(shape(roots), ["?a", "  b", "  c"]);
    assert.equal(roots[0]?.message, null);
  });

  it("keeps a ghost root with a single child", () => {
    assert.deepEqual(shape(buildThreadTree([msg("b", ["a"])])), ["?a", "  b"]);
  });

  it("creates ghosts for missing ancestors in the middle of a chain", () => {
    const roots = buildThreadTree([msg("a", [], 1), msg("d", ["a", "b", "c"], 2)]);
    assert.deepEqual(shape(roots), ["a", "  ?b", "    ?c", "      d"]);
  });

  it("links a late message into the ghost chain made for it", () => {
    const roots = buildThreadTree([
      msg("a", [], 1),
      msg("d", ["a", "b", "c"], 2),
      msg("b", ["a"], 3),
    ]);
    assert.deepEqual(shape(roots), ["a", "  b", "    ?c", "      d"]);
  });

  it("lets a message's own references override another message's chain", () => {
    // e claims x is b's parent; b itself says a.
    const roots = buildThreadTree([
      msg("a", [], 1),
      msg("e", ["x", "b"], 2),
      msg("b", ["a"], 3),
    ]);
    assert.deepEqual(shape(roots), ["a", "  b", "    e"]);
  });

  it("orders roots and children by date, ghosts by earliest descendant", () => {
    const roots = buildThreadTree([
      msg("late-root", [], 50),
      msg("r", [], 1),
      msg("r3", ["r"], 30),
      msg("r1", ["r"], 10),
      msg("g-child", ["r", "ghost"], 20),
      msg("orphan", ["missing"], 5),
    ]);
    assert.deepEqual(shape(roots), [
      "r",
      "  r1",
      "  ?ghost",
      "    g-child",
      "  r3",
      "?missing",
      "  orphan",
      "late-root",
    ]);
  });

  it("breaks a two-message cycle", () => {
    const roots = buildThreadTree([msg("a", ["b"], 1), msg("b", ["a"], 2)]);
    assert.deepEqual(shape(roots), ["b", "  a"]);
  });

  it("breaks a three-message cycle", () => {
    const roots = buildThreadTree([
      msg("a", ["c"], 1),
      msg("b", ["a"], 2),
      msg("c", ["b"], 3),
    ]);
    assert.deepEqual(shape(roots), ["c", "  a", "    b"]);
  });

  it("ignores self-references", () => {
    assert.deepEqual(shape(buildThreadTree([msg("a", ["a"])])), ["a"]);
    const roots = buildThreadTree([msg("a", [], 1), msg("b", ["a", "b", "b"], 2)]);
    assert.deepEqual(shape(roots), ["a", "  b"]);
  });

  it("falls back to an earlier reference when the last one would loop", () => {
    // b references its own descendant c last; a is the next usable entry.
    const roots = buildThreadTree([
      msg("a", [], 1),
      msg("c", ["a", "b"], 2),
      msg("b", ["a", "c"], 3),
    ]);
    assert.deepEqual(shape(roots), ["a", "  b", "    c"]);
  });

  it("survives references to a descendant in the middle of a chain", () => {
    const roots = buildThreadTree([
      msg("a", [], 1),
      msg("b", ["a"], 2),
      msg("c", ["a", "b"], 3),
      msg("d", ["c", "a", "b"], 4),
    ]);
    assert.deepEqual(shape(roots), ["a", "  b", "    c", "    d"]);
  });

  it("shows a duplicate Message-ID as a child of the first copy", () => {
    const first = msg("a", [], 1);
    const second = msg("a", [], 5);
    const reply = msg("b", ["a"], 3);
    const roots = buildThreadTree([second, reply, first]);
    assert.deepEqual(shapeWithIds(roots), [
      `0 a ${first.id}`,
      `1 b ${reply.id}`,
      `1 a ${second.id}`,
    ]);
    assert.deepEqual(roots[0]?.children[1]?.children, []);
  });

  it("does not let a duplicate move the first copy", () => {
    const roots = buildThreadTree([
      msg("p", [], 1),
      msg("q", [], 2),
      msg("a", ["p"], 3),
      msg("a", ["q"], 4),
    ]);
    assert.deepEqual(shape(roots), ["p", "  a", "    a", "q"]);
  });

  it("handles an empty thread", () => {
    assert.deepEqual(buildThreadTree([]), []);
  });

  it("handles a 10,000-deep reply chain without recursion", () => {
    const n = 10_000;
    const messages: ThreadInput[] = [];
    for (let i = 0; i < n; i++) {
      const refs = i === 0 ? [] : messages.slice(Math.max(0, i - 20)).map((m) => m.mid);
      messages.push({
        id: i,
        mid: `m${i}@x`,
        references: refs,
        date: new Date(Date.UTC(2024, 0, 1) + i * 1000),
        subject: "deep",
      });
    }
    const flat = flattenThread(buildThreadTree(messages.slice().reverse()));
    assert.equal(flat.length, n);
    assert.equal(flat.at(-1)?.depth, n - 1);
    assert.equal(flat.at(-1)?.mid, `m${n - 1}@x`);
  });

  it("handles a 10,000-deep chain referencing only the direct parent", () => {
    const n = 10_000;
    const messages: ThreadInput[] = [];
    for (let i = 0; i < n; i++) {
      messages.push({
        id: i,
        mid: `m${i}@x`,
        references: i === 0 ? [] : [`m${i - 1}@x`],
        // Same date for all: order must come from the ids, not the input order.
        date: new Date(Date.UTC(2024, 0, 1)),
        subject: "deep",
      });
    }
    fc.assert(
      fc.property(fc.shuffledSubarray(messages, { minLength: n, maxLength: n }), (shuffled) => {
        const flat = flattenThread(buildThreadTree(shuffled));
        assert.equal(flat.length, n);
        assert.equal(flat.at(-1)?.depth, n - 1);
      }),
      { numRuns: 3 },
    );
  });
});

// Small mid alphabet so that random references hit each other, form cycles,
// self-references and duplicates.
const mids = ["a", "b", "c", "d", "e", "f", "g"];
const arbInput = fc.record({
  id: fc.integer({ min: 1, max: 1_000_000 }),
  mid: fc.constantFrom(...mids),
  references: fc.array(fc.constantFrom(...mids, "ghost1", "ghost2"), { maxLength: 6 }),
  date: fc.date({
    min: new Date("2024-01-01T00:00:00Z"),
    max: new Date("2024-01-01T00:10:00Z"),
    noInvalidDate: true,
  }),
  subject: fc.constant("s"),
});
const arbThread = fc.uniqueArray(arbInput, { selector: (m) => m.id, maxLength: 15 });

describe("buildThreadTree properties", () => {
  it("does not depend on input order", () => {
    fc.assert(
      fc.property(
        arbThread.chain((thread) =>
          fc.tuple(
            fc.constant(thread),
            fc.shuffledSubarray(thread, { minLength: thread.length, maxLength: thread.length }),
          ),
        ),
        ([thread, shuffled]) => {
          assert.deepEqual(
            shapeWithIds(buildThreadTree(shuffled)),
            shapeWithIds(buildThreadTree(thread)),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("shows every message exactly once and sets consistent depths", () => {
    fc.assert(
      fc.property(arbThread, (thread) => {
        const flat = flattenThread(buildThreadTree(thread));
        const shown = flat.flatMap((n) => (n.message === null ? [] : [n.message.id]));
        assert.deepEqual(
          shown.slice().sort((x, y) => x - y),
          thread.map((m) => m.id).sort((x, y) => x - y),
        );
        for (const node of flat) {
          for (const child of node.children) assert.equal(child.depth, node.depth + 1);
          // Ghosts are kept only when they hold a real message.
          if (node.message === null) assert.ok(node.children.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("parents each message under the last entry of its references when they agree", () => {
    // Every References list follows one global order (m0 before m1 ...), so no
    // link can loop; dropped indexes become ghosts.
    const arbConsistent = fc
      .array(
        fc.record({
          present: fc.boolean(),
          refs: fc.array(fc.nat(), { maxLength: 5 }),
          minute: fc.nat({ max: 30 }),
        }),
        { maxLength: 25 },
      )
      .chain((specs) => {
        const thread: ThreadInput[] = [];
        specs.forEach((spec, i) => {
          if (!spec.present) return;
          const refs = [...new Set(spec.refs.filter((r) => r < i))].sort((x, y) => x - y);
          thread.push({
            id: i,
            mid: `m${i}`,
            references: refs.map((r) => `m${r}`),
            date: new Date(Date.UTC(2024, 0, 1, 0, spec.minute)),
            subject: "s",
          });
        });
        return fc.shuffledSubarray(thread, { minLength: thread.length, maxLength: thread.length });
      });
    fc.assert(
      fc.property(arbConsistent, (thread) => {
        const flat = flattenThread(buildThreadTree(thread));
        const parentOf = new Map<string, string>();
        for (const node of flat) for (const child of node.children) parentOf.set(child.mid, node.mid);
        for (const m of thread) {
          const last = m.references.at(-1);
          if (last !== undefined) assert.equal(parentOf.get(m.mid), last);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("flattenThread", () => {
  it("is pre-order with depths and tolerates a hand-built loop", () => {
    const leaf: ThreadNode = { mid: "c", message: null, children: [], depth: 9 };
    const mid: ThreadNode = { mid: "b", message: null, children: [leaf], depth: 9 };
    const root: ThreadNode = { mid: "a", message: null, children: [mid], depth: 9 };
    leaf.children.push(root);
    const flat = flattenThread([root]);
    assert.deepEqual(
      flat.map((n) => `${n.depth}${n.mid}`),
      ["0a", "1b", "2c"],
    );
  });
});
