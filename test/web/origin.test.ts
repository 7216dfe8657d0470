import assert from "node:assert/strict";
import { test } from "node:test";
import { publicOrigin, readOriginConfig, type OriginConfig } from "../../lib/web/origin";

const PORT = 3960;
const plain: OriginConfig = { archiveUrl: null, trustProxy: false };
const proxied: OriginConfig = { archiveUrl: null, trustProxy: true };
const env = (vars: Record<string, string>): NodeJS.ProcessEnv => vars as NodeJS.ProcessEnv;

test("ARCHIVE_URL is reduced to its origin", () => {
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "https://lore.example.org" })).archiveUrl, "https://lore.example.org");
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "https://lore.example.org/" })).archiveUrl, "https://lore.example.org");
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "https://lore.example.org/sub/path/?q=1#x" })).archiveUrl, "https://lore.example.org");
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "  http://Lore.Example.ORG:8080/  " })).archiveUrl, "http://lore.example.org:8080");
  // The scheme's default port is not written.
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "https://lore.example.org:443/" })).archiveUrl, "https://lore.example.org");
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "http://[::1]:8080" })).archiveUrl, "http://[::1]:8080");
});

test("no or blank ARCHIVE_URL means none", () => {
  assert.equal(readOriginConfig(env({})).archiveUrl, null);
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "" })).archiveUrl, null);
  assert.equal(readOriginConfig(env({ ARCHIVE_URL: "   " })).archiveUrl, null);
});

test("a malformed or non-http ARCHIVE_URL fails at start", () => {
  assert.throws(() => readOriginConfig(env({ ARCHIVE_URL: "lore.example.org" })));
  assert.throws(() => readOriginConfig(env({ ARCHIVE_URL: "not a url" })));
  assert.throws(() => readOriginConfig(env({ ARCHIVE_URL: "http://" })));
  assert.throws(() => readOriginConfig(env({ ARCHIVE_URL: "ftp://lore.example.org" })), /http/);
  assert.throws(() => readOriginConfig(env({ ARCHIVE_URL: "file:///srv/archive" })), /http/);
  assert.throws(() => readOriginConfig(env({ ARCHIVE_URL: "javascript:alert(1)" })), /http/);
});

test("TRUST_PROXY is on for 1 and true only", () => {
  assert.equal(readOriginConfig(env({ TRUST_PROXY: "1" })).trustProxy, true);
  assert.equal(readOriginConfig(env({ TRUST_PROXY: "true" })).trustProxy, true);
  for (const value of ["0", "false", "", "no", "2"]) {
    assert.equal(readOriginConfig(env({ TRUST_PROXY: value })).trustProxy, false, JSON.stringify(value));
  }
  assert.equal(readOriginConfig(env({})).trustProxy, false);
});

test("readOriginConfig reads process.env by default", () => {
  const saved = { ARCHIVE_URL: process.env.ARCHIVE_URL, TRUST_PROXY: process.env.TRUST_PROXY };
  try {
    process.env.ARCHIVE_URL = "https://env.example.org/x";
    process.env.TRUST_PROXY = "1";
    assert.deepEqual(readOriginConfig(), { archiveUrl: "https://env.example.org", trustProxy: true });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test("ARCHIVE_URL wins over Host and forwarded headers", () => {
  const headers = { host: "other.example", "x-forwarded-host": "proxy.example", "x-forwarded-proto": "http" };
  assert.equal(publicOrigin(headers, { archiveUrl: "https://lore.example.org", trustProxy: false }, PORT), "https://lore.example.org");
  assert.equal(publicOrigin(headers, { archiveUrl: "https://lore.example.org", trustProxy: true }, PORT), "https://lore.example.org");
  assert.equal(publicOrigin({}, { archiveUrl: "https://lore.example.org", trustProxy: false }, PORT), "https://lore.example.org");
});

test("otherwise the Host header, lower-cased, over http", () => {
  assert.equal(publicOrigin({ host: "lore.example.org" }, plain, PORT), "http://lore.example.org");
  assert.equal(publicOrigin({ host: "Lore.Example.ORG:8080" }, plain, PORT), "http://lore.example.org:8080");
  assert.equal(publicOrigin({ host: "localhost:3960" }, plain, PORT), "http://localhost:3960");
  assert.equal(publicOrigin({ host: "192.0.2.7:80" }, plain, PORT), "http://192.0.2.7:80");
});

test("an IPv6 literal host, with or without a port, is accepted", () => {
  assert.equal(publicOrigin({ host: "[::1]:3960" }, plain, PORT), "http://[::1]:3960");
  assert.equal(publicOrigin({ host: "[2001:DB8::1]" }, plain, PORT), "http://[2001:db8::1]");
  assert.equal(publicOrigin({ host: "[::ffff:192.0.2.1]:8080" }, plain, PORT), "http://[::ffff:192.0.2.1]:8080");
});

test("forwarded headers are ignored unless the proxy is trusted", () => {
  const headers = { host: "internal:3000", "x-forwarded-host": "lore.example.org", "x-forwarded-proto": "https" };
  assert.equal(publicOrigin(headers, plain, PORT), "http://internal:3000");
  assert.equal(publicOrigin(headers, proxied, PORT), "https://lore.example.org");
});

test("a trusted proxy's headers: first value of a list, proto only http or https", () => {
  assert.equal(
    publicOrigin({ host: "internal", "x-forwarded-host": "Lore.Example.org, evil.example", "x-forwarded-proto": "https, http" }, proxied, PORT),
    "https://lore.example.org",
  );
  assert.equal(publicOrigin({ host: "internal", "x-forwarded-host": " lore.example.org:8443 " }, proxied, PORT), "http://lore.example.org:8443");
  assert.equal(publicOrigin({ host: "internal", "x-forwarded-proto": "HTTPS" }, proxied, PORT), "https://internal");
  assert.equal(publicOrigin({ host: "internal", "x-forwarded-proto": "gopher" }, proxied, PORT), "http://internal");
  assert.equal(publicOrigin({ host: "internal", "x-forwarded-proto": "javascript" }, proxied, PORT), "http://internal");
  // Without X-Forwarded-Host the Host header still counts.
  assert.equal(publicOrigin({ host: "lore.example.org" }, proxied, PORT), "http://lore.example.org");
  assert.equal(publicOrigin({ host: "lore.example.org", "x-forwarded-host": "" }, proxied, PORT), "http://lore.example.org");
  // Repeated headers (an array) use the first.
  assert.equal(publicOrigin({ host: "internal", "x-forwarded-host": ["a.example", "b.example"] }, proxied, PORT), "http://a.example");
});

test("hostile Host values fall back to the local address", () => {
  const local = `http://127.0.0.1:${PORT}`;
  for (const host of [
    "evil.com/x",
    "evil.com/",
    "a b",
    '"x"',
    "user@host",
    "evil.com#frag",
    "evil.com?x",
    "evil.com\\x",
    "<evil>",
    "evil.com:80:80",
    "evil.com:123456",
    "evil.com:",
    "[::1",
    "[evil.com]",
    "",
    "   ",
  ]) {
    assert.equal(publicOrigin({ host }, plain, PORT), local, JSON.stringify(host));
  }
  assert.equal(publicOrigin({}, plain, PORT), local);
  assert.equal(publicOrigin({ host: "ok.example" }, plain, 8081), "http://ok.example");
  assert.equal(publicOrigin({}, plain, 8081), "http://127.0.0.1:8081");
});

test("a trusted but hostile X-Forwarded-Host does not reach the links", () => {
  for (const fhost of ["evil.com/x", "a b", "user@host", '"x"']) {
    const origin = publicOrigin({ host: "lore.example.org", "x-forwarded-host": fhost }, proxied, PORT);
    assert.ok([`http://127.0.0.1:${PORT}`, "http://lore.example.org"].includes(origin), `${fhost} -> ${origin}`);
  }
});
