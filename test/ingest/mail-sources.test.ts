import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { parseFromLineDate, readSource, sourceLabel, sourceSize, type RawMail, type SourceOptions } from "@/lib/ingest/mail-sources";

const b = (s: string) => Buffer.from(s, "latin1");

const MSG1 = "From: a@example.org\nSubject: one\n\nfirst body\n";
const MSG2 = "From: b@example.org\nSubject: two\n\n>From quoted in mboxrd\n";
const FROM1 = "From 1234abcd5678 Mon Sep 17 00:00:00 2001";
const FROM2 = "From mboxrd@z Thu Jan  1 00:00:00 1970";
const MBOX = b(`${FROM1}\n${MSG1}\n${FROM2}\n${MSG2}\n`);
const SECOND_AT = MBOX.indexOf(FROM2);

let dir = "";
const file = (name: string) => path.join(dir, name);
function write(name: string, data: Buffer | string): string {
  fs.mkdirSync(path.dirname(file(name)), { recursive: true });
  fs.writeFileSync(file(name), data);
  return file(name);
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mail-sources-test-"));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function read(source: string, options: SourceOptions = {}): Promise<RawMail[]> {
  const out: RawMail[] = [];
  for await (const mail of readSource(source, options)) out.push(mail);
  return out;
}

function assertTwoMessages(mails: RawMail[], label: string) {
  assert.deepEqual(
    mails.map((m) => [m.raw.toString("latin1"), m.fromLineDate, m.position]),
    [
      [MSG1, new Date("2001-09-17T00:00:00Z"), `${label}: message 1 at byte 0`],
      // mboxrd un-quoting: ">From " in the body loses one ">".
      [MSG2.replace(">From", "From"), null, `${label}: message 2 at byte ${SECOND_AT}`],
    ],
  );
}

test("plain mbox: messages, From_ dates and positions", async () => {
  const mbox = write("list.mbox", MBOX);
  let bytes = 0;
  const mails = await read(mbox, { onBytes: (n) => (bytes += n) });
  assertTwoMessages(mails, mbox);
  assert.equal(bytes, MBOX.length);
  assert.equal(sourceSize(mbox), MBOX.length);
});

test("mboxo variant leaves >From quoting alone", async () => {
  const mbox = write("o.mbox", b(`${FROM1}\n${MSG1}\n${FROM2}\n>>From twice\n`));
  const mails = await read(mbox, { variant: "mboxo" });
  assert.deepEqual(mails.map((m) => m.raw.toString("latin1")), [MSG1, ">>From twice\n"]);
});

test("gzipped mbox is detected by magic bytes, with or without a .gz name", async () => {
  const gz = zlib.gzipSync(MBOX);
  for (const name of ["list.mbox.gz", "list-no-suffix", "list.mbox"]) {
    const source = write(`gz/${name}`, gz);
    let bytes = 0;
    const mails = await read(source, { onBytes: (n) => (bytes += n) });
    // Positions count uncompressed bytes; progress counts bytes on disk.
    assertTwoMessages(mails, source);
    assert.equal(bytes, gz.length);
    assert.equal(sourceSize(source), gz.length);
  }
});

test("concatenated gzip members read as one mbox", async () => {
  const half = MBOX.subarray(0, SECOND_AT);
  const source = write("multi.gz", Buffer.concat([zlib.gzipSync(half), zlib.gzipSync(MBOX.subarray(SECOND_AT))]));
  assertTwoMessages(await read(source), source);
});

test("empty file yields no messages", async () => {
  assert.deepEqual(await read(write("empty.mbox", "")), []);
});

test("Maildir: cur/ then new/, sorted by name, dotfiles, tmp/ and subfolders ignored", async () => {
  const md = file("Maildir");
  write("Maildir/new/1556544000.M2.host", "Subject: new-b\n\nb\n");
  write("Maildir/new/1556543000.M1.host", "Subject: new-a\n\na\n");
  write("Maildir/cur/1556540000.M0.host:2,S", "Subject: cur\n\nc\n");
  write("Maildir/cur/.hidden", "Subject: hidden\n\nh\n");
  write("Maildir/new/.nfs0001", "Subject: nfs\n\nn\n");
  write("Maildir/tmp/1556549999.M9.host", "Subject: half-delivered\n\n");
  write("Maildir/cur/sub/nested", "Subject: nested\n\nx\n");
  let bytes = 0;
  const mails = await read(md, { onBytes: (n) => (bytes += n) });
  assert.deepEqual(
    mails.map((m) => [m.raw.toString("latin1"), m.fromLineDate, m.position]),
    [
      ["Subject: cur\n\nc\n", null, path.join(md, "cur", "1556540000.M0.host:2,S")],
      ["Subject: new-a\n\na\n", null, path.join(md, "new", "1556543000.M1.host")],
      ["Subject: new-b\n\nb\n", null, path.join(md, "new", "1556544000.M2.host")],
    ],
  );
  const expected = "Subject: cur\n\nc\n".length + "Subject: new-a\n\na\n".length + "Subject: new-b\n\nb\n".length;
  assert.equal(bytes, expected);
  assert.equal(sourceSize(md), expected);
});

test("a plain folder without cur/ or new/ reads its files, one message each", async () => {
  write("flat/b.eml", "Subject: b\n\nb\n");
  write("flat/a.eml", "Subject: a\n\na\n");
  write("flat/.DS_Store", "junk");
  const mails = await read(file("flat"));
  assert.deepEqual(
    mails.map((m) => [m.raw.toString("latin1"), m.position]),
    [
      ["Subject: a\n\na\n", file("flat/a.eml")],
      ["Subject: b\n\nb\n", file("flat/b.eml")],
    ],
  );
});

test("standard input: its label, and no size", () => {
  assert.equal(sourceLabel("-"), "standard input");
  assert.equal(sourceLabel("x.mbox"), "x.mbox");
  assert.equal(sourceSize("-"), null);
});

test("parseFromLineDate: git format-patch and ordinary ctime dates", () => {
  assert.deepEqual(parseFromLineDate("From 1234abcd Mon Sep 17 00:00:00 2001"), new Date("2001-09-17T00:00:00Z"));
  assert.deepEqual(
    parseFromLineDate("From jane@example.org Mon Apr 29 15:31:04 2019"),
    new Date("2019-04-29T15:31:04Z"),
  );
  assert.deepEqual(parseFromLineDate("From MAILER-DAEMON Fri Jul  8 12:08:34 2011"), new Date("2011-07-08T12:08:34Z"));
  // No seconds; a zone name before the year.
  assert.deepEqual(parseFromLineDate("From - Tue Jan 14 14:57 2003"), new Date("2003-01-14T14:57:00Z"));
  assert.deepEqual(parseFromLineDate("From x Tue Jan 14 14:57:32 CET 2003"), new Date("2003-01-14T14:57:32Z"));
});

test("parseFromLineDate: public-inbox's 1970 placeholder and junk are null", () => {
  assert.equal(parseFromLineDate("From mboxrd@z Thu Jan  1 00:00:00 1970"), null);
  assert.equal(parseFromLineDate(""), null);
  assert.equal(parseFromLineDate("From jane@example.org"), null);
  assert.equal(parseFromLineDate("From x Mon Foo 29 15:31:04 2019"), null);
  assert.equal(parseFromLineDate("From x Mon Apr 29 2019"), null);
});

test("parseFromLineDate: impossible dates are null, not rolled into another day", () => {
  assert.equal(parseFromLineDate("From x Sat Feb 30 10:00:00 2019"), null);
  assert.equal(parseFromLineDate("From x Mon Apr 31 10:00:00 2019"), null);
  assert.equal(parseFromLineDate("From x Mon Apr  0 10:00:00 2019"), null);
  assert.equal(parseFromLineDate("From x Mon Apr 29 24:00:00 2019"), null);
  assert.equal(parseFromLineDate("From x Mon Apr 29 10:60:00 2019"), null);
  assert.equal(parseFromLineDate("From x Mon Apr 29 10:00:61 2019"), null);
  // Leap years and leap seconds are real.
  assert.deepEqual(parseFromLineDate("From x Thu Feb 29 10:00:00 2024"), new Date("2024-02-29T10:00:00Z"));
  assert.deepEqual(parseFromLineDate("From x Sat Dec 31 23:59:60 2016"), new Date("2016-12-31T23:59:59Z"));
});
