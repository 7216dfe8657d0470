// A search process (lib/web/search-pool.ts forks it): runs searches on its own
// read-only connection, one at a time, at the CPU priority its lane asks for
// (the costly lane runs at the lowest, so a pathological query neither blocks
// nor slows the pages and everyday searches served beside it). The pool kills
// it with SIGKILL when a search overruns its budget: better-sqlite3 cannot
// interrupt a running statement, a process can always be stopped.
import os from "node:os";
import { parseDatabaseUrl } from "../store/db-path";
import { openSearchIndex } from "../store/open";
import type { SearchJob, SearchReply } from "./search-pool";

const databaseUrl = process.env.SEARCH_DATABASE_URL;
if (!databaseUrl || !process.send) {
  console.error("search-process: run by lib/web/search-pool.ts (SEARCH_DATABASE_URL and an IPC channel needed)");
  process.exit(2);
}
const opened = openSearchIndex(parseDatabaseUrl(databaseUrl));
try {
  os.setPriority(Number(process.env.SEARCH_NICE) || 0);
} catch {
  // Not allowed here (some containers): run at normal priority.
}

// The parent acks each chunk once its reader took it: one chunk in flight.
let ackWaiter: (() => void) | null = null;

async function download(id: number, ids: number[]): Promise<null> {
  const reader = (await opened).streamMbox(ids).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return null;
    const acked = new Promise<void>((resolve) => (ackWaiter = resolve));
    process.send?.({ id, chunk: value } satisfies SearchReply);
    await acked;
  }
}

async function run(id: number, job: SearchJob): Promise<unknown> {
  const now = new Date(job.now);
  const index = await opened;
  if (job.kind === "page") return index.search({ ...job.options, now });
  if (job.kind === "download") return download(id, job.ids);
  return index.planMbox({ ...job.options, now });
}

process.on("message", (message: { id: number; job: SearchJob } | { ack: number }) => {
  if ("ack" in message) {
    const waiter = ackWaiter;
    ackWaiter = null;
    waiter?.();
    return;
  }
  run(message.id, message.job).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies SearchReply),
    (err: unknown) => process.send?.({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies SearchReply),
  );
});
// The web worker that forked this process is gone: so is the reason to run.
process.on("disconnect", () => process.exit(0));
