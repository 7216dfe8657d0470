// Streaming mbox splitter (mboxrd/mboxo) and mboxrd writer, byte-exact and
// chunk-boundary agnostic, so the importer can read multi-GB lore exports and
// /raw can serve what public-inbox serves.

/**
 * mboxrd (any `>*From ` line gains one `>` on write, loses one on read) is
 * what public-inbox/lore export and the only variant that round-trips; mboxo
 * quotes only `From ` so `>From ` in a body is indistinguishable from a quoted
 * `From ` and reading it is lossy. No auto-detection: a file does not say.
 */
export type MboxVariant = "mboxrd" | "mboxo";

export interface MboxMessage {
  /** Message bytes exactly as sent: un-quoted, without the From_ line and framing blank line. */
  raw: Buffer;
  /** The From_ separator line without line ending (latin1, so it maps 1:1 to bytes); "" for leading garbage. */
  fromLine: string;
  /** Byte offset of the From_ line in the input, for error messages. */
  offset: number;
  /** 0-based position in the file. */
  index: number;
  /** Set when the message was over the size cap, to its bytes after the From_ line (framing included): `raw` is then empty. */
  oversize?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_ = Buffer.from("From ", "latin1");
const GT_BUF = Buffer.from(">", "latin1");
const LF_BUF = Buffer.from("\n", "latin1");
const MBOXRD_FROM_LINE = Buffer.from("From mboxrd@z Thu Jan  1 00:00:00 1970\n", "latin1");

const WDAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MON = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
/*
 * Separator rule: `From ` at the start of the input or right after an empty
 * line (LF or CRLF), AND the line looks like `From <sender> <date>` where the
 * date has a month next to a day (ctime `Apr 29` or RFC 5322 `29 Apr`, weekday
 * optional), a h:mm time and a 4-digit year, in either order, any timezone.
 * That accepts `From mboxrd@z Thu Jan  1 00:00:00 1970`, git format-patch's
 * `From <sha> Mon Sep 17 00:00:00 2001`, MAILER-DAEMON and Thunderbird's
 * `From - ...`. Why both conditions: like public-inbox's MboxReader we cannot
 * trust Content-Length (mboxcl writers disagree on it and lore never sets it),
 * and mboxo/mboxcl files leave body lines such as `From the patch ...`
 * unquoted, so "blank line + From " alone would split messages mid-body.
 */
const FROM_LINE_RE = new RegExp(
  `^From +\\S.*? (?:${WDAY},? +)?(?:${MON} +\\d{1,2}|\\d{1,2} +${MON})\\b` +
    `(?=.*\\b\\d{1,2}:\\d{2}\\b)(?=.*\\b\\d{4}\\b)`,
);
// Real From_ lines are short; skip the regex on long body lines.
const MAX_FROM_LINE = 1000;

export function isFromLine(line: string): boolean {
  return line.length <= MAX_FROM_LINE && line.startsWith("From ") && FROM_LINE_RE.test(line);
}

function isBlankTail(buf: Buffer, start: number, end: number): boolean {
  // Is the line that ends at buf[end - 1] (an LF) empty, looking no further back than start?
  if (end - 1 === start) return true;
  const b = buf[end - 2];
  if (b === LF) return true;
  return b === CR && (end - 2 === start || buf[end - 3] === LF);
}

function hasNonSpace(buf: Buffer): boolean {
  for (const b of buf) {
    if (b !== 0x20 && b !== 0x09 && b !== LF && b !== CR && b !== 0x0b && b !== 0x0c) return true;
  }
  return false;
}

/** Synchronous core: feed chunks, collect finished messages. */
class Splitter {
  private readonly rd: boolean;
  private parts: Buffer[] = [];
  private size = 0;
  /** The current message passed the cap: its bytes are counted, not kept. */
  private oversize = false;
  private partial: Buffer[] = [];
  private partialSize = 0;
  private pos = 0; // absolute offset of the next unprocessed byte
  private atStart = true;
  private prevBlank = false;
  private inPreamble = true;
  private fromLine = "";
  private msgOffset = 0;
  private index = 0;
  readonly done: MboxMessage[] = [];

  constructor(variant: MboxVariant, private readonly maxMessageBytes: number) {
    this.rd = variant === "mboxrd";
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const nl = chunk.indexOf(LF);
    if (nl === -1) {
      this.holdPartial(chunk);
      return;
    }
    let from = 0;
    if (this.partial.length > 0) {
      // Joining only the straddling line keeps 1-byte chunks linear.
      this.partial.push(chunk.subarray(0, nl + 1));
      const line = Buffer.concat(this.partial);
      this.partial = [];
      this.partialSize = 0;
      this.block(line, 0, line.length);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last + 1 > from) this.block(chunk, from, last + 1);
    if (last + 1 < chunk.length) this.holdPartial(chunk.subarray(last + 1));
  }

  // A line is held until its LF arrives. One longer than the cap belongs to an
  // oversized message (a From_ line is short): its bytes are counted and
  // dropped, one byte kept so the rest of the line is still not a line start.
  private holdPartial(piece: Buffer): void {
    this.partial.push(piece);
    this.partialSize += piece.length;
    if (this.partialSize > this.maxMessageBytes) {
      this.oversize = true;
      this.size += this.partialSize - 1;
      this.pos += this.partialSize - 1;
      this.partial = [Buffer.from("x")];
      this.partialSize = 1;
    }
  }

  end(): void {
    if (this.partial.length > 0) {
      const tail = Buffer.concat(this.partial);
      this.partial = [];
      this.block(tail, 0, tail.length);
    }
    this.finish();
  }

  private add(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.size += end - start;
    if (this.size > this.maxMessageBytes) {
      // Never build the message: over the cap it is only counted.
      this.oversize = true;
      this.parts = [];
      return;
    }
    this.parts.push(buf.subarray(start, end));
  }

  /**
   * buf[start, end) is whole lines (only the very last block of the input may
   * lack a final LF). Scans for "From " rather than for every LF so that the
   * common line costs nothing in JS; unchanged runs are kept as one slice.
   */
  private block(buf: Buffer, start: number, end: number): void {
    let run = start;
    let p = buf.indexOf(FROM_, start);
    while (p !== -1 && p < end) {
      let q = p;
      while (q > start && buf[q - 1] === GT) q--;
      if (q === start || buf[q - 1] === LF) {
        const depth = p - q;
        if (depth === 0) {
          const blankBefore = q === start ? this.atStart || this.prevBlank : isBlankTail(buf, start, q);
          if (blankBefore) {
            let eol = buf.indexOf(LF, p);
            if (eol === -1 || eol >= end) eol = end;
            let textEnd = eol;
            if (textEnd > q && buf[textEnd - 1] === CR) textEnd--;
            // A From_ line is always short; don't decode a long body line.
            const line = textEnd - q <= MAX_FROM_LINE ? buf.toString("latin1", q, textEnd) : "";
            if (isFromLine(line)) {
              this.add(buf, run, q);
              this.finish();
              this.inPreamble = false;
              this.fromLine = line;
              this.msgOffset = this.pos + (q - start);
              run = Math.min(eol + 1, end);
              p = buf.indexOf(FROM_, run);
              continue;
            }
          }
        } else if (this.rd || depth === 1) {
          this.add(buf, run, q);
          run = q + 1;
        }
      }
      p = buf.indexOf(FROM_, p + FROM_.length);
    }
    this.add(buf, run, end);
    if (end > start) {
      this.prevBlank = buf[end - 1] === LF && isBlankTail(buf, start, end);
      this.atStart = false;
      this.pos += end - start;
    }
  }

  private finish(): void {
    if (this.oversize) {
      this.done.push({ raw: Buffer.alloc(0), fromLine: this.fromLine, offset: this.msgOffset, index: this.index++, oversize: this.size });
      this.parts = [];
      this.size = 0;
      this.oversize = false;
      return;
    }
    let raw = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    // The empty line before the next From_ (or at EOF) is framing, not content.
    const n = raw.length;
    if (n > 0 && raw[n - 1] === LF && isBlankTail(raw, 0, n)) {
      raw = raw.subarray(0, raw[n - 2] === CR && (n === 2 || raw[n - 3] === LF) ? n - 2 : n - 1);
    }
    if (this.inPreamble) {
      // Bytes before the first From_ line: keep them only if they could be a message.
      if (!hasNonSpace(raw)) return;
      this.msgOffset = 0;
      this.fromLine = "";
    }
    this.done.push({ raw, fromLine: this.fromLine, offset: this.msgOffset, index: this.index++ });
  }
}

/**
 * Splits an mbox stream into messages, buffering only the current message.
 * String chunks are taken as UTF-8; pass Buffers for byte-exact 8-bit mail.
 */
export async function* splitMbox(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  opts?: { variant?: MboxVariant; maxMessageBytes?: number },
): AsyncGenerator<MboxMessage> {
  const s = new Splitter(opts?.variant ?? "mboxrd", opts?.maxMessageBytes ?? Number.POSITIVE_INFINITY);
  for await (const chunk of input) {
    s.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    if (s.done.length > 0) yield* s.done.splice(0);
  }
  s.end();
  yield* s.done.splice(0);
}

/**
 * One message as mboxrd, as lore serves it at /raw and in t.mbox.gz.
 * splitMbox gives back `raw` exactly when it ends with "\n"; otherwise the
 * newline added here stays (mbox holds whole lines only).
 */
export function formatMboxrd(raw: Buffer): Buffer {
  const out: Buffer[] = [MBOXRD_FROM_LINE];
  let run = 0;
  let p = raw.indexOf(FROM_);
  while (p !== -1) {
    let q = p;
    while (q > 0 && raw[q - 1] === GT) q--;
    if (q === 0 || raw[q - 1] === LF) {
      out.push(raw.subarray(run, q), GT_BUF);
      run = q;
    }
    p = raw.indexOf(FROM_, p + FROM_.length);
  }
  out.push(raw.subarray(run));
  if (raw[raw.length - 1] !== LF) out.push(LF_BUF);
  out.push(LF_BUF);
  return Buffer.concat(out);
}

