import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as search from "../../lib/search/cost";

describe("costly queries (the search processes' second lane)", () => {
  test("what a person types is cheap; many words or many nodes are costly", () => {
    for (const q of ["s:ima", "f:zohar", '"two words" AND d:2.weeks.ago..', "tpm AND NOT s:ima", 's:"unbalanced']) {
      assert.equal(search.isCostlySearch(q), false, q);
    }
    assert.equal(search.isCostlySearch("the OR a OR to OR of OR and"), true);
    assert.equal(search.isCostlySearch("a AND (b OR c) AND (d OR e) AND NOT (f OR g)"), true);
  });
});
