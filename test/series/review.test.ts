import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { collectReview, reviewMark, type ThreadMail } from "../../lib/series/review";

let nextId = 1;
function mail(mid: string, parentMid: string | null, day: number, trailers: [string, string][] = [], isPatchMail = false): ThreadMail {
  return { id: nextId++, mid, parentMid, date: new Date(Date.UTC(2024, 0, day)), isPatchMail, trailers: trailers.map(([name, value]) => ({ name, value })) };
}

const RITA = "Rita Reviewer <rita@example.com>";
const MONA = "Mona Maintainer <mona@example.org>";
const TOM = "Tom Tester <tom@example.net>";

describe("collectReview", () => {
  test("a reply under a patch reviews that patch; a reply to the cover reviews every patch, in arrival order", () => {
    const mails = [
      mail("cover", null, 1, [], true),
      mail("p1", "cover", 1, [], true),
      mail("p2", "cover", 1, [], true),
      mail("r-p1", "p1", 3, [["Reviewed-by", RITA]]),
      mail("r-cover", "cover", 2, [["Acked-by", MONA]]),
      mail("r-r-p2", "r-p2", 5, [["Tested-by", TOM]]),
      mail("r-p2", "p2", 4),
    ];
    const review = collectReview({ coverMid: "cover", patchMids: ["p1", "p2"] }, mails);
    assert.deepEqual(review.cover, [{ name: "Acked-by", value: MONA, by: "r-cover" }]);
    assert.deepEqual(review.patches[0], [
      { name: "Acked-by", value: MONA, by: "r-cover" },
      { name: "Reviewed-by", value: RITA, by: "r-p1" },
    ]);
    assert.deepEqual(review.patches[1], [
      { name: "Acked-by", value: MONA, by: "r-cover" },
      { name: "Tested-by", value: TOM, by: "r-r-p2" },
    ]);
    assert.equal(review.replyCount, 4);
  });

  test("with --chain-reply-to, patch 2's replies are not patch 1's", () => {
    const mails = [
      mail("p1", null, 1, [], true),
      mail("p2", "p1", 1, [], true),
      mail("r-p2", "p2", 2, [["Reviewed-by", RITA]]),
    ];
    const review = collectReview({ coverMid: null, patchMids: ["p1", "p2"] }, mails);
    assert.deepEqual(review.patches[0], []);
    assert.deepEqual(review.patches[1], [{ name: "Reviewed-by", value: RITA, by: "r-p2" }]);
    assert.deepEqual(review.cover, []);
  });

  test("a missing patch is null; a later version sent under this one is not a reply to it", () => {
    const mails = [
      mail("cover", null, 1, [], true),
      mail("p1", "cover", 1, [], true),
      mail("v2-cover", "cover", 10, [], true),
      mail("r-v2", "v2-cover", 11, [["Reviewed-by", RITA]]),
    ];
    const review = collectReview({ coverMid: "cover", patchMids: ["p1", null] }, mails);
    assert.equal(review.patches[1], null);
    assert.deepEqual(review.patches[0], []);
    assert.equal(review.replyCount, 0);
  });

  test("a reference loop in hostile mail ends the walk", () => {
    const mails = [mail("p1", null, 1, [], true), mail("a", "b", 2, [["Acked-by", MONA]]), mail("b", "a", 3), mail("c", "p1", 4), mail("self", "self", 5)];
    mails[1] = { ...mails[1]!, parentMid: "c" };
    mails.push(mail("d", "a", 6), { ...mail("a2", "d", 7) });
    const review = collectReview({ coverMid: null, patchMids: ["p1"] }, mails);
    assert.deepEqual(review.patches[0], [{ name: "Acked-by", value: MONA, by: "a" }]);
  });

  test("reviewMark knows the three review trailers in any case", () => {
    assert.equal(reviewMark({ name: "reviewed-BY", value: RITA }), "reviewed");
    assert.equal(reviewMark({ name: "Acked-by", value: MONA }), "acked");
    assert.equal(reviewMark({ name: "Tested-by", value: TOM }), "tested");
    assert.equal(reviewMark({ name: "Signed-off-by", value: TOM }), null);
  });
});
