import assert from "node:assert/strict";
import { test } from "node:test";
import { preferredList } from "../../lib/web/referring-list";

const ORIGIN = "https://lore.example.org";
const LISTS = ["linux-integrity", "keyrings", "linux-security-module"];

test("the list the reader came from wins when it holds the message", () => {
  assert.equal(preferredList(LISTS, `${ORIGIN}/keyrings/20240101.1@x/`, ORIGIN), "keyrings");
  assert.equal(preferredList(LISTS, `${ORIGIN}/linux-security-module/?q=s:ima`, ORIGIN), "linux-security-module");
  assert.equal(preferredList(LISTS, `${ORIGIN}/keyrings`, ORIGIN), "keyrings");
});

test("otherwise the list that stored it first", () => {
  assert.equal(preferredList(LISTS, undefined, ORIGIN), "linux-integrity");
  assert.equal(preferredList(LISTS, `${ORIGIN}/netdev/x@y/`, ORIGIN), "linux-integrity", "a list that does not hold it");
  assert.equal(preferredList(LISTS, `${ORIGIN}/`, ORIGIN), "linux-integrity");
  assert.equal(preferredList(LISTS, `${ORIGIN}/all/x@y/T/`, ORIGIN), "linux-integrity");
  assert.equal(preferredList(LISTS, "not a url", ORIGIN), "linux-integrity");
  assert.equal(preferredList(LISTS, "https://elsewhere.example/keyrings/", ORIGIN), "linux-integrity", "another site's page");
  assert.equal(preferredList(LISTS, "http://lore.example.org/keyrings/", ORIGIN), "linux-integrity", "another scheme is another origin");
  assert.equal(preferredList([], `${ORIGIN}/keyrings/`, ORIGIN), undefined);
});

test("a list name with escaped characters is read as the URL writes it", () => {
  assert.equal(preferredList(["a", "b.c+d"], `${ORIGIN}/b.c%2Bd/m@x/`, ORIGIN), "b.c+d");
});
