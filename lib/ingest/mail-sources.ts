// Opens what the ingest command is given (mbox, mbox.gz, "-" for standard
// input, a Maildir folder) as one stream of raw messages, read chunk by chunk
// so memory stays flat however large the input is.
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { splitMbox, type MboxVariant } from "../mail/mbox";

export interface RawMail {
  /** Empty when the message was over the size cap (see `oversize`). */
  raw: Buffer;
  /** The message's size when it was over `maxMessageBytes` and so not read. */
  oversize: number | null;
  /** Date of the mbox From_ line, if it carries a real one. */
  fromLineDate: Date | null;
  position: string;
}

export interface SourceOptions {
  variant?: MboxVariant;
  /** Called with the number of input bytes (compressed, as on disk) consumed. */
  onBytes?: (bytes: number) => void;
  /** Larger messages are counted, never held in memory. */
  maxMessageBytes?: number;
}

export function sourceLabel(source: string): string {
  return source === "-" ? "standard input" : source;
}

/** Bytes on disk the source will read, for progress and ETA; null when unknown. */
export function sourceSize(source: string): number | null {
  if (source === "-") return null;
  const stat = fs.statSync(source);
  if (!stat.isDirectory()) return stat.size;
  return listMaildir(source).reduce((sum, file) => sum + fs.statSync(file).size, 0);
}

export async function* readSource(source: string, options: SourceOptions = {}): AsyncGenerator<RawMail> {
  if (source !== "-" && fs.statSync(source).isDirectory()) {
    yield* readMaildir(source, options);
    return;
  }
  const input = source === "-" ? process.stdin : fs.createReadStream(source, { highWaterMark: 1 << 20 });
  const bytes = decompressIfGzip(countBytes(input, options.onBytes));
  for await (const message of splitMbox(bytes, { variant: options.variant, maxMessageBytes: options.maxMessageBytes })) {
    yield {
      raw: message.raw,
      oversize: message.oversize ?? null,
      fromLineDate: parseFromLineDate(message.fromLine),
      position: `${sourceLabel(source)}: message ${message.index + 1} at byte ${message.offset}`,
    };
  }
}

async function* countBytes(input: AsyncIterable<Buffer>, onBytes?: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    onBytes?.(chunk.length);
    yield chunk;
  }
}

// Detects gzip by its magic bytes rather than the file name, so a compressed
// mbox on standard input works too.
async function* decompressIfGzip(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const first = await chunks.next();
  if (first.done) return;
  async function* whole() {
    yield first.value as Buffer;
    yield* chunks;
  }
  if (first.value[0] === 0x1f && first.value[1] === 0x8b) {
    const gunzip = Readable.from(whole()).pipe(zlib.createGunzip({ chunkSize: 1 << 20 }));
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* whole();
  }
}

function listMaildir(dir: string): string[] {
  const folders = ["cur", "new"].map((name) => path.join(dir, name)).filter((d) => fs.existsSync(d));
  const roots = folders.length > 0 ? folders : [dir];
  return roots.flatMap((folder) =>
    fs.readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
      .map((entry) => path.join(folder, entry.name))
      .sort(),
  );
}

async function* readMaildir(dir: string, options: SourceOptions): AsyncGenerator<RawMail> {
  const max = options.maxMessageBytes ?? Number.POSITIVE_INFINITY;
  for (const file of listMaildir(dir)) {
    const size = fs.statSync(file).size;
    if (size > max) {
      options.onBytes?.(size);
      yield { raw: Buffer.alloc(0), oversize: size, fromLineDate: null, position: file };
      continue;
    }
    const raw = await fs.promises.readFile(file);
    options.onBytes?.(raw.length);
    yield { raw, oversize: null, fromLineDate: null, position: file };
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// "From sender Mon Apr 29 15:31:04 2019": asctime, always UTC in practice.
// public-inbox writes the placeholder "Thu Jan  1 00:00:00 1970": no date.
export function parseFromLineDate(fromLine: string): Date | null {
  const m = /\s([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:\S+\s+)?(\d{4})\b/.exec(fromLine);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  const year = Number(m[6]);
  const day = Number(m[2]);
  const hour = Number(m[3]);
  const minute = Number(m[4]);
  const second = Number(m[5] ?? 0);
  if (month < 0 || year <= 1970 || hour > 23 || minute > 59 || second > 60) return null;
  const date = new Date(Date.UTC(year, month, day, hour, minute, Math.min(second, 59)));
  // Date.UTC rolls "Feb 30" over into March: a From_ line saying so is corrupt, not a date.
  return date.getUTCMonth() === month && date.getUTCDate() === day ? date : null;
}
