import assert from "node:assert/strict";
import { test } from "node:test";
import { decodePageParams } from "../lib/route-params";

test("page params are decoded exactly once", () => {
  assert.deepEqual(decodePageParams({ list: "linux-integrity", msgid: "abc%40x.org" }), { list: "linux-integrity", mid: "abc@x.org" });
  assert.deepEqual(decodePageParams({ list: "l", msgid: "100%2525%40x" }), { list: "l", mid: "100%25@x" });
  assert.deepEqual(decodePageParams({ list: "l", msgid: "a%2Fb%40x" }), { list: "l", mid: "a/b@x" });
  assert.deepEqual(decodePageParams({ list: "l", msgid: "a+b=c%40x" }), { list: "l", mid: "a+b=c@x" });
  assert.deepEqual(decodePageParams({ list: "l", msgid: "bad%zz" }), { list: "l", mid: "bad%zz" });
});
