import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeCharset } from "../../lib/mail/charset";

const bytes = (latin1: string) => Buffer.from(latin1, "latin1");

test("windows-1252 keeps curly quotes, dashes and the euro sign", () => {
  assert.equal(decodeCharset(bytes("\x93quoted\x94 \x96 \x805"), "windows-1252"), "“quoted” – €5");
  assert.equal(decodeCharset(bytes("\x93x\x94"), "CP1252"), "“x”");
});

test("Latin-1 and ASCII labels read as windows-1252, as mail clients do", () => {
  for (const label of ["iso-8859-1", "ISO-8859-1", "latin1", "us-ascii", " ascii "]) {
    assert.equal(decodeCharset(bytes("Caf\xe9 \x80"), label), "Café €", label);
  }
});

test("other legacy charsets decode", () => {
  assert.equal(decodeCharset(bytes("\xf0\xd2\xc9\xd7\xc5\xd4"), "koi8-r"), "Привет");
  assert.equal(decodeCharset(bytes("\xa4\xa4"), "iso-8859-15"), "¤¤".replace(/¤/g, "€"));
  assert.equal(decodeCharset(Buffer.from([0x93, 0xfa, 0x96, 0x7b]), "shift_jis"), "日本");
});

test("a missing or unknown label means UTF-8", () => {
  assert.equal(decodeCharset(Buffer.from("Grüße", "utf8"), undefined), "Grüße");
  assert.equal(decodeCharset(Buffer.from("Grüße", "utf8"), ""), "Grüße");
  assert.equal(decodeCharset(Buffer.from("Grüße", "utf8"), "no-such-charset"), "Grüße");
});

test("a Uint8Array view decodes only its own bytes", () => {
  const whole = Buffer.from("xxCafé!yy", "utf8");
  assert.equal(decodeCharset(new Uint8Array(whole.buffer, whole.byteOffset + 2, 6), "utf-8"), "Café!");
});
