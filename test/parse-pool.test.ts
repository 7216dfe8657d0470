import assert from "node:assert/strict";
import { test } from "node:test";
import type { RawMail } from "../lib/mail-sources";
import { parseAll } from "../lib/parse-pool";

function mails(n: number): RawMail[] {
  return Array.from({ length: n }, (_, i) => ({
    raw: Buffer.from(`Message-ID: <m${i}@x>\nSubject: number ${i}\nDate: Mon, 6 Jan 2025 10:00:00 +0000\n\nbody ${i}\n`),
    oversize: null,
    fromLineDate: null,
    position: `test: message ${i + 1}`,
  }));
}

async function collect(workers: number, input: RawMail[]) {
  const out = [];
  for await (const m of parseAll((async function* () { yield* input; })(), workers)) out.push(m);
  return out;
}

test("worker parsing yields the same results, in input order, as parsing on the main thread", async () => {
  const input = mails(300);
  const here = await collect(0, input);
  const pooled = await collect(2, input);
  assert.equal(pooled.length, 300);
  assert.deepEqual(pooled.map((m) => m.parsed?.messageId), input.map((_, i) => `m${i}@x`));
  assert.deepEqual(pooled.map((m) => m.parsed?.subject), here.map((m) => m.parsed?.subject));
  assert.ok(pooled.every((m, i) => m.raw.equals(input[i]!.raw) && m.position === input[i]!.position));
});

test("an oversized message is one failure in its place, never parsed, with or without workers", async () => {
  const input = mails(10);
  input[3] = { raw: Buffer.alloc(0), oversize: 100 * 1048576, fromLineDate: null, position: "test: message 4" };
  for (const workers of [0, 2]) {
    const out = await collect(workers, input);
    assert.equal(out.length, 10);
    assert.deepEqual(out.map((m) => m.position), input.map((m) => m.position), `${workers} workers: order`);
    assert.equal(out[3]!.parsed, null);
    assert.match(out[3]!.error ?? "", /^message of 100\.0 MB is over the size limit/);
    assert.ok(out.filter((_, i) => i !== 3).every((m) => m.parsed !== null));
  }
});
