// Worker-thread entry for lib/parse-pool.ts: parses raw messages off the main
// thread so that parsing (the ingest bottleneck) runs on every core.
import { parentPort } from "node:worker_threads";
import { parseMessage } from "./mime";

export interface ParseRequest { seq: number; raw: Uint8Array }
export type ParseReply =
  | { seq: number; parsed: Awaited<ReturnType<typeof parseMessage>> }
  | { seq: number; error: string };

parentPort?.on("message", async ({ seq, raw }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { seq, parsed: await parseMessage(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)) };
  } catch (error) {
    reply = { seq, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
