// Searches run in child processes (lib/web/search-process.ts), never on a web
// worker's event loop, and each one has a time budget. better-sqlite3 has no
// statement timeout and a worker thread cannot be stopped inside a native
// call (terminate() waits for the statement to end: measured 4.8 s for a 5 s
// query), so a search that overruns is stopped by killing its process, and a
// fresh one takes its place.
//
// Two search lanes, each its own process: costly queries (many words,
// download plans) queue behind each other, never in front of a two-word
// search. Downloads themselves are made in a third process.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { isCostlySearch } from "../search/cost";
import type { DatabaseTarget } from "../store/db-path";
import { targetUrl } from "../store/open";
import type { MboxOptions, MboxPlan, SearchOptions, SearchResult } from "../store/types";

type PageOptions = Omit<SearchOptions, "db" | "now">;
type PlanOptions = Omit<MboxOptions, "db" | "now">;

// A send to a process that just died fails; its exit handler settles the job.
const ignoreClosed = (): void => {};

// A process set to a low priority once it runs would load its modules first
// at full priority: about 0.7 s of CPU, paid again after every kill, and
// under attack that starved the pages beside it. Started through nice(1), it
// runs at its lane's priority from its first instruction, every thread of it.
const NICE_COMMAND = ["/usr/bin/nice", "/bin/nice"].find((file) => existsSync(file)) ?? null;

function forkAtPriority(module: URL, nice: number, env: NodeJS.ProcessEnv): ChildProcess {
  const options = { env, serialization: "advanced" as const, stdio: ["ignore", "inherit", "inherit", "ipc"] as ("ignore" | "inherit" | "ipc")[] };
  if (nice === 0 || NICE_COMMAND === null) return fork(module, [], options);
  return fork(module, [], { ...options, execPath: NICE_COMMAND, execArgv: ["-n", String(nice), process.execPath, ...process.execArgv] });
}

/** A download whose reader takes no chunk for this long is stopped. */
const STREAM_IDLE_MS = 60_000;

export type SearchJob =
  | { kind: "page"; now: number; options: PageOptions }
  | { kind: "mbox"; now: number; options: PlanOptions }
  | { kind: "download"; now: number; ids: number[] };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export type SearchReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; chunk: Uint8Array };

/** Why a search got no answer: over its time budget, or too many waiting before it. */
export type SearchRefusal = { ok: false; reason: "timeout" | "busy"; budgetMs: number };
export type SearchOutcome<T> = { ok: true; value: T } | SearchRefusal;

export type Lane = "light" | "heavy";

export interface RunOptions {
  /** The clock for relative dates (d:2.weeks.ago..). */
  now?: Date;
  /** This search's budget instead of the pool's. */
  budgetMs?: number;
}

export interface SearchPoolOptions {
  /** The store the search processes open (each its own connection). */
  database: DatabaseTarget;
  /** Milliseconds from the request to its answer, waiting included. */
  budgetMs: number;
  /** Searches waiting per lane beyond which new ones are turned away at once. */
  maxWaiting?: number;
}

interface Pending {
  id: number;
  job: SearchJob;
  budgetMs: number;
  /** A streaming job's chunks; the next is asked for once this settles. */
  onChunk?: (chunk: Uint8Array) => Promise<void>;
  resolve: (outcome: SearchOutcome<unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class LaneRunner {
  private child: ChildProcess | null = null;
  private running: Pending | null = null;
  private readonly waiting: Pending[] = [];
  private nextId = 1;

  constructor(
    private readonly options: Required<SearchPoolOptions>,
    /** The process's nice value: the costly lane yields the CPU to everything else. */
    private readonly nice: number,
  ) {}

  /** Starts the process before the first search needs it (it takes a few hundred ms). */
  start(): void {
    this.ensureChild();
  }

  /** The search process's pid, if one runs (for the operator's log and the tests). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  run(job: SearchJob, budgetMs: number, onChunk?: (chunk: Uint8Array) => Promise<void>): Promise<SearchOutcome<unknown>> {
    if (this.waiting.length >= this.options.maxWaiting) return Promise.resolve({ ok: false, reason: "busy", budgetMs });
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        id: this.nextId++, job, budgetMs, resolve, reject, onChunk,
        timer: setTimeout(() => this.expire(pending), budgetMs),
      };
      this.waiting.push(pending);
      this.dispatch();
    });
  }

  close(): void {
    for (const p of [...this.waiting, ...(this.running ? [this.running] : [])]) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, reason: "busy", budgetMs: p.budgetMs });
    }
    this.waiting.length = 0;
    this.running = null;
    this.stopChild();
  }

  private dispatch(): void {
    if (this.running !== null) return;
    const next = this.waiting.shift();
    if (next === undefined) return;
    this.running = next;
    this.ensureChild().send({ id: next.id, job: next.job }, ignoreClosed);
  }

  private expire(pending: Pending): void {
    if (this.running === pending) {
      // The statement cannot be interrupted: the process goes, with it.
      this.running = null;
      this.stopChild();
    } else {
      const at = this.waiting.indexOf(pending);
      if (at !== -1) this.waiting.splice(at, 1);
    }
    pending.resolve({ ok: false, reason: "timeout", budgetMs: pending.budgetMs });
    this.dispatch();
  }

  private ensureChild(): ChildProcess {
    if (this.child !== null) return this.child;
    const module = new URL(import.meta.url.endsWith(".ts") ? "./search-process.ts" : "./search-process.js", import.meta.url);
    const child = forkAtPriority(module, this.nice, { ...process.env, SEARCH_DATABASE_URL: targetUrl(this.options.database), SEARCH_NICE: String(this.nice) });
    child.on("message", (reply: SearchReply) => {
      const pending = this.running;
      if (child !== this.child || pending === null || pending.id !== reply.id) return;
      if ("chunk" in reply) {
        // Streaming has started: the budget was for starting; a reader that
        // stops reading for STREAM_IDLE_MS loses the stream.
        clearTimeout(pending.timer);
        pending.timer = setTimeout(() => this.expire(pending), STREAM_IDLE_MS);
        void (pending.onChunk?.(reply.chunk) ?? Promise.resolve()).then(
          () => { if (this.running === pending) child.send({ ack: reply.id }, ignoreClosed); },
          () => { if (this.running === pending) this.expire(pending); },
        );
        return;
      }
      this.running = null;
      clearTimeout(pending.timer);
      if (reply.ok) pending.resolve({ ok: true, value: reply.value });
      else pending.reject(new Error(`search failed: ${reply.error}`));
      this.dispatch();
    });
    child.on("exit", (code, signal) => {
      if (child !== this.child) return; // killed on purpose and already replaced
      this.child = null;
      const pending = this.running;
      this.running = null;
      if (pending !== null) {
        clearTimeout(pending.timer);
        pending.reject(new Error(`search process exited (${signal ?? code})`));
      }
      this.dispatch();
    });
    // Neither the process nor its channel keeps a web worker (or a test) alive.
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  private stopChild(): void {
    const child = this.child;
    this.child = null;
    child?.kill("SIGKILL");
  }
}

export class SearchPool {
  private readonly lanes: Record<Lane | "download", LaneRunner>;
  private readonly budgetMs: number;

  constructor(options: SearchPoolOptions) {
    const full = { maxWaiting: 32, ...options };
    this.budgetMs = options.budgetMs;
    // Everyday searches run beside the pages at the same priority; costly ones
    // get what CPU is left (nice 19: about 1.5% of a core against a busy
    // worker), measured by npm run bench:search -- --attack.
    this.lanes = { light: new LaneRunner(full, 0), heavy: new LaneRunner(full, 19), download: new LaneRunner(full, 19) };
  }

  /** A result page, in the lane its query's cost calls for. */
  search(options: PageOptions, run: RunOptions = {}): Promise<SearchOutcome<SearchResult>> {
    return this.page(isCostlySearch(options.q) ? "heavy" : "light", options, run);
  }

  page(lane: Lane, options: PageOptions, run: RunOptions = {}): Promise<SearchOutcome<SearchResult>> {
    return this.submit(lane, { kind: "page", options }, run) as Promise<SearchOutcome<SearchResult>>;
  }

  /**
   * The messages as gzipped mboxrd, made in the download process (nice 19, so
   * a big download takes only the CPU pages leave). `onChunk` gets each chunk
   * and resolves when the next may come; the budget runs until the first.
   */
  download(ids: number[], onChunk: (chunk: Uint8Array) => Promise<void>, run: RunOptions = {}): Promise<SearchOutcome<unknown>> {
    return this.submit("download", { kind: "download", ids }, run, onChunk);
  }

  mboxPlan(options: PlanOptions, run: RunOptions = {}): Promise<SearchOutcome<MboxPlan>> {
    return this.submit("heavy", { kind: "mbox", options }, run) as Promise<SearchOutcome<MboxPlan>>;
  }

  private submit(
    lane: Lane | "download",
    job: DistributiveOmit<SearchJob, "now">,
    run: RunOptions,
    onChunk?: (chunk: Uint8Array) => Promise<void>,
  ): Promise<SearchOutcome<unknown>> {
    const now = (run.now ?? new Date()).getTime();
    return this.lanes[lane].run({ ...job, now } as SearchJob, run.budgetMs ?? this.budgetMs, onChunk);
  }

  /** Starts both lanes' processes, so no reader waits for one to start. */
  start(): void {
    this.lanes.light.start();
    this.lanes.heavy.start();
    this.lanes.download.start();
  }

  /** The search processes' pids by lane (null: not started, or stopped). */
  pids(): Record<Lane | "download", number | null> {
    return { light: this.lanes.light.pid, heavy: this.lanes.heavy.pid, download: this.lanes.download.pid };
  }

  close(): void {
    this.lanes.light.close();
    this.lanes.heavy.close();
    this.lanes.download.close();
  }
}
