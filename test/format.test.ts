import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDate, formatDay, plural } from "../lib/format";

test("dates are absolute UTC, like lore", () => {
  assert.equal(formatDate(new Date("2019-11-14T09:08:24Z")), "2019-11-14 09:08 UTC");
  assert.equal(formatDate(null), "");
  assert.equal(formatDay(new Date("2019-11-14T23:59:59Z")), "2019-11-14");
});

test("plural handles one, many and irregular words", () => {
  assert.equal(plural(1, "message"), "1 message");
  assert.equal(plural(30830, "message"), "30,830 messages");
  assert.equal(plural(2, "reply"), "2 replies");
  assert.equal(plural(1, "reply"), "1 reply");
});
