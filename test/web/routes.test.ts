import assert from "node:assert/strict";
import { test } from "node:test";
import { routeRequest, type Route } from "../../lib/web/routes";

// Splits a request target the way lib/web/server.ts does: the path stays percent-encoded.
function route(target: string, method = "GET"): Route {
  const q = target.indexOf("?");
  const rawPath = q === -1 ? target : target.slice(0, q);
  const search = q === -1 ? "" : target.slice(q);
  return routeRequest(method, rawPath, new URLSearchParams(search));
}

const LIST = "linux-integrity";
const MID = "20191114090824.1234-1-jane@example.org";
const MID_URL = "20191114090824.1234-1-jane%40example.org";

test("/ is the list of lists; other empty-segment paths are not", () => {
  assert.deepEqual(route("/"), { kind: "lists" });
  assert.deepEqual(route("/?q=x"), { kind: "lists" });
  assert.deepEqual(route("//"), { kind: "notFound" });
  assert.deepEqual(route("//x"), { kind: "notFound" });
  assert.deepEqual(route(""), { kind: "notFound" });
  assert.deepEqual(route("linux-integrity/"), { kind: "notFound" });
});

test("/<list>/ is the thread index with its t (older) and a (newer) cursors", () => {
  assert.deepEqual(route(`/${LIST}/`), { kind: "threads", list: LIST, before: null, after: null });
  assert.deepEqual(route(`/${LIST}/?t=20191114090824`), {
    kind: "threads",
    list: LIST,
    before: "20191114090824",
    after: null,
  });
  assert.deepEqual(route(`/${LIST}/?a=20200101000000`), {
    kind: "threads",
    list: LIST,
    before: null,
    after: "20200101000000",
  });
  assert.deepEqual(route(`/${LIST}/?t=1&a=2`), { kind: "threads", list: LIST, before: "1", after: "2" });
  // The list segment is decoded like any other path segment.
  assert.deepEqual(route("/linux%2Dintegrity/"), { kind: "threads", list: LIST, before: null, after: null });
});

test("an empty or blank q= is the plain index, not a search", () => {
  assert.deepEqual(route(`/${LIST}/?q=`), { kind: "threads", list: LIST, before: null, after: null });
  assert.deepEqual(route(`/${LIST}/?q=%20%20`), { kind: "threads", list: LIST, before: null, after: null });
  assert.deepEqual(route(`/${LIST}/?q=+&t=20191114090824`), {
    kind: "threads",
    list: LIST,
    before: "20191114090824",
    after: null,
  });
  assert.deepEqual(route("/all/?q="), { kind: "redirectHome" });
});

test("search: html by default, x=t html, x=A Atom, GET x=m the html download form", () => {
  assert.deepEqual(route(`/${LIST}/?q=s:ima`), { kind: "search", list: LIST, output: "html" });
  assert.deepEqual(route(`/${LIST}/?q=s:ima&x=t`), { kind: "search", list: LIST, output: "html" });
  assert.deepEqual(route(`/${LIST}/?q=s:ima&x=A`), { kind: "search", list: LIST, output: "atom" });
  assert.deepEqual(route(`/${LIST}/?x=A&q=s:ima`), { kind: "search", list: LIST, output: "atom" });
  assert.deepEqual(route(`/${LIST}/?q=s:ima&x=m`), { kind: "search", list: LIST, output: "html" });
  assert.deepEqual(route(`/${LIST}/?q=s:ima&x=m&t=1`), { kind: "search", list: LIST, output: "html" });
  // x is case-sensitive in lore: x=a is not the Atom feed.
  assert.deepEqual(route(`/${LIST}/?q=s:ima&x=a`), { kind: "search", list: LIST, output: "html" });
});

test("POST x=m is the gzipped mbox download, as b4 am -c and lei q send it", () => {
  const q = encodeURIComponent('((s:"ima-evm-utils: Convert v2 signatures" AND f:"vt@altlinux.org")) AND d:20190623..');
  assert.deepEqual(route(`/${LIST}/?x=m&t=1&q=${q}`, "POST"), { kind: "search", list: LIST, output: "mbox" });
  assert.deepEqual(route(`/${LIST}/?q=m:${MID_URL}&x=m`, "POST"), { kind: "search", list: LIST, output: "mbox" });
  assert.deepEqual(route(`/all/?q=s:ima&x=m`, "POST"), { kind: "search", list: null, output: "mbox" });
});

test("/all/?q= searches every list", () => {
  assert.deepEqual(route("/all/?q=s:ima"), { kind: "search", list: null, output: "html" });
  assert.deepEqual(route("/all/?q=s:ima&x=t"), { kind: "search", list: null, output: "html" });
  assert.deepEqual(route("/all/?q=s:ima&x=A"), { kind: "search", list: null, output: "atom" });
  assert.deepEqual(route("/all/?q=s:ima&x=m"), { kind: "search", list: null, output: "html" });
});

test("/all/ without a query goes home", () => {
  assert.deepEqual(route("/all/"), { kind: "redirectHome" });
  assert.deepEqual(route("/all/?t=20191114090824"), { kind: "redirectHome" });
  assert.deepEqual(route("/all/", "HEAD"), { kind: "redirectHome" });
});

test("message page: @ literal and %40 give the same Message-ID", () => {
  const want = { kind: "message", list: LIST, mid: MID };
  assert.deepEqual(route(`/${LIST}/${MID}/`), want);
  assert.deepEqual(route(`/${LIST}/${MID_URL}/`), want);
  assert.deepEqual(route(`/${LIST}/${MID}/?foo=bar`), want);
});

test("a Message-ID in the path is decoded exactly once", () => {
  // %2540 is a literal "%40" in the id; decoding twice would make it "@".
  assert.deepEqual(route(`/${LIST}/abc%2540x.org/`), { kind: "message", list: LIST, mid: "abc%40x.org" });
  assert.deepEqual(route(`/${LIST}/abc%25x@y/`), { kind: "message", list: LIST, mid: "abc%x@y" });
  // %2F is a slash inside the id, not a path separator.
  assert.deepEqual(route(`/${LIST}/a%2Fb@x.org/`), { kind: "message", list: LIST, mid: "a/b@x.org" });
  assert.deepEqual(route(`/${LIST}/a%2fb@x.org/raw`), { kind: "raw", list: LIST, mid: "a/b@x.org" });
  // + and = are literal in paths (only a query turns + into a space).
  assert.deepEqual(route(`/${LIST}/a+b=c@x.org/`), { kind: "message", list: LIST, mid: "a+b=c@x.org" });
  assert.deepEqual(route(`/${LIST}/a%2Bb%3Dc@x.org/`), { kind: "message", list: LIST, mid: "a+b=c@x.org" });
  // Spaces, # and ? arrive escaped.
  assert.deepEqual(route(`/${LIST}/a%20b%23c%3Fd@x/`), { kind: "message", list: LIST, mid: "a b#c?d@x" });
  // Non-ASCII ids arrive as UTF-8 percent-escapes.
  assert.deepEqual(route(`/${LIST}/caf%C3%A9@x.org/`), { kind: "message", list: LIST, mid: "café@x.org" });
});

test("a malformed percent-escape is kept as is instead of throwing", () => {
  assert.deepEqual(route(`/${LIST}/abc%E0%A4%A@x/`), { kind: "message", list: LIST, mid: "abc%E0%A4%A@x" });
  assert.deepEqual(route(`/${LIST}/100%@x/`), { kind: "message", list: LIST, mid: "100%@x" });
});

test("/T/ is the flat thread, /t/ the nested one", () => {
  assert.deepEqual(route(`/${LIST}/${MID}/T/`), { kind: "thread", list: LIST, mid: MID, nested: false, part: 1 });
  assert.deepEqual(route(`/${LIST}/${MID}/t/`), { kind: "thread", list: LIST, mid: MID, nested: true, part: 1 });
  assert.deepEqual(route(`/${LIST}/${MID_URL}/T/`), { kind: "thread", list: LIST, mid: MID, nested: false, part: 1 });
  assert.deepEqual(route(`/${LIST}/abc%2540x/t/`), { kind: "thread", list: LIST, mid: "abc%40x", nested: true, part: 1 });
});

test("a long thread's parts: ?part=N, anything else is the first", () => {
  const part = (q: string) => {
    const r = route(`/${LIST}/${MID}/T/?${q}`);
    return r.kind === "thread" ? r.part : null;
  };
  assert.equal(part("part=2"), 2);
  assert.equal(part("part=99999"), 99999);
  for (const junk of ["", "part=0", "part=-1", "part=1.5", "part=x", "part=999999", "part=2e3"]) assert.equal(part(junk), 1, junk);
});

test("/T and /t without their slash are not the thread page itself", () => {
  for (const file of ["T", "t"]) {
    const r = route(`/${LIST}/${MID}/${file}`);
    assert.notEqual(r.kind, "thread", file);
    assert.notEqual(r.kind, "message", file);
    assert.notEqual(r.kind, "attachment", file);
  }
  // Anything after the slash, or a second slash, is not a lore URL.
  assert.deepEqual(route(`/${LIST}/${MID}/T/x`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/T//`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/x/`), { kind: "notFound" });
});

test(
  "/T and /t without their slash redirect to the slash form, as public-inbox does",
  () => {
    assert.deepEqual(route(`/${LIST}/${MID}/T`), { kind: "addSlash", path: `/${LIST}/${MID}/T/` });
    assert.deepEqual(route(`/${LIST}/${MID}/t`), { kind: "addSlash", path: `/${LIST}/${MID}/t/` });
  },
);

test("raw, t.mbox.gz, t.atom under a message", () => {
  assert.deepEqual(route(`/${LIST}/${MID}/raw`), { kind: "raw", list: LIST, mid: MID });
  assert.deepEqual(route(`/${LIST}/${MID_URL}/raw`), { kind: "raw", list: LIST, mid: MID });
  assert.deepEqual(route(`/${LIST}/${MID}/t.mbox.gz`), { kind: "threadMbox", list: LIST, mid: MID });
  assert.deepEqual(route(`/${LIST}/${MID}/t.atom`), { kind: "threadAtom", list: LIST, mid: MID });
  // Exact names only: a slash after them, or another case, is not the file.
  assert.deepEqual(route(`/${LIST}/${MID}/raw/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/RAW`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/t.mbox.gz/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/t.atom/x`), { kind: "notFound" });
});

test("/<list>/new.atom is the list feed; /all/new.atom is not a URL", () => {
  assert.deepEqual(route(`/${LIST}/new.atom`), { kind: "listAtom", list: LIST });
  assert.deepEqual(route(`/${LIST}/new.atom`, "HEAD"), { kind: "listAtom", list: LIST });
  assert.deepEqual(route("/all/new.atom"), { kind: "notFound" });
});

test("/<list>/<mid>/<N>-<name> is attachment N", () => {
  assert.deepEqual(route(`/${LIST}/${MID}/2-foo.patch`), { kind: "attachment", list: LIST, mid: MID, position: 2 });
  assert.deepEqual(route(`/${LIST}/${MID_URL}/1-a.bin`), { kind: "attachment", list: LIST, mid: MID, position: 1 });
  assert.deepEqual(route(`/${LIST}/${MID}/12-`), { kind: "attachment", list: LIST, mid: MID, position: 12 });
  assert.deepEqual(route(`/${LIST}/${MID}/003-x.txt`), { kind: "attachment", list: LIST, mid: MID, position: 3 });
  assert.deepEqual(route(`/${LIST}/${MID}/-foo.patch`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/x2-foo.patch`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/2-foo.patch/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/${MID}/12345-too-many-digits`), { kind: "notFound" });
});

test("search help at /<list>/_/text/help/ and /all/_/text/help/", () => {
  assert.deepEqual(route(`/${LIST}/_/text/help/`), { kind: "help", list: LIST });
  assert.deepEqual(route(`/${LIST}/_/text/help`), { kind: "help", list: LIST });
  assert.deepEqual(route("/all/_/text/help/"), { kind: "help", list: null });
  assert.deepEqual(route(`/${LIST}/_/text/help/x`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/text/help//`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/text/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/text/config/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_`), { kind: "notFound" });
});

test("/<list>/<mid> without its slash: addSlash keeping the raw encoding, for GET and HEAD", () => {
  for (const method of ["GET", "HEAD"]) {
    assert.deepEqual(route(`/${LIST}/${MID}`, method), { kind: "addSlash", path: `/${LIST}/${MID}/` }, method);
    assert.deepEqual(route(`/${LIST}/${MID_URL}`, method), { kind: "addSlash", path: `/${LIST}/${MID_URL}/` }, method);
    assert.deepEqual(route(`/${LIST}/a%2Fb%2540x`, method), { kind: "addSlash", path: `/${LIST}/a%2Fb%2540x/` }, method);
  }
  // The query is not part of the path (the server appends it to the Location).
  assert.deepEqual(route(`/${LIST}/${MID}?x=1`), { kind: "addSlash", path: `/${LIST}/${MID}/` });
});

test("lookups: /r/<mid>, /all/<mid>/..., and a bare /<mid>", () => {
  assert.deepEqual(route(`/r/${MID}`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route(`/r/${MID}/`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route(`/r/${MID_URL}`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route("/r/abc%2540x"), { kind: "lookup", mid: "abc%40x", rest: "" });
  assert.deepEqual(route(`/all/${MID}/`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route(`/all/${MID_URL}/`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route(`/all/${MID}/raw`), { kind: "lookup", mid: MID, rest: "raw" });
  assert.deepEqual(route(`/all/${MID}/t.atom`), { kind: "lookup", mid: MID, rest: "t.atom" });
  assert.deepEqual(route(`/all/${MID}/2-fix.patch`), { kind: "lookup", mid: MID, rest: "2-fix.patch" });
  assert.deepEqual(route(`/all/a%2Fb@x/`), { kind: "lookup", mid: "a/b@x", rest: "" });
  assert.deepEqual(route(`/${MID}`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route(`/${MID_URL}`), { kind: "lookup", mid: MID, rest: "" });
  assert.deepEqual(route(`/${MID}`, "HEAD"), { kind: "lookup", mid: MID, rest: "" });
});

test("/all/<mid>/T/, /t/ and t.mbox.gz are the conversation across lists", () => {
  assert.deepEqual(route(`/all/${MID}/T/`), { kind: "allThread", mid: MID, nested: false, part: 1 });
  assert.deepEqual(route(`/all/${MID_URL}/t/?part=2`), { kind: "allThread", mid: MID, nested: true, part: 2 });
  assert.deepEqual(route(`/all/${MID}/t.mbox.gz`), { kind: "allThreadMbox", mid: MID });
  assert.deepEqual(route(`/all/a%2Fb@x/T`), { kind: "addSlash", path: `/all/a%2Fb@x/T/` });
  assert.deepEqual(route(`/all/${MID}/T/x`), { kind: "lookup", mid: MID, rest: "T/x" });
  assert.deepEqual(route(`/all/${MID}/T/`, "POST"), { kind: "methodNotAllowed", allow: "GET, HEAD" });
});

test("/all/<mid> without its slash gets the slash first", () => {
  assert.deepEqual(route(`/all/${MID}`), { kind: "addSlash", path: `/all/${MID}/` });
});

test("lookups that are not lore URLs", () => {
  assert.deepEqual(route("/r"), { kind: "notFound" });
  assert.deepEqual(route("/r/"), { kind: "notFound" });
  assert.deepEqual(route(`/r/${MID}/raw`), { kind: "notFound" });
  assert.deepEqual(route(`/r/${MID}//`), { kind: "notFound" });
  // A bare first segment is a Message-ID only when it has an @; else a list missing its slash.
  assert.deepEqual(route("/linux-integrity-no-at"), { kind: "addSlash", path: "/linux-integrity-no-at/" });
  assert.deepEqual(route("/favicon.ico"), { kind: "notFound" });
  assert.deepEqual(route("/robots.txt"), { kind: "notFound" });
});

test(
  "a bare /<mid>/ with a trailing slash is a lookup too, as public-inbox does",
  () => {
    assert.deepEqual(route(`/${MID}/`), { kind: "lookup", mid: MID, rest: "" });
  },
);

test(
  "/<list> without its slash redirects to /<list>/, as public-inbox does",
  () => {
    assert.deepEqual(route(`/${LIST}`), { kind: "addSlash", path: `/${LIST}/` });
  },
);

test("the stylesheet is /_/style.<hex>.css and nothing else under /_/", () => {
  assert.deepEqual(route("/_/style.0123456789abcdef.css"), { kind: "stylesheet", file: "style.0123456789abcdef.css" });
  assert.deepEqual(route("/_/style.deadbeef.css"), { kind: "stylesheet", file: "style.deadbeef.css" });
  assert.deepEqual(route("/_/style.DEADBEEF.css"), { kind: "notFound" });
  assert.deepEqual(route("/_/style.abc.css"), { kind: "notFound" });
  assert.deepEqual(route("/_/style.css"), { kind: "notFound" });
  assert.deepEqual(route("/_/style.deadbeef.css/"), { kind: "notFound" });
  assert.deepEqual(route("/_/style.deadbeef.css.map"), { kind: "notFound" });
  assert.deepEqual(route("/_/"), { kind: "notFound" });
  assert.deepEqual(route("/_"), { kind: "notFound" });
});

test("junk and former internal targets are not found", () => {
  for (const path of [
    "/_/threads/x",
    "/_/threads/linux-integrity",
    "/_/missing/page",
    "/_/att/a/b/1",
    "/_next/static/x.js",
    "/_next/static/chunks/main.js",
    `/${LIST}/new.html`,
    `/${LIST}/favicon.ico`,
    `/${LIST}/robots.txt`,
    `/${LIST}/${MID}/raw/extra`,
    `/${LIST}/${MID}/a/b/c`,
    `/${LIST}/${MID}/T/x/y`,
    `/${LIST}//`,
    `/${LIST}//x`,
    "/r/x/y/z",
    "/_/style.deadbeef.css/x",
  ]) {
    assert.deepEqual(route(path), { kind: "notFound" }, path);
    assert.deepEqual(route(path, "HEAD"), { kind: "notFound" }, `HEAD ${path}`);
  }
});

test("POST is only for x=m search downloads", () => {
  const onlyGet = { kind: "methodNotAllowed", allow: "GET, HEAD" };
  assert.deepEqual(route(`/${LIST}/${MID}/`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/${MID}/raw`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/${MID}/T/`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/${MID}`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/?x=m`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/?q=&x=m`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/?q=x`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/?q=x&x=A`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/?q=x&x=t`, "POST"), onlyGet);
  assert.deepEqual(route("/all/?q=x", "POST"), onlyGet);
  assert.deepEqual(route("/", "POST"), onlyGet);
  assert.deepEqual(route(`/r/${MID}`, "POST"), onlyGet);
  assert.deepEqual(route(`/${LIST}/new.atom`, "POST"), onlyGet);
  // A path that does not exist stays not found whatever the method.
  assert.deepEqual(route("/_/threads/x", "POST"), { kind: "notFound" });
});

test("PUT, DELETE and other methods are refused everywhere", () => {
  const refused = { kind: "methodNotAllowed", allow: "GET, HEAD, POST" };
  for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "get"]) {
    for (const path of ["/", `/${LIST}/`, `/${LIST}/?q=x&x=m`, `/${LIST}/${MID}/`, "/_/threads/x"]) {
      assert.deepEqual(route(path, method), refused, `${method} ${path}`);
    }
  }
});

test("HEAD is answered like GET", () => {
  for (const path of [
    "/",
    `/${LIST}/`,
    `/${LIST}/?t=20191114090824`,
    `/${LIST}/?q=s:ima`,
    `/${LIST}/?q=s:ima&x=A`,
    `/${LIST}/?q=s:ima&x=m`,
    `/${LIST}/${MID}/`,
    `/${LIST}/${MID}/T/`,
    `/${LIST}/${MID}/t/`,
    `/${LIST}/${MID}/raw`,
    `/${LIST}/${MID}/t.mbox.gz`,
    `/${LIST}/${MID}/t.atom`,
    `/${LIST}/${MID}/2-foo.patch`,
    `/${LIST}/_/text/help/`,
    `/${LIST}/${MID}`,
    `/r/${MID}`,
    `/all/${MID}/raw`,
    "/all/",
    "/_/style.deadbeef.css",
  ]) {
    assert.deepEqual(route(path, "HEAD"), route(path, "GET"), path);
  }
  // HEAD never turns x=m into the POST download.
  assert.deepEqual(route(`/${LIST}/?q=s:ima&x=m`, "HEAD"), { kind: "search", list: LIST, output: "html" });
});

test("r, _ and all are never list names", () => {
  assert.notEqual(route("/r/").kind, "threads");
  assert.notEqual(route("/_/").kind, "threads");
  assert.notEqual(route(`/r/${MID}/`).kind, "message");
  assert.notEqual(route(`/_/${MID}/`).kind, "message");
  assert.notEqual(route(`/all/${MID}/`).kind, "message");
  assert.notEqual(route("/all/").kind, "threads");
});

test("per-list file names followed by a slash are Message-IDs, as in public-inbox's dispatch", () => {
  assert.deepEqual(route(`/${LIST}/new.atom/`), { kind: "message", list: LIST, mid: "new.atom" });
  assert.deepEqual(route(`/${LIST}/new.html/`), { kind: "message", list: LIST, mid: "new.html" });
  assert.deepEqual(route(`/${LIST}/_/`), { kind: "message", list: LIST, mid: "_" });
  assert.deepEqual(route(`/${LIST}/new.atom/raw`), { kind: "raw", list: LIST, mid: "new.atom" });
});

test("/<list>/_/series/ is the series index, /<list>/_/series/<mid>/ a series and series.mbox its version for git am", () => {
  assert.deepEqual(route(`/${LIST}/_/series/`), { kind: "seriesIndex", list: LIST, before: null });
  assert.deepEqual(route(`/${LIST}/_/series/?t=20240101000000`), { kind: "seriesIndex", list: LIST, before: "20240101000000" });
  assert.deepEqual(route(`/${LIST}/_/series`), { kind: "addSlash", path: `/${LIST}/_/series/` });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/`), { kind: "series", list: LIST, mid: MID });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}`), { kind: "addSlash", path: `/${LIST}/_/series/${MID_URL}/` });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/series.mbox`), { kind: "seriesMbox", list: LIST, mid: MID });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/other`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/series.mbox/x`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/series//`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/vs/v1%40example.org/`), { kind: "seriesInterdiff", list: LIST, mid: MID, from: "v1@example.org" });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/vs/v1%40example.org`), { kind: "addSlash", path: `/${LIST}/_/series/${MID_URL}/vs/v1%40example.org/` });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/vs/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/series/${MID_URL}/vs/a/b/`), { kind: "notFound" });
  assert.deepEqual(route(`/${LIST}/_/series/new.atom`), { kind: "seriesAtom", list: LIST });
  // A version whose cover letter's Message-ID is "new.atom" keeps its page.
  assert.deepEqual(route(`/${LIST}/_/series/new.atom/`), { kind: "series", list: LIST, mid: "new.atom" });
  // A message whose Message-ID is "series" keeps its lore page.
  assert.deepEqual(route(`/${LIST}/series/`), { kind: "message", list: LIST, mid: "series" });
  assert.deepEqual(route(`/${LIST}/_/series/`, "POST"), { kind: "methodNotAllowed", allow: "GET, HEAD" });
});
