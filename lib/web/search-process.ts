// A search process (lib/web/search-pool.ts forks it): runs searches on its own
// read-only connection, one at a time, at the CPU priority its lane asks for
// (the costly lane runs at the lowest, so a pathological query neither blocks
// nor slows the pages and everyday searches served beside it). The pool kills it with SIGKILL when a search overruns its budget:
// better-sqlite3 cannot interrupt a running statement, a process can always
// be stopped.
import os from "node:os";
import Database from "better-sqlite3";
import { searchMboxPlan, searchMessages } from "../search";
import type { SearchJob, SearchReply } from "./search-pool";

const dbFile = process.env.SEARCH_DB_FILE;
if (!dbFile || !process.send) {
  console.error("search-process: run by lib/web/search-pool.ts (SEARCH_DB_FILE and an IPC channel needed)");
  process.exit(2);
}
const db = new Database(dbFile, { readonly: true, fileMustExist: true });
try {
  os.setPriority(Number(process.env.SEARCH_NICE) || 0);
} catch {
  // Not allowed here (some containers): run at normal priority.
}

async function run(job: SearchJob): Promise<unknown> {
  const now = new Date(job.now);
  if (job.kind === "page") return searchMessages({ ...job.options, now, db });
  return searchMboxPlan({ ...job.options, now, db });
}

process.on("message", (message: { id: number; job: SearchJob }) => {
  run(message.job).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies SearchReply),
    (err: unknown) => process.send?.({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies SearchReply),
  );
});
// The web worker that forked this process is gone: so is the reason to run.
process.on("disconnect", () => process.exit(0));
