// Atom 1.0 (RFC 4287) feeds: search results (?x=A), new.atom and t.atom. Pure:
// the caller passes absolute URLs and plain-text fields; every string is
// escaped here, and characters XML 1.0 forbids are dropped, so mail with
// control characters or broken encodings still gives a well-formed feed.
import { createHash } from "node:crypto";

export interface AtomEntry {
  /** A permanent IRI, e.g. atomEntryId(messageId). */
  id: string;
  title: string;
  /** Absolute URL of the message page. */
  url: string;
  updated: Date;
  authorName: string;
  authorEmail: string;
  /** Plain text (an excerpt of the body); rendered as type="text". */
  summary: string;
}

export interface AtomFeed {
  id: string;
  title: string;
  /** Absolute URL of this feed. */
  selfUrl: string;
  /** Absolute URL of the HTML page it mirrors. */
  alternateUrl: string;
  updated: Date;
  entries: AtomEntry[];
}

export const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";

// XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF]. With the u flag a lone surrogate is one unmatched code
// point, so it is removed while valid pairs stay.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(value: string): string {
  return value
    .replace(NOT_XML_CHAR, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

// RFC 3339 as Atom requires; a Date that is not a time (bad header) becomes
// the epoch rather than the string "Invalid Date".
function atomDate(date: Date): string {
  return (Number.isNaN(date.getTime()) ? new Date(0) : date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A stable entry id for a message, in public-inbox's style (urn:uuid: from
 * the SHA-1 of the Message-ID), so feed readers see the same entry in
 * new.atom, t.atom and search feeds.
 */
export function atomEntryId(mid: string): string {
  const h = createHash("sha1").update(mid, "utf8").digest("hex");
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function renderEntry(entry: AtomEntry): string {
  // atom:author needs a non-empty name (RFC 4287 §3.2.1).
  const name = entry.authorName.trim() || entry.authorEmail.trim() || "unknown";
  const email = entry.authorEmail.trim();
  return (
    "<entry>" +
    `<author><name>${xmlText(name)}</name>${email ? `<email>${xmlText(email)}</email>` : ""}</author>` +
    `<title type="text">${xmlText(entry.title)}</title>` +
    `<updated>${atomDate(entry.updated)}</updated>` +
    `<link rel="alternate" type="text/html" href="${xmlText(entry.url)}"/>` +
    `<id>${xmlText(entry.id)}</id>` +
    `<summary type="text">${xmlText(entry.summary)}</summary>` +
    "</entry>\n"
  );
}

export function renderAtom(feed: AtomFeed): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<feed xmlns="http://www.w3.org/2005/Atom">' +
    `<title type="text">${xmlText(feed.title)}</title>` +
    `<link rel="alternate" type="text/html" href="${xmlText(feed.alternateUrl)}"/>` +
    `<link rel="self" href="${xmlText(feed.selfUrl)}"/>` +
    `<id>${xmlText(feed.id)}</id>` +
    `<updated>${atomDate(feed.updated)}</updated>\n` +
    feed.entries.map(renderEntry).join("") +
    "</feed>\n"
  );
}
