// One patch of a series as `git am` wants it, with the trailers reviewers
// gave added under its own (what `b4 am` writes): the headers git am reads
// (From, Date, Subject, Message-Id) and the decoded text body, 8-bit UTF-8.
import libmime from "libmime";
import { parsePatchSubject } from "./subject";
import { applyTrailers, type Trailer } from "./trailers";

export interface AmPatch {
  mid: string;
  fromName: string;
  fromAddr: string;
  date: Date;
  subject: string;
  bodyText: string;
  trailers: readonly Trailer[];
}

/** The patch as an RFC 5322 message; stored values cannot add header lines of their own. */
export function amMessage(patch: AmPatch): Buffer {
  const name = oneLine(patch.fromName);
  const from = `${name === "" ? "" : `${displayName(name)} `}<${oneLine(patch.fromAddr)}>`;
  let body = applyTrailers(patch.bodyText, patch.trailers);
  if (!body.endsWith("\n")) body += "\n";
  const headers = [
    `From: ${from}`,
    `Date: ${patch.date.toUTCString().replace(/GMT$/, "+0000")}`,
    `Subject: ${libmime.encodeWords(oneLine(amSubject(patch.subject)), "Q")}`,
    `Message-Id: <${oneLine(patch.mid)}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  return Buffer.from(`${headers.join("\n")}\n\n${body}`, "utf8");
}

/**
 * The subject as `b4 am` rewrites it: "[PATCH RFC v3 2/17] title", the tree
 * and RESEND tags dropped and the counter unpadded; git am keeps the title.
 */
export function amSubject(subject: string): string {
  const parsed = parsePatchSubject(subject);
  const tags = ["PATCH"];
  if (parsed.rfc) tags.push("RFC");
  // b4 names the revision when the subject did ("v1" included).
  if (parsed.revision > 1 || /\[[^\]]*\bv1\b/i.test(subject)) tags.push(`v${parsed.revision}`);
  if (parsed.counter !== null && parsed.total !== null) tags.push(`${parsed.counter}/${parsed.total}`);
  return `[${tags.join(" ")}] ${parsed.title}`;
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, " ").trim();
}

// RFC 2047 §5(3): a non-ASCII name is one encoded word (specials encoded in
// it); RFC 5322 §3.2.4: an ASCII name with specials is a quoted string.
function displayName(name: string): string {
  if (/[^\x20-\x7e]/.test(name)) return libmime.encodeWord(name, "Q");
  return /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/["\\]/g, "\\$&")}"` : name;
}
