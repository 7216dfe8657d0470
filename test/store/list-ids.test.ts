import assert from "node:assert/strict";
import { test } from "node:test";
import { ListIdCache } from "../../lib/store/list-ids";

test("a list's id is looked up once per few seconds, and a missing list is asked again", async () => {
  const asked: string[] = [];
  const cache = new ListIdCache(async (name) => {
    asked.push(name);
    return name === "known" ? { id: 7, name, address: null, description: null, messageCount: 0, lastDate: null } : null;
  });
  assert.equal(await cache.get("known"), 7);
  assert.equal(await cache.get("known"), 7);
  assert.equal(await cache.get("nope"), null);
  assert.equal(await cache.get("nope"), null);
  assert.deepEqual(asked, ["known", "nope", "nope"]);
});
