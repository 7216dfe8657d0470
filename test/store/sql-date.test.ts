import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromSqlDate, toSqlDate } from "@/lib/store/sqlite/sql-date";

const MAX_JS_TIME = 8.64e15;

test("toSqlDate writes Prisma's SQLite form", () => {
  assert.equal(toSqlDate(new Date("2024-01-02T03:04:05.678Z")), "2024-01-02T03:04:05.678+00:00");
  assert.equal(toSqlDate(new Date(0)), "1970-01-01T00:00:00.000+00:00");
  assert.equal(toSqlDate(new Date("1969-12-31T23:59:59.999Z")), "1969-12-31T23:59:59.999+00:00");
  assert.equal(toSqlDate(new Date("2100-03-01T00:00:00Z")), "2100-03-01T00:00:00.000+00:00");
  // Zone offsets in the input are converted to UTC.
  assert.equal(toSqlDate(new Date("2019-04-29T15:31:04+02:00")), "2019-04-29T13:31:04.000+00:00");
});

test("toSqlDate clamps to four-digit years", () => {
  assert.equal(toSqlDate(new Date("+012000-01-01T00:00:00Z")), "9999-12-31T23:59:59.999+00:00");
  assert.equal(toSqlDate(new Date(MAX_JS_TIME)), "9999-12-31T23:59:59.999+00:00");
  assert.equal(toSqlDate(new Date("-000005-06-01T00:00:00Z")), "0001-01-01T00:00:00.000+00:00");
  assert.equal(toSqlDate(new Date(-MAX_JS_TIME)), "0001-01-01T00:00:00.000+00:00");
  // Inside the range nothing is clamped, early years included.
  assert.equal(toSqlDate(new Date("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00.000+00:00");
  assert.equal(toSqlDate(new Date("0099-07-04T12:00:00Z")), "0099-07-04T12:00:00.000+00:00");
  assert.equal(toSqlDate(new Date("1850-07-04T12:00:00Z")), "1850-07-04T12:00:00.000+00:00");
  assert.equal(toSqlDate(new Date("9999-12-31T23:59:59.999Z")), "9999-12-31T23:59:59.999+00:00");
});

test("toSqlDate refuses an invalid Date rather than writing junk", () => {
  assert.throws(() => toSqlDate(new Date(NaN)), RangeError);
});

test("lexical order of toSqlDate is time order", () => {
  const times = [
    "1969-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00.000Z",
    "1970-01-01T00:00:00.001Z",
    "1999-12-31T23:59:59.999Z",
    "2000-01-01T00:00:00.000Z",
    "2019-04-29T13:31:04.000Z",
    "2099-12-31T23:59:59.999Z",
    "2100-01-01T00:00:00.000Z",
  ].map((s) => new Date(s));
  const shuffled = [times[5], times[0], times[7], times[2], times[4], times[1], times[6], times[3]] as Date[];
  const sorted = shuffled.map(toSqlDate).sort();
  assert.deepEqual(sorted, times.map(toSqlDate));

  // Any two dates JS can hold, clamped ones included: never out of order.
  fc.assert(
    fc.property(
      fc.integer({ min: -MAX_JS_TIME, max: MAX_JS_TIME }),
      fc.integer({ min: -MAX_JS_TIME, max: MAX_JS_TIME }),
      (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const sLo = toSqlDate(new Date(lo));
        const sHi = toSqlDate(new Date(hi));
        assert.ok(sLo <= sHi, `${sLo} > ${sHi}`);
        if (lo < hi && lo >= Date.parse("0001-01-01T00:00:00Z") && hi <= Date.parse("9999-12-31T23:59:59.999Z")) {
          assert.ok(sLo < sHi, `${sLo} == ${sHi}`);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test("fromSqlDate reads back what toSqlDate wrote", () => {
  for (const s of ["2024-01-02T03:04:05.678Z", "1970-01-01T00:00:00.000Z", "1969-07-20T20:17:40.000Z", "2100-01-01T00:00:00.000Z"]) {
    const date = new Date(s);
    assert.equal(fromSqlDate(toSqlDate(date))?.getTime(), date.getTime(), s);
  }
  fc.assert(
    fc.property(fc.integer({ min: Date.parse("0001-01-01T00:00:00Z"), max: Date.parse("9999-12-31T23:59:59.999Z") }), (t) => {
      assert.equal(fromSqlDate(toSqlDate(new Date(t)))?.getTime(), t);
    }),
    { numRuns: 2000 },
  );
});

test("fromSqlDate: epoch milliseconds and SQLite's zone-less UTC text", () => {
  assert.deepEqual(fromSqlDate(1556544664000), new Date("2019-04-29T13:31:04Z"));
  assert.deepEqual(fromSqlDate(0), new Date(0));
  const tz = process.env.TZ;
  try {
    // SQLite's datetime() writes UTC without a zone; JS alone would read local time.
    process.env.TZ = "America/New_York";
    assert.deepEqual(fromSqlDate("2024-01-02 03:04:05"), new Date("2024-01-02T03:04:05Z"));
    assert.deepEqual(fromSqlDate("2024-01-02T03:04:05.678"), new Date("2024-01-02T03:04:05.678Z"));
    assert.deepEqual(fromSqlDate("2024-07-02 03:04"), new Date("2024-07-02T03:04:00Z"));
    assert.deepEqual(fromSqlDate("2024-01-02"), new Date("2024-01-02T00:00:00Z"));
    assert.deepEqual(fromSqlDate("2024-01-02T03:04:05.678+00:00"), new Date("2024-01-02T03:04:05.678Z"));
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  }
});

test("fromSqlDate: null and junk are null", () => {
  assert.equal(fromSqlDate(null), null);
  assert.equal(fromSqlDate(""), null);
  assert.equal(fromSqlDate("not a date"), null);
  assert.equal(fromSqlDate("2024-13-45T00:00:00+00:00"), null);
  assert.equal(fromSqlDate(Number.NaN), null);
  assert.equal(fromSqlDate(MAX_JS_TIME + 1), null);
});
