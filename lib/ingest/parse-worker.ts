// Child-process entry for lib/ingest/parse-pool.ts: parses raw messages off the main
// process so that parsing (the ingest bottleneck) runs on every core, and so
// that a message that exhausts memory ends this process, not the ingest.
import { parseMessage, type ParsedMessage } from "../mail/mime";
import { FRAME_HEADER_BYTES } from "./parse-pool";

// Requests come on stdin, framed as FRAME_HEADER_BYTES says. Not over IPC:
// serialising cost one copy of every message in the pool and two more here
// (the chunks read, then joined); a frame is read into one buffer.
interface ParseRequest { seq: number; raw: Buffer }
export type ParseReply = { seq: number; parsed: ParsedMessage } | { seq: number; error: string };
/** Over IPC: `ready` once this process has loaded, then one reply per request, in request order. */
export type WorkerMessage = { ready: true } | ParseReply;

// One message at a time, in arrival order: when this process dies, the pool
// knows the message it was parsing is the oldest one not yet answered.
const queue: ParseRequest[] = [];
let busy = false;

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
    const { seq, raw } = request;
    let reply: ParseReply;
    try {
      reply = { seq, parsed: await parseMessage(raw) };
    } catch (error) {
      reply = { seq, error: error instanceof Error ? error.message : String(error) };
    }
    send(reply);
  }
  busy = false;
}

function send(message: WorkerMessage): void {
  // A failed send means the pool is gone; the disconnect handler ends us.
  process.send?.(message, undefined, undefined, () => {});
}

function readRequests(input: NodeJS.ReadableStream, onRequest: (request: ParseRequest) => void): void {
  let header = Buffer.alloc(0);
  let pending: ParseRequest | null = null;
  let filled = 0;
  input.on("data", (data: Buffer) => {
    let chunk = data;
    while (chunk.length > 0) {
      if (pending === null) {
        const take = FRAME_HEADER_BYTES - header.length;
        header = Buffer.concat([header, chunk.subarray(0, take)]);
        chunk = chunk.subarray(take);
        if (header.length < FRAME_HEADER_BYTES) return;
        pending = { seq: header.readUInt32BE(0), raw: Buffer.allocUnsafe(header.readUInt32BE(4)) };
        header = Buffer.alloc(0);
        filled = 0;
      }
      const copied = chunk.copy(pending.raw, filled);
      filled += copied;
      chunk = chunk.subarray(copied);
      if (filled === pending.raw.length) {
        onRequest(pending);
        pending = null;
      }
    }
  });
}

if (process.send) {
  readRequests(process.stdin, (request) => {
    queue.push(request);
    void drain();
  });
  // The ingest finished or was killed: nothing is left to parse for.
  process.stdin.on("end", () => process.exit(0));
  process.on("disconnect", () => process.exit(0));
  send({ ready: true });
}
