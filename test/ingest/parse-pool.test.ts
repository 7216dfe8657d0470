import assert from "node:assert/strict";
import { test } from "node:test";
import type { IncomingMessage } from "../../lib/store/types";
import type { RawMail } from "../../lib/ingest/mail-sources";
import { parseAll } from "../../lib/ingest/parse-pool";

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

// A real message that exhausts a parse worker: a 20 MB text body needs a few
// times that in strings while mailparser decodes it, far over a 24 MB heap
// (which still starts a worker). V8 ends such a worker with a fatal OOM.
const TINY_HEAP_MB = 24;

function killer(i: number): RawMail {
  const line = `${"x".repeat(75)}\n`;
  return {
    raw: Buffer.from(`Message-ID: <killer${i}@x>\nSubject: huge ${i}\n\n${line.repeat(Math.ceil(20_000_000 / line.length))}`),
    oversize: null,
    fromLineDate: null,
    position: `test: message ${i + 1}`,
  };
}

test("a worker that dies on a message fails that one message; the rest are parsed, in order, by it and its replacements", async () => {
  const input = mails(150);
  const killers = [3, 50];
  for (const i of killers) input[i] = killer(i);
  for (const workers of [1, 2]) {
    // Which messages the pool asks for after the first death was seen: with one
    // worker, only a replacement can parse those.
    let deathSeen = false;
    const pulledAfterDeath: number[] = [];
    const source = (async function* () {
      for (const [i, mail] of input.entries()) {
        if (deathSeen) pulledAfterDeath.push(i);
        yield mail;
      }
    })();
    const out: IncomingMessage[] = [];
    for await (const m of parseAll(source, workers, { workerHeapMb: TINY_HEAP_MB })) {
      if (m.parsed === null) deathSeen = true;
      out.push(m);
    }
    const label = `${workers} workers`;
    assert.deepEqual(out.map((m) => m.position), input.map((m) => m.position), `${label}: order`);
    const failed = out.flatMap((m, i) => (m.parsed === null ? [i] : []));
    assert.deepEqual(failed, killers, `${label}: each killer fails once, nothing else does`);
    for (const i of killers) {
      assert.match(out[i]!.error ?? "", /^parse worker died \(.+\) while parsing this message$/, label);
      assert.match(out[i]!.error ?? "", /out of memory/i, label);
    }
    const good = out.filter((m) => m.parsed !== null);
    assert.deepEqual(good.map((m) => m.parsed?.messageId), input.flatMap((_, i) => (killers.includes(i) ? [] : [`m${i}@x`])), label);
    if (workers === 1) {
      assert.ok(pulledAfterDeath.length > 0, "some messages were sent after the first death");
      assert.ok(pulledAfterDeath.every((i) => killers.includes(i) || out[i]!.parsed?.messageId === `m${i}@x`));
    }
  }
});

test("a worker that cannot even start fails the run, rather than every message", async () => {
  // A 2 MB heap is too small to load the worker's modules.
  const run = async () => {
    for await (const _ of parseAll((async function* () { yield* mails(3); })(), 1, { workerHeapMb: 2 }));
  };
  await assert.rejects(run, /^Error: parse worker could not start \(.+\)$/);
});

test("a giant text part is decoded from its first 16 MB only, so its parse memory stays bounded", async () => {
  // 24 MB of quoted-printable "€" (9 bytes of "=E2=82=AC" per char) would give
  // 2.7M chars, under the 4M-char body cap: only the part cap stops it first.
  const line = `${"=E2=82=AC".repeat(8)}=\n`;
  const body = line.repeat(Math.ceil((24 * 1048576) / line.length));
  const raw = Buffer.from(`Message-ID: <qp@x>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${body}`);
  const [out] = await collect(0, [{ raw, oversize: null, fromLineDate: null, position: "test: message 1" }]);
  const text = out!.parsed?.bodyText ?? "";
  assert.ok(text.length > 1_500_000 && text.length <= (16 * 1048576) / 9, `${text.length} chars`);
  assert.match(text.slice(0, 100), /^€+$/);
});
