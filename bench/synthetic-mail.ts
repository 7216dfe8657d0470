// The synthetic archive of bench:scale: the real corpus copied over and over,
// each copy with fresh Message-IDs and dates shifted into the past, so thread
// shapes, sizes and bodies stay those of real mail while nothing collides
// with another copy. Copy 0 is the corpus as it is. Nothing here is stored.
//
// The sender's address is tagged too (zohar@ becomes zohar+s3@): a real list
// does not carry the same patch series from the same author 33 times, and
// series tell versions apart by title and author, so untagged copies would
// all join one series of 33 resends, each rebuilt with all the others.

const HEADER_END = /\r?\n\r?\n/;
const ID_HEADERS = /^(message-id|in-reply-to|references)\s*:/i;
const DATE_HEADER = /^date\s*:(.*)$/i;
const FROM_HEADER = /^from\s*:/i;
const ADDRESS = /([^\s<>@",;:]+)@/;
const BRACKETED = /<([^<>\s]+)>/g;

export interface RewrittenMail {
  raw: Buffer;
  /** The rewritten Message-ID, null when the message has none (ingest then makes one). */
  mid: string | null;
  /** The rewritten Date header, null when absent or unparseable. */
  date: Date | null;
}

/**
 * `raw` as copy `copy`: every Message-ID in Message-ID, In-Reply-To and
 * References gets the prefix "s<copy>.", the Date header moves back by
 * `shiftMs`, the sender's address gets "+s<copy>" (see above), and an
 * X-Scale-Copy header makes the bytes unique even for a
 * message with neither (duplicates would be dropped by ingest). Copy 0 only
 * reports its Message-ID and date.
 */
export function rewriteForCopy(raw: Buffer, copy: number, shiftMs: number): RewrittenMail {
  // latin1 maps bytes 1:1, so the body's bytes pass through untouched.
  const text = raw.toString("latin1");
  const end = HEADER_END.exec(text);
  const headerEnd = end ? end.index : text.length;
  const lines = text.slice(0, headerEnd).split("\n");
  let mid: string | null = null;
  let date: Date | null = null;
  let field: "id" | "date" | "from" | null = null;
  let tagged = copy === 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const continued = line.startsWith(" ") || line.startsWith("\t");
    if (!continued) field = ID_HEADERS.test(line) ? "id" : DATE_HEADER.test(line) ? "date" : FROM_HEADER.test(line) ? "from" : null;
    if (field === "id") {
      const isMid = !continued && /^message-id/i.test(line);
      lines[i] = line.replace(BRACKETED, (_all, id: string) => {
        const fresh = copy === 0 ? id : `s${copy}.${id}`;
        if (isMid && mid === null) mid = fresh;
        return `<${fresh}>`;
      });
    } else if (field === "from" && !tagged && ADDRESS.test(line.replace(FROM_HEADER, ""))) {
      const at = continued ? 0 : (FROM_HEADER.exec(line)?.[0].length ?? 0);
      lines[i] = line.slice(0, at) + line.slice(at).replace(ADDRESS, (_all, local: string) => `${local}+s${copy}@`);
      tagged = true;
    } else if (field === "date" && !continued) {
      const parsed = Date.parse(DATE_HEADER.exec(line)![1]!.trim());
      if (Number.isFinite(parsed)) {
        date = new Date(parsed - (copy === 0 ? 0 : shiftMs));
        if (copy !== 0) lines[i] = `Date: ${date.toUTCString()}`;
      }
    }
  }
  if (copy === 0) return { raw, mid, date };
  const header = `X-Scale-Copy: ${copy}\n${lines.join("\n")}`;
  return { raw: Buffer.concat([Buffer.from(header, "latin1"), raw.subarray(Buffer.byteLength(text.slice(0, headerEnd), "latin1"))]), mid, date };
}
