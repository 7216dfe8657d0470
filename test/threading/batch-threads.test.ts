// lib/threading/batch-threads.ts against a literal, one-message-at-a-time port
// of the SQLite writer's threading (lib/store/sqlite/archive-writer.ts:
// threadMessage, link, recheckGuarded) over plain maps: cut into any batches,
// with a store that only answers what is asked, the batch engine must end in
// the same threads, refs and guarded messages.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BatchThreads, type BatchThreadsResult, type ThreadStore } from "../../lib/threading/batch-threads";
import { directParent, tripsMergeGuard } from "../../lib/threading/merge-guard";

interface Mail {
  mid: string;
  references: string[];
  inReplyTo: string | null;
}

interface Outcome {
  /** Per message (by position): the sorted Message-IDs of its thread's refs. */
  threads: string[];
  guarded: boolean[];
  /** Thread count. */
  count: number;
}

/** The SQLite writer's algorithm, statement for statement, on maps. */
function reference(mails: Mail[]): Outcome {
  const refs = new Map<string, number>();
  const messageThread: number[] = [];
  const guarded: boolean[] = [];
  const guardedRefs = new Map<number, Set<string>>();
  let nextThread = 1;
  const pending: number[] = [];
  const link = (mids: string[]): number => {
    const found = new Set<number>();
    for (const mid of mids) if (refs.has(mid)) found.add(refs.get(mid) as number);
    let target: number;
    if (found.size === 0) target = nextThread++;
    else {
      target = Math.min(...found);
      for (const other of found) {
        if (other === target) continue;
        for (const [id, names] of guardedRefs) if ([...names].some((mid) => refs.get(mid) === other)) pending.push(id);
        messageThread.forEach((t, i) => t === other && (messageThread[i] = target));
        for (const [mid, t] of refs) if (t === other) refs.set(mid, target);
      }
    }
    for (const mid of mids) {
      if (refs.has(mid)) continue;
      refs.set(mid, target);
      for (const [id, names] of guardedRefs) if (names.has(mid)) pending.push(id);
    }
    return target;
  };
  mails.forEach((mail, id) => {
    const { mid: messageId, references, inReplyTo } = mail;
    const parent = directParent(references, inReplyTo, messageId);
    const base = parent === null ? [messageId] : [messageId, parent];
    const mids = [messageId, ...references];
    if (parent !== null && !references.includes(parent)) mids.push(parent);
    const known = new Map(mids.map((m) => [m, refs.get(m)]));
    const baseThreads = new Set(base.map((m) => known.get(m)));
    const isGuarded = tripsMergeGuard(references, (m) => {
      const t = known.get(m);
      return m === parent || (t !== undefined && baseThreads.has(t)) ? -1 : t;
    });
    messageThread[id] = link(isGuarded ? base : mids);
    guarded[id] = isGuarded;
    if (isGuarded) guardedRefs.set(id, new Set(references));
    while (pending.length > 0) {
      const g = pending.pop() as number;
      if (!guarded[g]) continue;
      const m = mails[g] as Mail;
      if (tripsMergeGuard(m.references, (r) => refs.get(r))) continue;
      guarded[g] = false;
      guardedRefs.delete(g);
      link([m.mid, ...m.references]);
    }
  });
  return outcome(messageThread, guarded, refs);
}

function outcome(messageThread: number[], guarded: boolean[], refs: Map<string, number>): Outcome {
  const names = new Map<number, string[]>();
  for (const [mid, t] of refs) names.set(t, [...(names.get(t) ?? []), mid]);
  return {
    threads: messageThread.map((t) => (names.get(t) ?? []).sort().join(" ")),
    guarded,
    count: new Set(messageThread).size,
  };
}

/** A store holding what finish() wrote, answering only what BatchThreads asks. */
class MemoryStore implements ThreadStore {
  readonly refRows = new Map<string, number>();
  readonly messageThread: number[] = [];
  readonly guarded: boolean[] = [];
  readonly guardedRefRows = new Map<number, Set<string>>();
  nextThread = 1;
  asked = { refs: 0, guardedMessages: 0 };

  constructor(private readonly mails: Mail[]) {}

  async refs(mids: string[]) {
    this.asked.refs += mids.length;
    return mids.filter((mid) => this.refRows.has(mid)).map((mid) => ({ mid, threadId: this.refRows.get(mid) as number }));
  }
  async anyGuarded() {
    return this.guardedRefRows.size > 0;
  }
  async guardedByMid(mids: string[]) {
    const wanted = new Set(mids);
    return [...this.guardedRefRows].flatMap(([messageId, names]) => [...names].filter((mid) => wanted.has(mid)).map((mid) => ({ messageId, mid })));
  }
  async guardedInThreads(threadIds: number[]) {
    const out: { threadId: number; messageId: number }[] = [];
    for (const threadId of threadIds) {
      for (const [messageId, names] of this.guardedRefRows) {
        if ([...names].some((mid) => this.refRows.get(mid) === threadId)) out.push({ threadId, messageId });
      }
    }
    return out;
  }
  async guardedMessages(ids: number[]) {
    this.asked.guardedMessages += ids.length;
    return ids.filter((id) => this.guarded[id]).map((id) => ({ id, mid: (this.mails[id] as Mail).mid, references: (this.mails[id] as Mail).references }));
  }
  apply(result: BatchThreadsResult): void {
    for (const { from, into } of result.merged) {
      this.messageThread.forEach((t, i) => t === from && (this.messageThread[i] = into));
      for (const [mid, t] of this.refRows) if (t === from) this.refRows.set(mid, into);
    }
    for (const { mid, threadId } of result.newRefs) {
      assert.ok(!this.refRows.has(mid), `ref ${mid} written twice`);
      this.refRows.set(mid, threadId);
    }
    for (const [id, thread] of result.messageThreads) this.messageThread[id] = thread;
    for (const [id, mids] of result.guarded) {
      this.guarded[id] = true;
      this.guardedRefRows.set(id, new Set(mids));
    }
    for (const id of result.liftedStored) {
      this.guarded[id] = false;
      this.guardedRefRows.delete(id);
    }
    for (const id of result.messageThreads.keys()) this.guarded[id] ??= false;
  }
}

async function batched(mails: Mail[], cuts: number[]): Promise<{ outcome: Outcome; store: MemoryStore }> {
  const store = new MemoryStore(mails);
  let start = 0;
  for (const size of [...cuts, mails.length]) {
    const end = Math.min(mails.length, start + Math.max(1, size));
    if (start >= end) break;
    const threads = new BatchThreads(store);
    const batch = mails.slice(start, end);
    await threads.prepare(batch.flatMap((m) => [m.mid, ...m.references, ...(m.inReplyTo === null ? [] : [m.inReplyTo])]));
    for (let id = start; id < end; id++) {
      const m = mails[id] as Mail;
      threads.add(id, m.mid, m.references, m.inReplyTo);
      if (threads.hasPending) await threads.recheck();
    }
    const ids = Array.from({ length: threads.newThreadCount }, () => store.nextThread++);
    store.apply(threads.finish(ids));
    start = end;
  }
  return { outcome: outcome(store.messageThread, store.guarded, store.refRows), store };
}

// The merge-guard corpus of test/ingest/ingest.test.ts.
const q = (mid: string) => `${mid}@guard.example`;
const roots = [1, 2, 3, 4, 5, 6].map((k) => q(`t${k}`));
const guardCorpus: Mail[] = [
  ...[1, 2, 3, 4, 5, 6].flatMap((k) => [
    { mid: q(`t${k}`), references: [], inReplyTo: null },
    { mid: q(`t${k}-r`), references: [q(`t${k}`)], inReplyTo: q(`t${k}`) },
  ]),
  { mid: q("merger"), references: roots, inReplyTo: q("t3") },
  { mid: q("merger-r"), references: [...roots, q("merger")], inReplyTo: q("merger") },
  ...Array.from({ length: 9 }, (_, i) => ({
    mid: q(`c${i}`),
    references: Array.from({ length: i }, (_, j) => q(`c${j}`)),
    inReplyTo: i === 0 ? null : q(`c${i - 1}`),
  })),
  { mid: q("bridge"), references: [q("t5"), q("t5-r"), q("t6"), q("t6-r")], inReplyTo: q("t6-r") },
];

describe("BatchThreads", () => {
  test("the merge-guard corpus: six threads stay apart, merger and its reply are guarded, in any batches", async () => {
    const expected = reference(guardCorpus);
    assert.equal(expected.count, 6);
    assert.deepEqual(expected.guarded.flatMap((g, i) => (g ? [guardCorpus[i]!.mid] : [])), [q("merger"), q("merger-r")]);
    for (const cuts of [[1000], Array(guardCorpus.length).fill(1), [3, 1, 7], [13, 2]]) {
      const { outcome: got } = await batched(guardCorpus, cuts);
      assert.deepEqual(got, expected, `batches ${cuts}`);
    }
  });

  test("a reply arriving before its eight ancestors is guarded, then lifted from a later batch (read on demand)", async () => {
    const chain = guardCorpus.filter((m) => m.mid.startsWith("c"));
    const order = [chain[8]!, ...chain.slice(0, 8)];
    const expected = reference(order);
    assert.equal(expected.count, 1);
    assert.ok(expected.guarded.every((g) => !g));
    const { outcome: got, store } = await batched(order, [1, 4, 4]);
    assert.deepEqual(got, expected);
    assert.ok(store.asked.guardedMessages > 0, "the stored guarded message was read back");
  });

  test("any mail, cut into any batches, threads as the one-at-a-time algorithm does", async () => {
    const pool = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const mailArb = fc.record({
      mid: fc.constantFrom(...pool),
      references: fc.uniqueArray(fc.constantFrom(...pool), { maxLength: 7 }),
      inReplyTo: fc.option(fc.constantFrom(...pool), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(mailArb, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 10 }), async (mails, cuts) => {
        assert.deepEqual((await batched(mails, cuts)).outcome, reference(mails));
      }),
      { numRuns: 400 },
    );
  });
});
