// The hostile inputs of bench/hostile-mail.ts, generated on the fly (nothing
// is committed): every file is written as a stream, so the 600 MB message never
// exists in memory. All content comes from a seeded PRNG, so two runs build the
// same bytes.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { createGzip } from "node:zlib";

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the a of to in is that for it on with as this be are we not if but or by an at from should can would when which " +
  "kernel patch driver memory page buffer lock mutex spinlock allocation struct function pointer return value error path " +
  "ima evm tpm measurement policy appraisal signature keyring integrity digest hash template log boot firmware pcr " +
  "commit series review reviewed change changes version fix fixes regression test tested upstream stable backport " +
  "file inode dentry mount namespace security module hook label xattr sysfs securityfs user space caller callers " +
  "thanks agreed perhaps however instead because otherwise still already actually probably missing wrong correct"
).split(" ");

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** One line of prose, 40–76 characters. */
function proseLine(r: () => number): string {
  const target = 40 + Math.floor(r() * 37);
  let line = pick(r, WORDS);
  if (line === "from") line = "then"; // a line starting "From " would need mbox quoting
  line = line[0]!.toUpperCase() + line.slice(1);
  for (;;) {
    const word = pick(r, WORDS);
    if (line.length + 1 + word.length > target) break;
    line += (r() < 0.08 ? ", " : " ") + word;
  }
  return line + (r() < 0.5 ? "." : "");
}

function diffHunk(r: () => number, lines: string[]): void {
  const file = `security/integrity/${pick(r, ["ima", "evm", "platform_certs"])}/${pick(r, ["main", "policy", "fs", "api", "queue"])}.c`;
  const at = 10 + Math.floor(r() * 900);
  lines.push(`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`, `@@ -${at},7 +${at},8 @@ static int ${pick(r, WORDS)}_${pick(r, WORDS)}(struct inode *inode)`);
  const n = 6 + Math.floor(r() * 20);
  for (let i = 0; i < n; i++) {
    const mark = r() < 0.7 ? " " : r() < 0.5 ? "-" : "+";
    const indent = "\t".repeat(1 + Math.floor(r() * 3));
    lines.push(`${mark}${indent}${pick(r, ["if (", "rc = ", "return ", "mutex_lock(&", "kfree(", "pr_info(\"", "list_add(&"])}${pick(r, WORDS)}_${pick(r, WORDS)}${pick(r, [");", ") {", ";", "\");", ", GFP_KERNEL);"])}`);
  }
}

/**
 * A plausible reply body of about `bytes` bytes: prose paragraphs, quoted
 * stretches, now and then a diff hunk, a signature. Never a line starting
 * with "From " (that would need mbox quoting).
 */
export function textBody(r: () => number, bytes: number, quoteFrom?: string): string {
  const lines: string[] = [];
  let size = 0;
  const push = (l: string) => {
    lines.push(l);
    size += l.length + 1;
  };
  if (quoteFrom) push(`On ${pick(r, ["Mon", "Tue", "Wed", "Thu", "Fri"])}, ${quoteFrom} wrote:`);
  while (size < bytes - 200) {
    const kind = r();
    if (kind < 0.25) {
      const n = 2 + Math.floor(r() * 8);
      for (let i = 0; i < n; i++) push(`${r() < 0.2 ? "> > " : "> "}${proseLine(r)}`);
    } else if (kind < 0.33) {
      const before = lines.length;
      diffHunk(r, lines);
      for (let i = before; i < lines.length; i++) size += lines[i]!.length + 1;
    } else {
      const n = 2 + Math.floor(r() * 7);
      for (let i = 0; i < n; i++) push(proseLine(r));
    }
    push("");
  }
  push("-- ");
  push(`${pick(r, ["Mimi", "Roberto", "Jarkko", "Stefan", "Paul"])} (bench)`);
  return lines.join("\n") + "\n";
}

function mailDate(base: number, minutes: number): string {
  return new Date(base + minutes * 60_000).toUTCString().replace("GMT", "+0000");
}

const BASE_DATE = Date.UTC(2024, 0, 15, 9, 0, 0);

async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

async function finish(out: Writable): Promise<void> {
  out.end();
  await once(out, "finish");
}

/** One mbox message ("From " line, headers, body, blank line) for a plain text mail. */
function mboxMessage(h: { mid: string; from: string; subject: string; date: string; inReplyTo?: string; references?: string[] }, body: string): string {
  const head = [
    `From ${h.from.replace(/.*<|>.*/g, "")} ${new Date(h.date).toUTCString()}`,
    `From: ${h.from}`,
    `To: hostile@bench.example`,
    `Subject: ${h.subject}`,
    `Date: ${h.date}`,
    `Message-ID: <${h.mid}>`,
  ];
  if (h.inReplyTo) head.push(`In-Reply-To: <${h.inReplyTo}>`);
  // Folded, one id a line, as mailers write long References.
  if (h.references?.length) head.push(`References: ${h.references.map((m) => `<${m}>`).join("\n ")}`);
  head.push("MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit");
  return `${head.join("\n")}\n\n${body}\n`;
}

// ---------------------------------------------------------------------------
// 1. The giant thread

export interface GiantThread {
  rootMid: string;
  mids: string[];
  bytes: number;
}

/** `count` messages of about `bodyBytes` each, one thread: a root and replies to earlier messages. */
export async function writeGiantThread(file: string, count: number, bodyBytes: number): Promise<GiantThread> {
  const r = rng(10);
  const out = fs.createWriteStream(file);
  const mids: string[] = [];
  const ancestry: string[][] = [];
  const senders = Array.from({ length: 40 }, (_, i) => `Dev ${String.fromCharCode(65 + (i % 26))}${i} <dev${i}@bench.example>`);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const mid = `giant-${i}.${(i * 2654435761) >>> 0}@bench.example`;
    const from = pick(r, senders);
    let parent: number | null = null;
    if (i > 0) parent = r() < 0.1 ? 0 : Math.max(0, i - 1 - Math.floor(r() * Math.min(i, 30)));
    const chain = parent === null ? [] : [...ancestry[parent]!, mids[parent]!];
    ancestry.push(chain);
    // Root plus the nearest ancestors, the way mailers trim References.
    const references = chain.length > 12 ? [chain[0]!, ...chain.slice(-11)] : chain;
    const msg = mboxMessage(
      {
        mid, from, date: mailDate(BASE_DATE, i * 7),
        subject: `${i === 0 ? "" : "Re: "}[PATCH v${1 + (i % 9)} 00/42] ima: measure everything twice, a long discussion`,
        inReplyTo: parent === null ? undefined : mids[parent],
        references,
      },
      textBody(r, bodyBytes, parent === null ? undefined : senders[parent % senders.length]),
    );
    mids.push(mid);
    bytes += Buffer.byteLength(msg);
    await write(out, msg);
  }
  await finish(out);
  return { rootMid: mids[0]!, mids, bytes };
}

// ---------------------------------------------------------------------------
// 2. One message with many attachments

export interface AttachmentMail {
  mid: string;
  /** A small message in the same list, for /raw alongside the downloads. */
  smallMid: string;
  /** sha256 (hex) and size of each attachment's decoded bytes, in MIME order. */
  files: { name: string; type: string; size: number; sha256: string }[];
  bytes: number;
}

const ATTACHMENT_KINDS = [
  { prefix: "file", ext: "bin", type: "application/octet-stream", text: false },
  { prefix: "log", ext: "txt", type: "text/plain; charset=us-ascii", text: true },
  { prefix: "shot", ext: "png", type: "image/png", text: false },
  { prefix: "report", ext: "pdf", type: "application/pdf", text: false },
  { prefix: "0001-fix", ext: "patch", type: "text/x-patch", text: true },
  { prefix: "dump", ext: "tar.gz", type: "application/gzip", text: false },
  { prefix: "page", ext: "html", type: "text/html", text: true },
  { prefix: "config", ext: "xml", type: "application/xml", text: true },
];

/** One multipart/mixed message with `count` base64 attachments of about `size` decoded bytes, plus a small message. */
export async function writeAttachmentMail(file: string, count: number, size: number): Promise<AttachmentMail> {
  const r = rng(20);
  const out = fs.createWriteStream(file);
  const mid = `attachments-${count}@bench.example`;
  const smallMid = `small-before-attachments@bench.example`;
  const boundary = "=-=bench-boundary-7f3a=-=";
  let bytes = 0;
  const put = async (s: string) => {
    bytes += Buffer.byteLength(s);
    await write(out, s);
  };
  await put(mboxMessage({ mid: smallMid, from: "Small <small@bench.example>", subject: "a small message", date: mailDate(BASE_DATE, 0) }, textBody(r, 2000)));
  await put(
    [
      `From sender@bench.example ${new Date(BASE_DATE).toUTCString()}`,
      `From: Sender <sender@bench.example>`,
      `To: hostile@bench.example`,
      `Subject: [PATCH] ${count} attachments, please review`,
      `Date: ${mailDate(BASE_DATE, 5)}`,
      `Message-ID: <${mid}>`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      ``,
      `--${boundary}`,
      `Content-Type: text/plain; charset=utf-8`,
      ``,
      textBody(r, 3000),
    ].join("\n"),
  );
  const files: AttachmentMail["files"] = [];
  for (let i = 1; i <= count; i++) {
    const kind = ATTACHMENT_KINDS[i % ATTACHMENT_KINDS.length]!;
    const name = `${kind.prefix}-${i}.${kind.ext}`;
    const n = size - 2048 + Math.floor(r() * 4096);
    let content: Buffer;
    if (kind.text) {
      content = Buffer.from(textBody(r, n).slice(0, n));
    } else {
      content = Buffer.allocUnsafe(n);
      for (let j = 0; j < n; j += 4) content.writeUInt32LE((r() * 4294967296) >>> 0, Math.min(j, n - 4));
    }
    files.push({ name, type: kind.type, size: content.length, sha256: createHash("sha256").update(content).digest("hex") });
    const b64 = content.toString("base64").replace(/.{76}/g, "$&\n");
    await put(
      `\n--${boundary}\nContent-Type: ${kind.type}; name="${name}"\nContent-Disposition: attachment; filename="${name}"\n` +
        `Content-Transfer-Encoding: base64\n\n${b64}${b64.endsWith("\n") ? "" : "\n"}`,
    );
  }
  await put(`\n--${boundary}--\n\n`);
  await finish(out);
  return { mid, smallMid, files, bytes };
}

// ---------------------------------------------------------------------------
// 3. A 600 MB message in a small .mbox.gz

export interface HugeMbox {
  goodMids: string[];
  hugeMid: string;
  uncompressedBytes: number;
  compressedBytes: number;
}

/** `before` good messages, one message whose body is `hugeBytes` of repeated lines, `after` good messages; gzipped as it is written. */
export async function writeHugeMbox(file: string, hugeBytes: number, before: number, after: number): Promise<HugeMbox> {
  const r = rng(30);
  const gzip = createGzip({ level: 9 });
  const sink = fs.createWriteStream(file);
  const piped = gzip.pipe(sink);
  let uncompressed = 0;
  const put = async (s: string | Buffer) => {
    uncompressed += Buffer.byteLength(s);
    await write(gzip, s);
  };
  const goodMids: string[] = [];
  const good = async (i: number) => {
    const mid = `huge-neighbour-${i}@bench.example`;
    goodMids.push(mid);
    await put(mboxMessage({ mid, from: "Good <good@bench.example>", subject: `good message ${i}`, date: mailDate(BASE_DATE, i) }, textBody(r, 3000)));
  };
  for (let i = 0; i < before; i++) await good(i);
  const hugeMid = "huge-600mb@bench.example";
  await put(
    [
      `From huge@bench.example ${new Date(BASE_DATE).toUTCString()}`,
      "From: Huge <huge@bench.example>",
      "To: hostile@bench.example",
      "Subject: a very large message",
      `Date: ${mailDate(BASE_DATE, 100)}`,
      `Message-ID: <${hugeMid}>`,
      "Content-Type: text/plain",
      "",
      "",
    ].join("\n"),
  );
  // 1 MB chunks of one repeated line: the body costs gzip almost nothing.
  const line = "this line repeats until the message is six hundred megabytes long, ok\n";
  const chunk = Buffer.from(line.repeat(Math.floor((1 << 20) / line.length)));
  let written = 0;
  while (written < hugeBytes) {
    // Whole lines only: the blank line after the body must frame the next From_ line.
    const lines = Math.ceil(Math.min(chunk.length, hugeBytes - written) / line.length);
    const piece = chunk.subarray(0, lines * line.length);
    await put(piece);
    written += piece.length;
  }
  await put("\n");
  for (let i = 0; i < after; i++) await good(before + i);
  gzip.end();
  await once(piped, "finish");
  return { goodMids, hugeMid, uncompressedBytes: uncompressed, compressedBytes: fs.statSync(file).size };
}

// ---------------------------------------------------------------------------
// 4. The merging message

/** One message whose References name every id of `roots`, In-Reply-To the first. */
export function writeMergingMessage(file: string, roots: string[]): string {
  const mid = "merge-everything@bench.example";
  fs.writeFileSync(
    file,
    mboxMessage(
      {
        mid, from: "Merger <merger@bench.example>", subject: "Re: everything at once", date: mailDate(Date.UTC(2030, 0, 1), 0),
        inReplyTo: roots[0], references: [...roots.slice(1), roots[0]!],
      },
      "This message names every thread of the list.\n",
    ),
  );
  return mid;
}
