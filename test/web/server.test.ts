// The archive server end to end over a real ingested DB (tiny-list.mbox):
// absolute redirects from the public origin, one cache entry per thread view,
// new mail showing on the next request, 404s never kept, validators that
// change whenever the body does.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { ensureSchema } from "../../lib/store/sqlite/ensure-schema";
import { ingest } from "../../lib/ingest/ingest";
import { formatMboxrd } from "../../lib/mail/mbox";
import { startArchiveServer, type RunningServer } from "../support/archive-server";

const root = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "server-test-"));
const dbFile = path.join(dir, "archive.db");
const LIST = "tiny";
let archive: RunningServer;

function mail(mid: string, parent: string | null, date: string, subject: string): Buffer {
  return Buffer.from(
    `From: Late Sender <late@example.org>\nSubject: ${subject}\nDate: ${date}\nMessage-ID: <${mid}>\n` +
      `${parent ? `In-Reply-To: <${parent}>\n` : ""}\nA message that arrives later.\n`,
  );
}

async function ingestMail(...raws: Buffer[]): Promise<void> {
  const file = path.join(dir, `more-${Date.now()}-${Math.random()}.mbox`);
  fs.writeFileSync(file, Buffer.concat(raws.map(formatMboxrd)));
  await ingest({ dbFile, list: { name: LIST }, sources: [file] });
}

/** A raw request: no redirect followed, headers as sent. */
function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  ensureSchema(dbFile, root);
  await ingest({ dbFile, list: { name: LIST }, sources: [path.join(root, "test/fixtures/mbox/tiny-list.mbox")] });
  archive = await startArchiveServer(dbFile);
});

after(async () => {
  await archive.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("redirects are absolute, from the Host the client sent", async () => {
  const slash = await get(`${archive.base}/${LIST}/a1@example.org`, { Host: "lore.example.org" }, "HEAD");
  assert.equal(slash.status, 301);
  assert.equal(slash.headers.location, "http://lore.example.org/tiny/a1@example.org/");
  const lookup = await get(`${archive.base}/r/a1@example.org`);
  assert.equal(lookup.status, 302);
  assert.equal(lookup.headers.location, `${archive.base}/tiny/a1@example.org/`);
  // Forwarded headers are not trusted unless configured.
  const forwarded = await get(`${archive.base}/all/a1@example.org/raw`, { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" });
  assert.equal(forwarded.headers.location, `${archive.base}/tiny/a1@example.org/raw`);
});

test("ARCHIVE_URL and trusted proxy headers name the origin of redirects and Atom links", async () => {
  const configured = await startArchiveServer(dbFile, { origin: { archiveUrl: "https://lists.example.org", trustProxy: false } });
  const proxied = await startArchiveServer(dbFile, { origin: { archiveUrl: null, trustProxy: true } });
  try {
    assert.equal((await get(`${configured.base}/tiny/a1@example.org`)).headers.location, "https://lists.example.org/tiny/a1@example.org/");
    const atom = await get(`${configured.base}/tiny/new.atom`);
    assert.match(atom.body, /<link[^>]+href="https:\/\/lists\.example\.org\/tiny\//);
    assert.doesNotMatch(atom.body, /127\.0\.0\.1|localhost/);
    const viaProxy = await get(`${proxied.base}/tiny/a1@example.org`, { "X-Forwarded-Host": "lore.example.org", "X-Forwarded-Proto": "https" });
    assert.equal(viaProxy.headers.location, "https://lore.example.org/tiny/a1@example.org/");
  } finally {
    await configured.close();
    await proxied.close();
  }
});

test("every message's /T/ shares one cache entry; a new reply shows on the next request", async () => {
  const first = await get(`${archive.base}/${LIST}/a1@example.org/T/`);
  assert.equal(first.status, 200);
  const entries = archive.cache.entries;
  for (const mid of ["a0@example.org", "a2@example.org", "a4@example.org", "a5@example.com"]) {
    const page = await get(`${archive.base}/${LIST}/${mid}/T/`);
    assert.equal(page.body, first.body, `${mid}: the same thread page`);
    assert.equal(page.headers.etag, first.headers.etag);
  }
  assert.equal(archive.cache.entries, entries, "no entry per message");
  assert.doesNotMatch(first.body, /late-reply@example\.org/);

  await ingestMail(mail("late-reply@example.org", "a2@example.org", "Sat, 02 Mar 2024 10:00:00 +0000", "Re: [PATCH 2/2] late"));
  const after = await get(`${archive.base}/${LIST}/a1@example.org/T/`, { "If-None-Match": first.headers.etag! });
  assert.equal(after.status, 200, "the old validator no longer matches");
  assert.match(after.body, /late-reply@example\.org/);
  assert.notEqual(after.headers.etag, first.headers.etag);
  const again = await get(`${archive.base}/${LIST}/a1@example.org/T/`, { "If-None-Match": after.headers.etag! });
  assert.equal(again.status, 304);
});

test("404s are never cached and carry no validator", async () => {
  const before = archive.cache.entries;
  for (const url of [`/${LIST}/nope@example.org/`, `/${LIST}/nope@example.org/T/`, "/no-such-list/", "/_/threads/tiny", "/_/missing/page", `/${LIST}/?q=zzqqxxnothing`]) {
    const res = await get(`${archive.base}${url}`);
    assert.equal(res.status, 404, url);
    assert.equal(res.headers.etag, undefined, url);
    assert.match(res.headers["content-type"] ?? "", /^text\/html/, url);
  }
  assert.equal(archive.cache.entries, before);
});

test("new.atom's validator changes when a late message dated inside the newest entries changes the feed", async () => {
  const feed = await get(`${archive.base}/${LIST}/new.atom`);
  assert.equal(feed.status, 200);
  assert.match(feed.headers["cache-control"] ?? "", /max-age/);
  // Dated among the existing messages, not after them: the newest id is unchanged.
  await ingestMail(mail("backdated@example.org", null, "Sat, 02 Mar 2024 09:30:00 +0000", "backdated"));
  const after = await get(`${archive.base}/${LIST}/new.atom`, { "If-None-Match": feed.headers.etag! });
  assert.equal(after.status, 200);
  assert.match(after.body, /backdated@example\.org/);
});

test("every 200 carries a strong ETag, Last-Modified or Cache-Control", async () => {
  for (const url of ["/", `/${LIST}/`, `/${LIST}/a1@example.org/`, `/${LIST}/a1@example.org/t/`, `/${LIST}/a1@example.org/raw`,
    `/${LIST}/a1@example.org/t.mbox.gz`, `/${LIST}/a1@example.org/t.atom`, `/${LIST}/?q=widget`, `/${LIST}/_/text/help/`]) {
    const res = await get(`${archive.base}${url}`);
    assert.equal(res.status, 200, url);
    assert.match(res.headers.etag ?? "", /^"[^"]+"$/, `${url}: strong ETag`);
    assert.match(res.headers["cache-control"] ?? "", /max-age=\d+/, url);
    const revalidated = await get(`${archive.base}${url}`, { "If-None-Match": res.headers.etag! });
    assert.equal(revalidated.status, 304, `${url}: 304`);
  }
});

test("pages carry no script and no inline payload", async () => {
  for (const url of ["/", `/${LIST}/`, `/${LIST}/a1@example.org/`, `/${LIST}/a1@example.org/T/`, `/${LIST}/?q=widget`]) {
    const res = await get(`${archive.base}${url}`);
    assert.doesNotMatch(res.body, /<script/i, url);
    assert.match(String(res.headers["content-security-policy"] ?? ""), /script-src 'none'/, url);
  }
});

test("a thread longer than one page comes in parts, each with the full overview", async () => {
  const replies = Array.from({ length: 450 }, (_, i) =>
    mail(`giant-${i}@example.org`, i === 0 ? null : "giant-0@example.org", new Date(Date.UTC(2024, 5, 1, 0, i)).toUTCString(), i === 0 ? "giant" : `Re: giant ${i}`),
  );
  await ingestMail(...replies);
  const articles = (html: string) => (html.match(/<article /g) ?? []).length;
  const overview = (html: string) => (html.split('id="thread-h"')[1]!.match(/<li /g) ?? []).length;
  const first = await get(`${archive.base}/${LIST}/giant-7@example.org/T/`);
  assert.equal(first.status, 200);
  assert.equal(articles(first.body), 400, "the first part holds the limit");
  assert.equal(overview(first.body), 450, "the overview lists every message");
  assert.match(first.body, /part 1 of 2/);
  assert.match(first.body, /<a href="\?part=2" rel="next">next part<\/a>/);
  // Overview lines of the second part's messages point there.
  assert.match(first.body, /href="\?part=2#m[0-9a-f]{16}"/);
  const second = await get(`${archive.base}/${LIST}/giant-7@example.org/t/?part=2`);
  assert.equal(second.status, 200);
  assert.equal(articles(second.body), 50);
  assert.match(second.body, /<a href="\.\/" rel="prev">previous part<\/a>/);
  assert.equal((await get(`${archive.base}/${LIST}/giant-7@example.org/T/?part=3`)).status, 404);
  // Any message's /T/ gives the same parts; junk in ?part= is the first part.
  assert.equal((await get(`${archive.base}/${LIST}/giant-449@example.org/T/?part=x`)).body, first.body);
});

test("Message-IDs named like lore's files open at their pages; titles keep $' $` $& literally", async () => {
  const odd = ["new.atom", "_", "all", "T", "raw", "t.mbox.gz"];
  await ingestMail(
    ...odd.map((mid, i) => mail(mid, null, new Date(Date.UTC(2024, 6, 1, 0, i)).toUTCString(), `odd id ${mid}`)),
    mail(`${"long".repeat(100)}@example.org`, null, "Mon, 01 Jul 2024 01:00:00 +0000", "a 400-byte Message-ID"),
    mail("dollars@example.org", null, "Mon, 01 Jul 2024 02:00:00 +0000", "cost: $' and $` and $& and $$"),
  );
  for (const mid of [...odd, `${"long".repeat(100)}@example.org`]) {
    const page = await get(`${archive.base}/${LIST}/${encodeURIComponent(mid)}/`);
    assert.equal(page.status, 200, mid);
    assert.ok(page.body.includes(`&lt;${mid}&gt;`), `${mid}: its own page`);
    const thread = await get(`${archive.base}/${LIST}/${encodeURIComponent(mid)}/T/`);
    assert.equal(thread.status, 200, `${mid} /T/`);
  }
  const dollars = await get(`${archive.base}/${LIST}/dollars@example.org/`);
  assert.match(dollars.body, /<title>cost: \$&#x27; and \$` and \$&amp; and \$\$ - tiny \| Mail archive<\/title>/);
});

test("attachments come from their stored bytes; rows stored without them are parsed from the raw message", async () => {
  const first = await get(`${archive.base}/${LIST}/d0@example.org/1-x`);
  const second = await get(`${archive.base}/${LIST}/d0@example.org/2-x`);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.match(String(first.headers["content-disposition"]), /^attachment; /);
  const db = new Database(dbFile);
  try {
    const id = (db.prepare(`SELECT mailId AS id FROM "Message" WHERE messageId = 'd0@example.org'`).get() as { id: number }).id;
    // A marker in the row proves the download reads the row, not the message.
    db.prepare(`UPDATE "Attachment" SET content = ? WHERE mailId = ? AND position = 0`).run(Buffer.from("stored bytes\n"), id);
    // An older row without bytes falls back to parsing and gives the same download.
    db.prepare(`UPDATE "Attachment" SET content = NULL WHERE mailId = ? AND position = 1`).run(id);
  } finally {
    db.close();
  }
  assert.equal((await get(`${archive.base}/${LIST}/d0@example.org/1-x`, { "Cache-Control": "no-cache" })).body, "stored bytes\n");
  assert.equal((await get(`${archive.base}/${LIST}/d0@example.org/2-x`)).body, second.body);
  assert.equal((await get(`${archive.base}/${LIST}/d0@example.org/3-x`)).status, 404);
});

test("a search over its budget answers 503 (a page for people, text for machines) and is never cached", async () => {
  // One millisecond: no search process can even start in time.
  const strict = await startArchiveServer(dbFile, { searchBudgetMs: 1 });
  try {
    const page = await get(`${strict.base}/${LIST}/?q=widget`);
    assert.equal(page.status, 503);
    assert.match(page.body, /Search stopped/);
    assert.match(page.body, /longer than 0.001 s/);
    assert.equal(page.headers["retry-after"], "10");
    assert.equal(page.headers["cache-control"], "no-store");
    const atom = await get(`${strict.base}/${LIST}/?q=widget&x=A`);
    assert.equal(atom.status, 503);
    assert.match(atom.headers["content-type"] ?? "", /^text\/plain/);
    const mbox = await get(`${strict.base}/${LIST}/?q=widget&x=m`, {}, "POST");
    assert.equal(mbox.status, 503);
    const message = await get(`${strict.base}/${LIST}/`);
    assert.equal(message.status, 200, "pages that are not searches are not affected");
  } finally {
    await strict.close();
  }
  const normal = await get(`${archive.base}/${LIST}/?q=widget`);
  assert.equal(normal.status, 200, "the same search within the default budget");
});
