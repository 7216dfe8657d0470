// Wraps mailparser: one raw message in, the archive's own ParsedMessage out.
// Called by the ingest pipeline (in parse workers); mailparser types stay here.
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import { extractMids, normalizeMid, parseReferences } from "./mid";

export interface AttachmentInfo {
  filename: string | null;
  contentType: string;
  size: number;
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
const FAST_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } as const;

// Bounds what one message can cost (rendering and search use bodyText).
const MAX_BODY_CHARS = 4_000_000;

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  let mail = await simpleParser(raw, FAST_OPTIONS);
  if (!mail.text && mail.html) {
    // HTML-only mail: only now pay for mailparser's html-to-text.
    mail = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  }
  return toParsedMessage(mail);
}

function toParsedMessage(mail: ParsedMail): ParsedMessage {
  const messageId = mail.messageId ? normalizeMid(mail.messageId) : null;
  const from = mail.from?.value[0];
  const inReplyTo = extractMids(headerValue(mail, "in-reply-to"))[0] ?? null;
  const bodyText = ((mail.text ?? "") + inlineTextAttachments(mail)).slice(0, MAX_BODY_CHARS);
  const attachments = mail.attachments.map((a) => ({
    filename: a.filename ?? null,
    contentType: a.contentType || "application/octet-stream",
    size: a.size ?? a.content?.length ?? 0,
  }));
  return {
    messageId,
    subject: (mail.subject ?? "").replace(/\s+/g, " ").trim(),
    fromName: (from?.name ?? "").trim(),
    fromAddr: (from?.address ?? "").trim().toLowerCase(),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    inReplyTo,
    references: parseReferences(headerValue(mail, "references"), headerValue(mail, "in-reply-to"), messageId ?? ""),
    bodyText,
    hasPatch: looksLikePatch(bodyText, attachments),
    attachments,
  };
}

// Patches are often sent as text/x-patch attachments; lore shows and indexes
// them inline after an "[-- Attachment #N --]" marker, so do we.
function inlineTextAttachments(mail: ParsedMail): string {
  let out = "";
  mail.attachments.forEach((a, i) => {
    if (!/^text\/(plain|x-patch|x-diff|x-log)$/i.test(a.contentType) || a.size > 1_000_000) return;
    const name = a.filename ? `: ${a.filename}` : "";
    out += `\n[-- Attachment #${i + 2}${name} --]\n` + new TextDecoder().decode(a.content);
  });
  return out;
}

// The raw header text, so Message-ID extraction sees exactly what was sent
// (mailparser's own References parsing drops ids without brackets).
function headerValue(mail: ParsedMail, key: string): string | null {
  const line = mail.headerLines.find((h) => h.key === key)?.line;
  return line ? line.slice(line.indexOf(":") + 1) : null;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  // Groups nest one level (RFC 5322 §3.4): walk them with a queue, not recursion.
  const queue = objects.flatMap((o) => o.value);
  for (let i = 0; i < queue.length; i++) {
    const entry = queue[i]!;
    if (entry.group) queue.push(...entry.group);
    else if (entry.address) out.push(entry.name ? `${entry.name} <${entry.address}>` : entry.address);
  }
  return out;
}

const DIFF_MARKERS = /^(diff --git |--- a\/|\+\+\+ b\/|Index: )/m;

export function looksLikePatch(bodyText: string, attachments: AttachmentInfo[]): boolean {
  if (DIFF_MARKERS.test(bodyText)) return true;
  return attachments.some(
    (a) => /\.(patch|diff)$/i.test(a.filename ?? "") || /^text\/x-(patch|diff)$/i.test(a.contentType),
  );
}
