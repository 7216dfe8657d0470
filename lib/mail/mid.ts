// Message-ID handling: cleaning header values, reading References/In-Reply-To,
// and the lore/public-inbox rules for putting a Message-ID into a URL or an anchor.
import { createHash } from "node:crypto";

// Far more than any real References chain carries, and a bound on how much
// work one hostile header can cause in threading.
const MAX_REFERENCES = 1000;

// Whitespace covers header folding (RFC 5322 §2.2.3); control characters are
// never part of an id and only appear in mangled headers.
const JUNK = /[\s\u0000-\u001f\u007f<>]/g;

function clean(value: string): string | null {
  let mid = value.replace(JUNK, "");
  // Some MUAs quote the whole id ("abc@x.org"); the quotes are not part of it.
  while (mid.length >= 2 && mid.startsWith('"') && mid.endsWith('"')) {
    mid = mid.slice(1, -1);
  }
  return mid === "" ? null : mid;
}

export function normalizeMid(value: string): string | null {
  for (const match of value.matchAll(/<([^<>]*)>/g)) {
    const mid = clean(match[1] ?? "");
    if (mid !== null) return mid;
  }
  // No usable <...>: Message-ID headers without brackets exist in the wild.
  return clean(value);
}

// For each "(" the index of its matching ")", found in one pass so that a header
// full of unbalanced parentheses stays linear. Unmatched "(" are plain text.
function matchParens(header: string): Map<number, number> {
  const open: number[] = [];
  const close = new Map<number, number>();
  for (let i = 0; i < header.length; i++) {
    const ch = header[i];
    if (ch === "\\") i++; // quoted-pair inside a comment (RFC 5322 §3.2.1)
    else if (ch === "(") open.push(i);
    else if (ch === ")") {
      const start = open.pop();
      if (start !== undefined) close.set(start, i);
    }
  }
  return close;
}

export function extractMids(header: string | undefined | null): string[] {
  if (!header) return [];
  const close = matchParens(header);
  const bracketed: string[] = [];
  const bare: string[] = [];
  let token = "";
  const flush = () => {
    if (token.includes("@")) bare.push(token);
    token = "";
  };
  for (let i = 0; i < header.length; i++) {
    const ch = header[i] ?? "";
    if (ch === "<") {
      // Stop at the next "<" too: "<a <b@c>" keeps only the well-formed one, and a
      // truncated trailing "<e@f" (long headers cut by MTAs) is not trusted.
      let j = i + 1;
      while (j < header.length && header[j] !== "<" && header[j] !== ">") j++;
      if (header[j] === ">") {
        flush();
        bracketed.push(header.slice(i + 1, j));
        i = j;
        continue;
      }
    } else if (ch === "(") {
      // Comments such as "(Jane's message of ...)" may hold addresses in <...>.
      const end = close.get(i);
      if (end !== undefined) {
        flush();
        i = end;
        continue;
      }
    } else if (/[\s,]/.test(ch)) {
      flush();
      continue;
    }
    token += ch;
  }
  flush();

  // Bare tokens only count when nothing is bracketed, like public-inbox's
  // uniq_mids; otherwise "From: jane@x.org" style junk would become a parent.
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of bracketed.length > 0 ? bracketed : bare) {
    const mid = normalizeMid(raw);
    if (mid === null || seen.has(mid)) continue;
    seen.add(mid);
    out.push(mid);
  }
  return out;
}

// Same order and first-occurrence-wins dedup as public-inbox's MID::references:
// an In-Reply-To id already present in References keeps its place there, so the
// direct parent (the last entry) comes from References unless In-Reply-To adds a new id.
export function parseReferences(
  references: string | undefined | null,
  inReplyTo: string | undefined | null,
  ownMid: string,
): string[] {
  const own = normalizeMid(ownMid) ?? ownMid;
  const seen = new Set<string>([own]);
  const out: string[] = [];
  for (const mid of [...extractMids(references), ...extractMids(inReplyTo)]) {
    if (seen.has(mid)) continue;
    seen.add(mid);
    out.push(mid);
  }
  // The last ids are the ones threading needs (the direct parent is last).
  return out.length > MAX_REFERENCES ? out.slice(-MAX_REFERENCES) : out;
}

// Content-derived rather than random: re-ingesting the same bytes (a re-run of
// the importer, the same mbox fetched twice) must give the same id, so the
// message is recognised as a duplicate and its URL stays stable.
export function syntheticMid(raw: Buffer): string {
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 40);
  return `${hash}@generated.invalid`;
}

// RFC 3986 §3.3 pchar minus "%", the set public-inbox's MID_ESC leaves literal,
// so our links match lore's byte for byte.
const URL_SAFE = new Set(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@+=.-_~!$&'()*,;:"
    .split("")
    .map((ch) => ch.charCodeAt(0)),
);

const HEX = "0123456789ABCDEF";
const utf8 = new TextEncoder();

// Lone UTF-16 surrogates cannot be UTF-8 encoded and become U+FFFD; decoded
// mail headers are well-formed strings, so this never loses a real id.
export function midToUrl(mid: string): string {
  let out = "";
  for (const byte of utf8.encode(mid)) {
    if (URL_SAFE.has(byte)) out += String.fromCharCode(byte);
    else out += "%" + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

// Next.js hands pages their params still percent-encoded (design.md §1.4).
// Decoding a second time would turn a literal "%40" in an id into "@".
export function midFromParam(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch (err) {
    if (err instanceof URIError) return param;
    throw err;
  }
}

// public-inbox links messages inside thread pages as #m<hash>; a hash keeps the
// id valid in HTML and CSS selectors whatever characters the Message-ID holds.
export function anchorId(mid: string): string {
  return "m" + createHash("sha1").update(mid, "utf8").digest("hex").slice(0, 16);
}
