// Parses a stream of raw messages in child processes and yields them in input
// order. mailparser runs at a few thousand messages/s per core, slower than
// splitting and SQLite together, so the cores it gets decide ingest speed.
//
// Processes, not worker threads: a worker thread that hits its heap limit
// inside a large allocation (an 80 MB text body) took the whole ingest down
// with a V8 fatal OOM. A child that dies, for any reason, costs the one
// message it was parsing; the others it held go to its replacement.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { IncomingMessage } from "../store/types";
import type { RawMail } from "./mail-sources";
import { parseMessage } from "../mail/mime";
import type { ParseReply, WorkerMessage } from "./parse-worker";

// More than one write batch (ingest.ts writes 1,000 at a time, and SQLite's
// writes block this thread): the workers keep parsing while a batch is
// written, rather than idling after the few messages they were sent. With 64,
// the corpus took 47.7 s with one worker; with 2,048, 38.2 s.
const IN_FLIGHT_PER_WORKER = 2048;
// Also bounded by bytes, or 2,048 big messages per worker would be held at once.
const IN_FLIGHT_BYTES_PER_WORKER = 32 * 1024 * 1024;

// A small heap makes V8 collect mailparser's garbage early instead of growing
// each worker by hundreds of MB (peak RSS is an ingest target), and is what a
// pathological message runs into: the worker dies, not the machine.
export const DEFAULT_WORKER_HEAP_MB = 256;

/**
 * A worker reads each message from its stdin as a frame: this header (seq,
 * then the byte length, both u32 big-endian), then the raw bytes. Defined here
 * so that the pool never loads the worker's module.
 */
export const FRAME_HEADER_BYTES = 8;

export interface ParseOptions {
  /** Heap limit of each parse worker (V8 old generation), in MB. */
  workerHeapMb?: number;
}

export async function* parseAll(source: AsyncIterable<RawMail>, workerCount: number, options: ParseOptions = {}): AsyncGenerator<IncomingMessage> {
  if (workerCount <= 0) {
    for await (const mail of source) yield mail.oversize === null ? await parseHere(mail) : tooLarge(mail);
    return;
  }
  const pool = new ParsePool(workerCount, options.workerHeapMb ?? DEFAULT_WORKER_HEAP_MB);
  const queue: { result: Promise<IncomingMessage>; bytes: number }[] = [];
  let queuedBytes = 0;
  const next = () => {
    const head = queue.shift()!;
    queuedBytes -= head.bytes;
    return head.result;
  };
  const full = () => queue.length >= IN_FLIGHT_PER_WORKER * workerCount || (queue.length > 0 && queuedBytes >= IN_FLIGHT_BYTES_PER_WORKER * workerCount);
  try {
    for await (const mail of source) {
      const bytes = mail.oversize === null ? mail.raw.length : 0;
      queue.push({ result: mail.oversize === null ? pool.parse(mail) : Promise.resolve(tooLarge(mail)), bytes });
      queuedBytes += bytes;
      while (full()) yield await next();
    }
    while (queue.length > 0) yield await next();
  } finally {
    await pool.stop();
  }
}

interface Job {
  seq: number;
  mail: RawMail;
  settle: (message: IncomingMessage) => void;
  reject: (error: Error) => void;
}

class ParsePool {
  /** Set when a worker cannot even start: then no message can be parsed. */
  private fatal: Error | null = null;
  private readonly workers: ParseWorker[];
  private seq = 0;
  private stopping = false;

  constructor(count: number, private readonly heapMb: number) {
    this.workers = Array.from({ length: count }, () => this.start());
  }

  /** Rejects only if the pool cannot parse at all (see `fatal`). */
  parse(mail: RawMail): Promise<IncomingMessage> {
    // Each message's own promise rejects, rather than a race against one
    // pool-wide promise: every race left a reaction on that never-settled
    // promise holding its parsed message: 450 MB more RSS over the 30k corpus.
    const result = new Promise<IncomingMessage>((settle, reject) => {
      if (this.fatal !== null) return reject(this.fatal);
      const idle = this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      idle.add({ seq: this.seq++, mail, settle, reject });
    });
    // Awaited in order later; until then its rejection is not "unhandled".
    result.catch(() => {});
    return result;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  private start(): ParseWorker {
    return new ParseWorker(this.heapMb, (worker, reason) => this.died(worker, reason));
  }

  private died(worker: ParseWorker, reason: string): void {
    if (this.stopping) return;
    if (!worker.ready) {
      this.fatal = new Error(`parse worker could not start (${reason})`);
      for (const job of this.workers.flatMap((w) => [...w.jobs.values()])) job.reject(this.fatal);
      return;
    }
    const replacement = this.start();
    this.workers[this.workers.indexOf(worker)] = replacement;
    // The worker parses in order, so the oldest message it holds is the one it
    // died on. That one is failed, never retried: it could kill every worker.
    const [culprit, ...others] = worker.jobs.values();
    culprit?.settle(failed(culprit.mail, `parse worker died (${reason}) while parsing this message`));
    for (const job of others) replacement.add(job);
  }
}

/** One child process and the jobs sent to it that it has not answered yet, oldest first. */
class ParseWorker {
  readonly jobs = new Map<number, Job>();
  ready = false;
  private readonly child: ChildProcess;
  private readonly closed: Promise<void>;
  private stderrTail = "";
  private dead = false;

  constructor(heapMb: number, private readonly onDeath: (worker: ParseWorker, reason: string) => void) {
    this.child = forkWorker(heapMb);
    // A write to a worker that died fails with EPIPE; "close" handles the death.
    this.child.stdin?.on("error", () => {});
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-8192)));
    this.child.on("message", (message: WorkerMessage) => this.receive(message));
    // Spawn or send failures; the process itself is judged by "close".
    this.child.on("error", (error) => {
      if (!this.ready) this.die(error.message);
    });
    // "close" and not "exit": stderr is complete by then, for the reason.
    this.closed = new Promise((resolve) => this.child.once("close", (code, signal) => {
      this.die(deathReason(code, signal, this.stderrTail));
      resolve();
    }));
  }

  add(job: Job): void {
    this.jobs.set(job.seq, job);
    if (this.ready) this.send(job);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    await this.closed;
  }

  private receive(message: WorkerMessage): void {
    if ("ready" in message) {
      this.ready = true;
      for (const job of this.jobs.values()) this.send(job);
      return;
    }
    const job = this.jobs.get(message.seq);
    if (job === undefined) return;
    this.jobs.delete(message.seq);
    job.settle(toIncoming(job.mail, message));
  }

  private send(job: Job): void {
    // Written as is, no copy (see FRAME_HEADER_BYTES for the framing).
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(job.seq, 0);
    header.writeUInt32BE(job.mail.raw.length, 4);
    this.child.stdin?.write(header);
    this.child.stdin?.write(job.mail.raw);
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this, reason);
  }
}

// The worker inherits process.execArgv, so under tsx (the CLI, the tests) it
// runs with tsx's loader and can be the TypeScript source itself.
function forkWorker(heapMb: number): ChildProcess {
  const entry = new URL(import.meta.url.endsWith(".ts") ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
  return fork(fileURLToPath(entry), [], {
    execArgv: [...process.execArgv, `--max-old-space-size=${heapMb}`],
    serialization: "advanced",
    stdio: ["pipe", "ignore", "pipe", "ipc"],
  });
}

function deathReason(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
  const why = /FATAL ERROR: (.+)/.exec(stderr)?.[1] ?? /^\s*(\w*Error\b.*)$/m.exec(stderr)?.[1];
  return why === undefined ? how : `${how}: ${why.trim().slice(0, 200)}`;
}

function toIncoming(mail: RawMail, reply: ParseReply): IncomingMessage {
  return "parsed" in reply ? { ...base(mail), parsed: reply.parsed } : failed(mail, reply.error);
}

function base(mail: RawMail) {
  return { raw: mail.raw, fallbackDate: mail.fromLineDate, position: mail.position };
}

function failed(mail: RawMail, error: string): IncomingMessage {
  return { ...base(mail), parsed: null, error };
}

/** An oversized message is one failed message, with its size in the reason. */
function tooLarge(mail: RawMail): IncomingMessage {
  const mb = (mail.oversize ?? 0) / 1048576;
  return failed(mail, `message of ${mb.toFixed(1)} MB is over the size limit (--max-message-mb)`);
}

async function parseHere(mail: RawMail): Promise<IncomingMessage> {
  try {
    return toIncoming(mail, { seq: 0, parsed: await parseMessage(mail.raw) });
  } catch (error) {
    return toIncoming(mail, { seq: 0, error: error instanceof Error ? error.message : String(error) });
  }
}
