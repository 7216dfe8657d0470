import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatMboxrd, isFromLine, splitMbox, type MboxMessage, type MboxVariant } from "@/lib/mail/mbox";
import { unwrapMboxrd } from "../support/mboxrd";

const b = (s: string) => Buffer.from(s, "latin1");

async function* chunked(buf: Buffer, sizes: readonly number[] = [buf.length || 1]): AsyncGenerator<Buffer> {
  let i = 0;
  let k = 0;
  while (i < buf.length) {
    const n = Math.max(1, sizes[k++ % sizes.length] ?? 1);
    yield buf.subarray(i, i + n);
    i += n;
  }
}

async function split(buf: Buffer, opts: { variant?: MboxVariant; sizes?: readonly number[]; maxMessageBytes?: number } = {}): Promise<MboxMessage[]> {
  const out: MboxMessage[] = [];
  for await (const m of splitMbox(chunked(buf, opts.sizes), { variant: opts.variant, maxMessageBytes: opts.maxMessageBytes })) out.push(m);
  return out;
}

const raws = (ms: MboxMessage[]) => ms.map((m) => m.raw.toString("latin1"));

const RD = "From mboxrd@z Thu Jan  1 00:00:00 1970";

test("isFromLine accepts real-world From_ lines", () => {
  for (const line of [
    RD,
    "From jdoe@example.org Mon Apr 29 15:31:04 2019",
    "From 1234abcd5678ef901234abcd5678ef901234abcd Mon Sep 17 00:00:00 2001",
    "From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
    "From jdoe@example.org Apr 29 15:31:04 2019",
    "From jdoe@example.org Mon Apr 29 15:31:04 2019 +0200",
    "From jdoe@example.org Mon Apr 29 15:31:04 +0200 2019",
    "From jdoe@example.org Mon, 29 Apr 2019 15:31:04 +0200",
    "From jdoe@example.org  Mon Apr 29 15:31 2019",
    "From - Mon Apr 29 15:31:04 2019",
  ]) {
    assert.ok(isFromLine(line), line);
  }
});

test("isFromLine rejects body text", () => {
  for (const line of [
    "From here we go",
    "From the patch description we see it was merged in 2019",
    "From 10:00 to 12:00 in 2019",
    "From: Jane <jane@example.org>",
    "From jdoe@example.org",
    "from jdoe@example.org Mon Apr 29 15:31:04 2019",
    ">From jdoe@example.org Mon Apr 29 15:31:04 2019",
    "",
  ]) {
    assert.ok(!isFromLine(line), line);
  }
});

test("splits messages and reports fromLine, offset and index", async () => {
  const first = `${RD}\nSubject: a\n\nbody a\n\n`;
  const second = `From jdoe@example.org Mon Apr 29 15:31:04 2019\nSubject: b\n\nbody b\n\n`;
  const ms = await split(b(first + second));
  assert.deepEqual(raws(ms), ["Subject: a\n\nbody a\n", "Subject: b\n\nbody b\n"]);
  assert.deepEqual(
    ms.map((m) => [m.fromLine, m.offset, m.index]),
    [
      [RD, 0, 0],
      ["From jdoe@example.org Mon Apr 29 15:31:04 2019", first.length, 1],
    ],
  );
});

test("odd From_ lines still split", async () => {
  const lines = [
    "From 1234abcd5678ef901234abcd5678ef901234abcd Mon Sep 17 00:00:00 2001",
    "From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
    "From jdoe@example.org Apr 29 15:31:04 2019",
    "From jdoe@example.org Mon, 29 Apr 2019 15:31:04 +0200",
  ];
  const ms = await split(b(lines.map((l, i) => `${l}\nSubject: ${i}\n\nx\n\n`).join("")));
  assert.deepEqual(
    ms.map((m) => m.fromLine),
    lines,
  );
  assert.deepEqual(raws(ms), lines.map((_, i) => `Subject: ${i}\n\nx\n`));
});

test("a body line `From here we go` after a blank line does not split", async () => {
  const body = "Subject: a\n\nintro\n\nFrom here we go\n\nFrom the top, in Apr 2019\n";
  const ms = await split(b(`${RD}\n${body}\n${RD}\nSubject: b\n\n`));
  assert.equal(ms.length, 2);
  assert.equal(ms[0]?.raw.toString("latin1"), body);
});

test("a From_ line not preceded by a blank line does not split", async () => {
  const body = `Subject: a\n\nquoting:\n${RD}\nmore\n`;
  const ms = await split(b(`${RD}\n${body}`));
  assert.deepEqual(raws(ms), [body]);
});

test("mboxrd un-quoting removes exactly one > from every >+From line", async () => {
  const mbox = `${RD}\n\n>From a\n>>From b\n>>>From c\n> From d\n >From e\n>Fromage\nx>From f\n\n`;
  const ms = await split(b(mbox));
  assert.deepEqual(raws(ms), ["\nFrom a\n>From b\n>>From c\n> From d\n >From e\n>Fromage\nx>From f\n"]);
});

test("mboxo un-quoting only touches >From, not >>From", async () => {
  const mbox = `${RD}\n\n>From a\n>>From b\n>>>From c\n\n`;
  const ms = await split(b(mbox), { variant: "mboxo" });
  assert.deepEqual(raws(ms), ["\nFrom a\n>>From b\n>>>From c\n"]);
});

test("CRLF files split and keep their CRs", async () => {
  const mbox = `${RD}\r\nSubject: a\r\n\r\n>From x\r\nbody\r\n\r\n${RD}\r\nSubject: b\r\n\r\nbody\r\n\r\n`;
  const ms = await split(b(mbox));
  assert.deepEqual(raws(ms), ["Subject: a\r\n\r\nFrom x\r\nbody\r\n", "Subject: b\r\n\r\nbody\r\n"]);
  assert.deepEqual(
    ms.map((m) => m.fromLine),
    [RD, RD],
  );
  assert.equal(ms[1]?.offset, mbox.indexOf(RD, 1));
});

test("last message without trailing newline is returned as is", async () => {
  const ms = await split(b(`${RD}\nSubject: a\n\na\n\n${RD}\nSubject: b\n\nno newline`));
  assert.deepEqual(raws(ms), ["Subject: a\n\na\n", "Subject: b\n\nno newline"]);
});

test("last message without the framing blank line keeps its newline", async () => {
  const ms = await split(b(`${RD}\nSubject: a\n\na\n`));
  assert.deepEqual(raws(ms), ["Subject: a\n\na\n"]);
});

test("empty and whitespace-only input give no messages", async () => {
  assert.deepEqual(await split(Buffer.alloc(0)), []);
  assert.deepEqual(await split(b(" \n\r\n\t\n")), []);
});

test("leading garbage becomes a message only if it has content", async () => {
  const garbage = "junk before\nthe mbox\n\n";
  const ms = await split(b(`${garbage}${RD}\nSubject: a\n\n`));
  assert.deepEqual(
    ms.map((m) => [m.raw.toString("latin1"), m.fromLine, m.offset, m.index]),
    [
      ["junk before\nthe mbox\n", "", 0, 0],
      ["Subject: a\n", RD, garbage.length, 1],
    ],
  );
  const ws = await split(b(`\n\n${RD}\nSubject: a\n\n`));
  assert.deepEqual(
    ws.map((m) => [m.raw.toString("latin1"), m.offset, m.index]),
    [["Subject: a\n", 2, 0]],
  );
});

test("a file without any From_ line is one message", async () => {
  const ms = await split(b("Subject: lone\n\nbody\n"));
  assert.deepEqual(raws(ms), ["Subject: lone\n\nbody\n"]);
});

test("8-bit bytes survive untouched", async () => {
  const body = Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0xff, 0x00, 0x80, 0x0a, 0x0a, 0xc3, 0x28, 0x0a]);
  const ms = await split(Buffer.concat([b(`${RD}\n`), body, b("\n")]));
  assert.equal(ms.length, 1);
  assert.ok(ms[0]?.raw.equals(body));
});

test("string chunks are accepted as UTF-8", async () => {
  async function* strings() {
    yield `${RD}\nSubject: caf`;
    yield "é\n\n";
  }
  const out: MboxMessage[] = [];
  for await (const m of splitMbox(strings())) out.push(m);
  assert.equal(out[0]?.raw.toString("utf8"), "Subject: café\n");
});

const SAMPLE = b(
  `\r\n${RD}\r\nSubject: a\r\n\r\n>>From x\r\n>From y\r\nFrom here\r\n\r\n` +
    `From jdoe@example.org Mon Apr 29 15:31:04 2019\nSubject: b\n\n\nFrom noon till 10:00 in 2019\nx>From\n\n` +
    `From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n\nend`,
);

test("chunk boundaries at every position give the same result", async () => {
  for (const variant of ["mboxrd", "mboxo"] as const) {
    const whole = await split(SAMPLE, { variant });
    assert.equal(whole.length, 3);
    for (let i = 1; i < SAMPLE.length; i++) {
      assert.deepEqual(await split(SAMPLE, { variant, sizes: [i, SAMPLE.length] }), whole, `split at ${i}`);
    }
    assert.deepEqual(await split(SAMPLE, { variant, sizes: [1] }), whole, "1-byte chunks");
  }
});

test("a multi-megabyte message stays one message", async () => {
  const line = "From inside a body line, not a separator Apr 1 10:00 2019 >From\n>From quoted\n\n";
  const body = `Subject: big\n\n${line.repeat(Math.ceil((4 << 20) / line.length))}`;
  const mbox = Buffer.concat([formatMboxrd(b(body)), formatMboxrd(b("Subject: next\n"))]);
  const ms = await split(mbox, { sizes: [65536, 1, 4093] });
  assert.equal(ms.length, 2);
  assert.equal(ms[0]?.raw.length, body.length);
  assert.ok(ms[0]?.raw.equals(b(body)));
  assert.equal(ms[1]?.offset, formatMboxrd(b(body)).length);
});

test("a message over the size cap is reported with its size and position, and the others are whole", async () => {
  const before = formatMboxrd(b("Subject: before\n\nsmall\n"));
  const big = formatMboxrd(b(`Subject: big\n\n${"x".repeat(70_000)}\n`));
  // One line of 200 kB with no newline inside: held as a partial line, not a message.
  const oneLine = formatMboxrd(b(`Subject: one line\n\n${"y".repeat(200_000)}`));
  const after = formatMboxrd(b("Subject: after\n\nsmall too\n"));
  const mbox = Buffer.concat([before, big, oneLine, after]);
  for (const sizes of [[mbox.length], [4096], [1000, 1], [65536, 3]]) {
    const ms = await split(mbox, { sizes, maxMessageBytes: 50_000 });
    assert.equal(ms.length, 4, `chunks ${sizes}`);
    assert.deepEqual(ms.map((m) => m.oversize), [undefined, big.length - RD.length - 1, oneLine.length - RD.length - 1, undefined]);
    assert.deepEqual(ms.map((m) => m.raw.length === 0), [false, true, true, false]);
    assert.deepEqual(ms.map((m) => m.index), [0, 1, 2, 3]);
    assert.equal(ms[2]!.offset, before.length + big.length);
    assert.equal(ms[3]!.raw.toString("latin1"), "Subject: after\n\nsmall too\n");
  }
  // Under the cap nothing changes.
  assert.deepEqual(await split(mbox, { maxMessageBytes: 1 << 20 }), await split(mbox));
});

test("formatMboxrd writes lore's mboxrd framing", () => {
  assert.equal(
    formatMboxrd(b("From x\n>From y\n\n>>From z\nFromage\n")).toString("latin1"),
    `${RD}\n>From x\n>>From y\n\n>>>From z\nFromage\n\n`,
  );
  assert.equal(formatMboxrd(b("no newline")).toString("latin1"), `${RD}\nno newline\n\n`);
  assert.equal(formatMboxrd(b("")).toString("latin1"), `${RD}\n\n\n`);
});

test("formatMboxrd is inverted by the tests' unwrapMboxrd, which rejects non-single input", async () => {
  const raw = b("Subject: a\r\n\r\nFrom x\r\n>From y\r\n");
  assert.ok((await unwrapMboxrd(formatMboxrd(raw))).equals(raw));
  await assert.rejects(() => unwrapMboxrd(Buffer.concat([formatMboxrd(raw), formatMboxrd(raw)])));
  await assert.rejects(() => unwrapMboxrd(b("Subject: no From_ line\n")));
  await assert.rejects(() => unwrapMboxrd(Buffer.alloc(0)));
});

// Fragments that exercise quoting, framing and CRLF far more often than random bytes would.
const fragment = fc.oneof(
  fc.constantFrom("From ", ">", ">>From ", "From here", "\n", "\r\n", "\r", "x", " ", `${RD}`, "From a Mon Apr 29 15:31:04 2019"),
  fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a).toString("latin1")),
);
const bytes = fc.array(fragment, { maxLength: 25 }).map((fs) => b(fs.join("")));
/*
 * Exact round-trip condition: raw ends with "\n". Anything else comes back with
 * the "\n" formatMboxrd had to add, since mbox holds whole lines only (an
 * empty raw becomes "\n"). Raws ending in blank lines are fine: the reader
 * strips exactly the one blank line the writer adds.
 */
const roundTrippable = bytes.map((raw) => (raw[raw.length - 1] === 0x0a ? raw : Buffer.concat([raw, b("\n")])));
const chunkSizes = fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 8 });

test("property: splitMbox(concat(formatMboxrd(raw))) gives back every raw ending in \\n", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(roundTrippable, { maxLength: 6 }), chunkSizes, async (list, sizes) => {
      const framed = list.map(formatMboxrd);
      const ms = await split(Buffer.concat(framed), { sizes });
      assert.deepEqual(
        ms.map((m) => m.raw),
        list,
      );
      let offset = 0;
      ms.forEach((m, i) => {
        assert.equal(m.index, i);
        assert.equal(m.offset, offset);
        assert.equal(m.fromLine, RD);
        offset += framed[i]?.length ?? 0;
      });
    }),
    { numRuns: 200 },
  );
});

test("property: a raw without final newline comes back with one added", async () => {
  await fc.assert(
    fc.asyncProperty(bytes, async (raw) => {
      fc.pre(raw[raw.length - 1] !== 0x0a);
      const ms = await split(formatMboxrd(raw));
      assert.deepEqual(
        ms.map((m) => m.raw),
        [Buffer.concat([raw, b("\n")])],
      );
    }),
    { numRuns: 200 },
  );
});

test("property: unwrapMboxrd(formatMboxrd(raw)) === raw for raws ending in \\n", async () => {
  await fc.assert(
    fc.asyncProperty(roundTrippable, async (raw) => {
      assert.deepEqual(await unwrapMboxrd(formatMboxrd(raw)), raw);
    }),
    { numRuns: 200 },
  );
});

test("property: splitting does not depend on chunking", async () => {
  const variant = fc.constantFrom<MboxVariant>("mboxrd", "mboxo");
  await fc.assert(
    fc.asyncProperty(bytes, chunkSizes, variant, async (input, sizes, v) => {
      assert.deepEqual(await split(input, { variant: v, sizes }), await split(input, { variant: v }));
    }),
    { numRuns: 200 },
  );
});
