import assert from "node:assert/strict";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { splitMbox } from "../lib/mbox";
import { gzipMboxrd } from "../lib/mbox-gzip";

test("gzipMboxrd writes messages that split back to the same bytes, From lines quoted", async () => {
  const raws = [
    Buffer.from("Subject: one\n\nFrom the start\n>From quoted\n"),
    Buffer.from("Subject: two\r\n\r\nbody\r\n"),
  ];
  const mbox = gunzipSync(await gzipMboxrd(raws));
  assert.ok(mbox.includes(Buffer.from("\n>From the start\n>>From quoted\n")));
  const back: Buffer[] = [];
  for await (const m of splitMbox([mbox])) back.push(m.raw);
  assert.deepEqual(back, raws);
});

test("an empty thread is an empty gzip stream", async () => {
  assert.equal(gunzipSync(await gzipMboxrd([])).length, 0);
});
