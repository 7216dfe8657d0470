// Bytes in a labelled charset to text, the way mail clients decode them.
// Node 20's TextDecoder has only the ICU-less subset of WHATWG's encodings (it
// reads "windows-1252" as Latin-1, losing “ ” € and friends); iconv-lite,
// which mailparser already uses for bodies, knows every label mail carries.
import iconv from "iconv-lite";

// WHATWG Encoding §4.2 (what browsers and Thunderbird do): Latin-1 and ASCII
// labels mean windows-1252, whose 0x80-0x9F are printable, never C1 controls.
const WINDOWS_1252_ALIASES = new Set(["iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "ascii", "cp819", "ibm819", "iso_8859-1"]);

/** Decodes `bytes` in the charset `label`; an unknown or missing label means UTF-8. */
export function decodeCharset(bytes: Uint8Array, label: string | null | undefined): string {
  const name = (label ?? "").trim().toLowerCase();
  const charset = WINDOWS_1252_ALIASES.has(name) ? "windows-1252" : name || "utf-8";
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return iconv.encodingExists(charset) ? iconv.decode(buffer, charset) : buffer.toString("utf8");
}
