// Wraps mailparser: one raw message in, the archive's own ParsedMessage out.
// Called by the ingest pipeline (in parse workers); mailparser types stay here.
import { isAscii, isUtf8 } from "node:buffer";
import { Readable } from "node:stream";
import { MailParser, simpleParser, type AddressObject, type Attachment, type ParsedMail, type StructuredHeader } from "mailparser";
import { decodeCharset } from "./charset";
import { extractMids, normalizeMid, parseReferences } from "./mid";

export interface AttachmentInfo {
  filename: string | null;
  contentType: string;
  size: number;
  /** Decoded bytes, kept by the store so a download needs no re-parse. */
  content: Uint8Array;
}

export interface ParsedMessage {
  messageId: string | null;
  subject: string;
  fromName: string;
  fromAddr: string;
  to: string[];
  cc: string[];
  date: Date | null;
  inReplyTo: string | null;
  references: string[];
  bodyText: string;
  hasPatch: boolean;
  attachments: AttachmentInfo[];
}

// textAsHtml and link detection cost more than the rest of the parse (measured
// 1.9k vs 4.7k msg/s on kernel mail) and the archive renders text itself.
// No attachment checksums either: the store hashes what it needs itself.
const FAST_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, checksumAlgo: false } as const;

// Bounds what one message can cost (rendering and search use bodyText).
const MAX_BODY_CHARS = 4_000_000;
// mailparser holds every inline text part whole, as bytes, then as a string,
// then again with its line endings changed: an 80 MB text body peaked at
// 540 MB RSS in the parse alone, 250 MB with this cap. bodyText keeps 4M
// chars, which the first 16 MB of a part's encoded bytes give for most text;
// a part mostly of quoted-printable escapes gives fewer (1.8M chars of "=E2=82
// =AC"), so its bodyText ends earlier. The raw message keeps it all.
const MAX_TEXT_PART_BYTES = 16 * 1024 * 1024;
// html-to-text builds a DOM: 16 MB of HTML peaked at 560 MB RSS, 4 MB at 300.
// So an HTML-only body's text comes from its first 4 MB of HTML (2.5M chars
// for plain paragraphs).
const MAX_HTML_PART_BYTES = MAX_BODY_CHARS;
// Same for To and Cc: a single header line just under mailsplit's 1 MB limit
// holds 100k+ addresses, and every page view and reply form walks them (30k
// addresses took 15 s to render). The raw message keeps them all.
const MAX_ADDRESSES = 1000;

const PARSE_OPTIONS = { ...FAST_OPTIONS, maxTextPartBytes: MAX_TEXT_PART_BYTES };
const HTML_PARSE_OPTIONS = { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, checksumAlgo: false, maxTextPartBytes: MAX_HTML_PART_BYTES } as const;

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const input = withoutUnreadHeaders(utf8Headers(raw));
  let mail = await simpleParser(inSlices(input), PARSE_OPTIONS);
  if (!mail.text && mail.html) {
    // HTML-only mail: only now pay for mailparser's html-to-text.
    mail = await simpleParser(inSlices(input), HTML_PARSE_OPTIONS);
  }
  return toParsedMessage(mail);
}

// mailparser has no option to cap a text part, so its per-part step is
// wrapped: body bytes of an inline text part past `maxTextPartBytes` (an
// option only our parses pass) never reach its decoders. Attachments are not
// inline text parts and keep every byte. Throws at load if mailparser's
// internals moved, rather than silently losing the cap.
interface PartStep {
  options: { maxTextPartBytes?: number };
  curnode: { contentStream?: unknown; textBytes?: number } | false;
  processChunk(data: { type: string; value?: Buffer }, done: () => void): void;
}
const partStep = MailParser.prototype as unknown as PartStep;
const processChunk = partStep.processChunk;
if (typeof processChunk !== "function") throw new Error("mailparser has no processChunk: update the text part cap in lib/mail/mime.ts");
partStep.processChunk = function (this: PartStep, data, done) {
  const cap = this.options.maxTextPartBytes;
  const node = this.curnode;
  if (cap !== undefined && data.type === "body" && node && node.contentStream && data.value) {
    node.textBytes = (node.textBytes ?? 0) + data.value.length;
    if (node.textBytes > cap) {
      setImmediate(done);
      return;
    }
  }
  processChunk.call(this, data, done);
};

// Given one Buffer, mailparser decodes a body in one piece: an 80 MB base64
// attachment became an 80 MB string and more, 650 MB peak RSS. Fed in views of
// 1 MB (no copies) its decoders work a slice at a time: 330 MB.
const SLICE_BYTES = 1 << 20;

function inSlices(raw: Buffer): Buffer | Readable {
  // One slice needs no stream, which costs small messages time.
  if (raw.length <= SLICE_BYTES) return raw;
  return Readable.from(
    (function* () {
      for (let at = 0; at < raw.length; at += SLICE_BYTES) yield raw.subarray(at, at + SLICE_BYTES);
    })(),
    { objectMode: false },
  );
}

// Raw 8-bit header bytes (no encoded word) that are not UTF-8 are the sender's
// legacy charset, Latin-1 for the old Unix mailers that send them; mailparser
// reads them as UTF-8 and loses them to U+FFFD. public-inbox also falls back
// to Latin-1; read as windows-1252, as mail clients read Latin-1 labels, so
// Outlook's curly quotes and € survive too.
function utf8Headers(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end);
  if (isAscii(head) || isUtf8(head)) return raw;
  const parts: Buffer[] = [];
  let start = 0;
  while (start < end) {
    const nl = head.indexOf(0x0a, start);
    const stop = nl === -1 ? end : nl + 1;
    const line = head.subarray(start, stop);
    parts.push(isUtf8(line) ? line : Buffer.from(decodeCharset(line, "windows-1252"), "utf8"));
    start = stop;
  }
  parts.push(raw.subarray(end));
  return Buffer.concat(parts);
}

// mailparser decodes every header field it is given (libmime's decoders,
// then an object per field): on kernel mail, with its Received, DKIM and ARC
// fields, that was a third of the parse. Only these fields are read from its
// result, and only Content-* and MIME-Version steer how it reads the body.
const READ_FIELDS = new Set(["message-id", "in-reply-to", "references", "date", "subject", "from", "to", "cc", "mime-version"]);

function isReadField(name: string): boolean {
  const key = name.trim().toLowerCase();
  return READ_FIELDS.has(key) || key.startsWith("content-");
}

/** The message with its top-level header fields cut to those the parse reads; the body's bytes untouched. */
export function withoutUnreadHeaders(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  // One byte per char: the header's bytes come back exactly as they were.
  const head = raw.toString("latin1", 0, end);
  const kept: string[] = [];
  let keep = true;
  let dropped = false;
  for (const line of head.split(/(?<=\n)/)) {
    // A line that starts with white space continues the field before it; a
    // line with no colon is not a field and is kept as it is.
    if (line[0] !== " " && line[0] !== "\t") {
      const colon = line.indexOf(":");
      keep = colon === -1 || isReadField(line.slice(0, colon));
    }
    if (keep) kept.push(line);
    else dropped = true;
  }
  if (!dropped) return raw;
  return Buffer.concat([Buffer.from(kept.join(""), "latin1"), raw.subarray(end)]);
}

// Where the header block ends: after the line before the first empty line
// (LF or CRLF), or the whole message when it has no body.
function headerEnd(raw: Buffer): number {
  const lf = raw.indexOf("\n\n");
  const crlf = (lf === -1 ? raw : raw.subarray(0, lf)).indexOf("\n\r\n");
  return crlf !== -1 ? crlf + 1 : lf !== -1 ? lf + 1 : raw.length;
}

function toParsedMessage(mail: ParsedMail): ParsedMessage {
  // From the header as sent, like References below and like public-inbox:
  // mailparser decodes RFC 2047 words in Message-ID (=?utf-16?…?= gave a lone
  // surrogate, an id no URL can reach) and References would not match it.
  const messageId = normalizeMid(headerValue(mail, "message-id") ?? "");
  const from = mail.from?.value[0];
  const inReplyTo = extractMids(headerValue(mail, "in-reply-to"))[0] ?? null;
  const bodyText = capped((mail.text ?? "") + inlineTextAttachments(mail));
  const attachments = mail.attachments.map((a) => ({
    filename: a.filename ?? null,
    contentType: a.contentType || "application/octet-stream",
    size: a.size ?? a.content?.length ?? 0,
    content: a.content ?? Buffer.alloc(0),
  }));
  return {
    messageId,
    subject: (mail.subject ?? "").replace(/\s+/g, " ").trim(),
    fromName: (from?.name ?? "").trim(),
    fromAddr: (from?.address ?? "").trim().toLowerCase(),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    date: headerDate(mail),
    inReplyTo,
    references: parseReferences(headerValue(mail, "references"), headerValue(mail, "in-reply-to"), messageId ?? ""),
    bodyText,
    hasPatch: looksLikePatch(bodyText, attachments),
    attachments,
  };
}

// Search and snippets see the first MAX_BODY_CHARS of a giant body; the raw
// message keeps all of it. A plain slice would be a view that keeps the whole
// decoded text (up to 16M chars) alive as long as the message is held.
function capped(text: string): string {
  if (text.length <= MAX_BODY_CHARS) return text;
  return Buffer.from(text.slice(0, MAX_BODY_CHARS), "utf8").toString("utf8");
}

// Patches are often sent as text/x-patch attachments; lore shows and indexes
// them inline after an "[-- Attachment #N --]" marker, so do we.
function inlineTextAttachments(mail: ParsedMail): string {
  let out = "";
  mail.attachments.forEach((a, i) => {
    if (!/^text\/(plain|x-patch|x-diff|x-log)$/i.test(a.contentType) || a.size > 1_000_000) return;
    const name = a.filename ? `: ${a.filename}` : "";
    out += `\n[-- Attachment #${i + 2}${name} --]\n` + attachmentText(a);
  });
  return out;
}

// In the part's own charset, with mailparser's line endings for text (LF).
function attachmentText(a: Attachment): string {
  // mailparser always stores Content-Type as a StructuredHeader.
  const charset = (a.headers.get("content-type") as StructuredHeader | undefined)?.params["charset"];
  return decodeCharset(a.content, charset).replace(/\r\n/g, "\n");
}

// mailparser puts the current time in place of a Date header it cannot parse;
// the archive wants null so that the mbox From_ line date is used instead.
function headerDate(mail: ParsedMail): Date | null {
  const raw = headerValue(mail, "date");
  if (raw === null) return null;
  const date = new Date(raw.replace(/\s+/g, " ").trim());
  return Number.isNaN(date.getTime()) ? null : date;
}

// The raw header text, so Message-ID extraction sees exactly what was sent
// (mailparser's own References parsing drops ids without brackets).
// mailsplit keeps header lines as binary strings (one char per byte); the
// header block is UTF-8 by now (utf8Headers), so decode it: otherwise a
// non-ASCII Message-ID in References never matches the parent's own id.
function headerValue(mail: ParsedMail, key: string): string | null {
  const line = mail.headerLines.find((h) => h.key === key)?.line;
  return line ? Buffer.from(line.slice(line.indexOf(":") + 1), "latin1").toString("utf8") : null;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  // Groups nest one level (RFC 5322 §3.4): walk them with a stack, not
  // recursion, members in place of their group so the header order holds.
  const stack = objects.flatMap((o) => o.value).reverse();
  for (let entry = stack.pop(); entry !== undefined && out.length < MAX_ADDRESSES; entry = stack.pop()) {
    if (entry.group) for (let i = entry.group.length - 1; i >= 0; i--) stack.push(entry.group[i]!);
    else if (entry.address) out.push(entry.name ? `${entry.name} <${entry.address}>` : entry.address);
  }
  return out;
}

const DIFF_MARKERS = /^(diff --git |--- a\/|\+\+\+ b\/|Index: )/m;

export function looksLikePatch(bodyText: string, attachments: Pick<AttachmentInfo, "filename" | "contentType">[]): boolean {
  if (DIFF_MARKERS.test(bodyText)) return true;
  return attachments.some(
    (a) => /\.(patch|diff)$/i.test(a.filename ?? "") || /^text\/x-(patch|diff)$/i.test(a.contentType),
  );
}

/**
 * Attachment `position` (mailparser's order, as ingest recorded it) of a
 * stored message, for rows stored before attachments kept their bytes.
 */
export async function extractAttachment(raw: Buffer, position: number): Promise<{ filename: string | null; contentType: string; content: Buffer } | null> {
  const mail = await simpleParser(inSlices(raw), FAST_OPTIONS);
  const a = mail.attachments[position];
  if (!a) return null;
  return { filename: a.filename ?? null, contentType: a.contentType || "application/octet-stream", content: a.content };
}
