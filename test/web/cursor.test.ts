import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCursor, parseCursor } from "../../lib/web/cursor";

test("formatCursor writes lore's YYYYMMDDhhmmss in UTC", () => {
  assert.equal(formatCursor(new Date("2019-11-14T09:08:24.999Z")), "20191114090824");
});

test("parseCursor round-trips and rejects junk and impossible dates", () => {
  assert.equal(parseCursor("20191114090824")?.toISOString(), "2019-11-14T09:08:24.000Z");
  for (const bad of ["", "2019111409082", "201911140908245", "20190230000000", "2019-11-14", null, undefined]) {
    assert.equal(parseCursor(bad), null, String(bad));
  }
});
