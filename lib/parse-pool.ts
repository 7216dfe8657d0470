// Parses a stream of raw messages on worker threads and yields them in input
// order. mailparser runs at a few thousand messages/s per core, slower than
// splitting and SQLite together, so the cores it gets decide ingest speed.
import { Worker } from "node:worker_threads";
import type { IncomingMessage } from "./archive-writer";
import type { RawMail } from "./mail-sources";
import { parseMessage } from "./mime";
import type { ParseReply } from "./parse-worker";

const IN_FLIGHT_PER_WORKER = 64;

// A small heap makes V8 collect mailparser's garbage early instead of growing
// each worker by hundreds of MB (peak RSS is an ingest target).
const WORKER_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16 };

export async function* parseAll(source: AsyncIterable<RawMail>, workerCount: number): AsyncGenerator<IncomingMessage> {
  if (workerCount <= 0) {
    for await (const mail of source) yield mail.oversize === null ? await parseHere(mail) : tooLarge(mail);
    return;
  }
  const workers = Array.from({ length: workerCount }, startWorker);
  const pending = new Map<number, { mail: RawMail; settle: (reply: ParseReply) => void }>();
  // A dead worker would leave its messages unanswered forever: fail the run.
  let rejectFatal: (error: Error) => void = () => {};
  const fatal = new Promise<never>((_, reject) => (rejectFatal = reject));
  fatal.catch(() => {});
  for (const worker of workers) {
    worker.on("message", (reply: ParseReply) => pending.get(reply.seq)?.settle(reply));
    worker.on("error", (error) => rejectFatal(new Error(`parse worker failed: ${error.message}`)));
    worker.on("exit", (code) => rejectFatal(new Error(`parse worker exited with code ${code}`)));
  }
  const next = (queue: Promise<IncomingMessage>[]) => Promise.race([queue.shift()!, fatal]);
  const queue: Promise<IncomingMessage>[] = [];
  let seq = 0;
  try {
    for await (const mail of source) {
      if (mail.oversize !== null) {
        queue.push(Promise.resolve(tooLarge(mail)));
        continue;
      }
      const mine = seq++;
      queue.push(
        new Promise<IncomingMessage>((resolve) => {
          pending.set(mine, {
            mail,
            settle: (reply) => {
              pending.delete(mine);
              resolve(toIncoming(mail, reply));
            },
          });
        }),
      );
      // Copy just this message's bytes: raw may be a view into a large read
      // chunk, and posting the view would clone the whole chunk.
      const bytes = new Uint8Array(mail.raw);
      workers[mine % workerCount]!.postMessage({ seq: mine, raw: bytes }, [bytes.buffer]);
      if (queue.length >= IN_FLIGHT_PER_WORKER * workerCount) yield await next(queue);
    }
    while (queue.length > 0) yield await next(queue);
  } finally {
    for (const worker of workers) worker.removeAllListeners("exit");
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

// Under tsx (the CLI) the worker is TypeScript source: a worker does not
// inherit tsx's loader, so it registers tsx itself before importing the module.
function startWorker(): Worker {
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL("./parse-worker.js", import.meta.url), { resourceLimits: WORKER_LIMITS });
  }
  const entry = JSON.stringify(new URL("./parse-worker.ts", import.meta.url).href);
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
}

function toIncoming(mail: RawMail, reply: ParseReply): IncomingMessage {
  const base = { raw: mail.raw, fallbackDate: mail.fromLineDate, position: mail.position };
  return "parsed" in reply ? { ...base, parsed: reply.parsed } : { ...base, parsed: null, error: reply.error };
}

/** An oversized message is one failed message, with its size in the reason. */
function tooLarge(mail: RawMail): IncomingMessage {
  const mb = (mail.oversize ?? 0) / 1048576;
  return { raw: mail.raw, parsed: null, fallbackDate: mail.fromLineDate, position: mail.position, error: `message of ${mb.toFixed(1)} MB is over the size limit (--max-message-mb)` };
}

async function parseHere(mail: RawMail): Promise<IncomingMessage> {
  try {
    return toIncoming(mail, { seq: 0, parsed: await parseMessage(mail.raw) });
  } catch (error) {
    return toIncoming(mail, { seq: 0, error: error instanceof Error ? error.message : String(error) });
  }
}
