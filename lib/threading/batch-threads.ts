// Threading of one ingest batch in memory, for a store that cannot afford a
// round trip per Message-ID (PostgreSQL: lib/store/postgres/archive-writer.ts).
// The rules are those of the SQLite writer (lib/store/sqlite/archive-writer.ts),
// step for step: threads are the connected components of the Message-ID graph;
// a message links its own id to its direct parent and, unless the merge guard
// (./merge-guard.ts) holds them back, to all its references; linking ids of
// several threads merges them into the lowest id; a guarded message is looked
// at again whenever a thread holding one of its references merges, or one of
// its references gets a thread for the first time, and the guard is lifted once
// they span few enough threads.
//
// How it differs from the SQLite writer is only where the state lives. The
// store's rows for every Message-ID the batch names are read up front
// (prepare), the batch runs against that snapshot, and what changed comes
// out at the end (finish) to be written in a few statements. A merge does not
// rewrite rows: the merged thread redirects to its target, so a stored row
// that still names it resolves to the right thread. Threads created here get
// provisional ids above every stored id (so "merge into the lowest id" keeps
// its meaning: an older thread always wins) and real ids at the end. Only
// rechecks of guarded messages may need rows nobody asked for (a stored
// message's references); they are read on demand, which is rare.
//
// Pure: the store is reached only through ThreadStore.
import { directParent, tripsMergeGuard } from "./merge-guard";

/** Provisional ids of threads created in the batch start here, above any stored id. */
export const PROVISIONAL_BASE = 2 ** 40;
// Stands for "the thread the message joins anyway" in the merge guard's count.
const BASE_THREAD = -1;

export interface StoredRef {
  mid: string;
  threadId: number;
}

export interface StoredGuardedRef {
  /** Row id of the guarded message. */
  messageId: number;
  mid: string;
}

export interface StoredGuardedMessage {
  id: number;
  /** Its Message-ID. */
  mid: string;
  references: string[];
}

/** What the batch reads of the store; every call names one list, fixed by the caller. */
export interface ThreadStore {
  /** ThreadRef rows of these Message-IDs; a Message-ID without a row is simply absent. */
  refs(mids: string[]): Promise<StoredRef[]>;
  /** Whether the list holds any guarded message (GuardedRef row) at all. */
  anyGuarded(): Promise<boolean>;
  /** GuardedRef rows naming these Message-IDs. */
  guardedByMid(mids: string[]): Promise<StoredGuardedRef[]>;
  /** Per stored thread, the guarded messages whose references name a Message-ID of that thread. */
  guardedInThreads(threadIds: number[]): Promise<{ threadId: number; messageId: number }[]>;
  /** The messages among these row ids that are still guarded, with their references. */
  guardedMessages(ids: number[]): Promise<StoredGuardedMessage[]>;
}

/** The batch's threading, with thread ids final. */
export interface BatchThreadsResult {
  /** Threads to create: id and the rootMid they start with (the summary refresh sets the real one). */
  newThreads: { id: number; rootMid: string }[];
  /** Stored threads merged into another: their messages and refs move to `into`, then they go. */
  merged: { from: number; into: number }[];
  /** ThreadRef rows to add. */
  newRefs: StoredRef[];
  /** The thread of each message threaded in this batch (by row id). */
  messageThreads: Map<number, number>;
  /** Messages of this batch that end it guarded, with the distinct references to keep in GuardedRef. */
  guarded: Map<number, string[]>;
  /** Stored messages whose guard was lifted: clear the flag, drop their GuardedRef rows. */
  liftedStored: number[];
  /** Threads whose summary (and series) must be refreshed: every thread that grew or absorbed another. */
  touched: number[];
}

interface GuardedInfo {
  mid: string;
  references: string[];
  /** Threaded in this batch (else a stored message). */
  fresh: boolean;
}

export class BatchThreads {
  /** Message-ID -> thread as stored or set here (maybe since merged: resolve it); null: known to have none. */
  private readonly refThread = new Map<string, number | null>();
  /** Merged thread -> the thread it went into. */
  private readonly redirect = new Map<number, number>();
  /** Current thread -> stored threads merged into it (for the guarded messages they hold). */
  private readonly absorbed = new Map<number, number[]>();
  private readonly newRefs = new Map<string, number>();
  private readonly created: { id: number; rootMid: string }[] = [];
  private readonly messageThread = new Map<number, number>();
  private readonly touched = new Set<number>();
  /** Stored guarded messages are in the list: stored GuardedRef rows must be read with the refs. */
  private storedGuarded = false;
  /** Any guarded message, stored or from this batch: only then are rechecks looked for. */
  private anyGuarded = false;
  /** Guarded messages by a Message-ID they reference (stored rows read so far, and this batch's). */
  private readonly guardedByMid = new Map<string, Set<number>>();
  /** Stored thread -> guarded messages referencing a Message-ID in it; present once read. */
  private readonly guardedByStoredThread = new Map<number, number[]>();
  /** Guarded messages read or threaded so far (null: not guarded, or gone). */
  private readonly guardedInfo = new Map<number, GuardedInfo | null>();
  /** Messages whose guard this batch lifted. */
  private readonly lifted = new Set<number>();
  private readonly pending: number[] = [];

  constructor(private readonly store: ThreadStore) {}

  /** Reads what threading the given Message-IDs needs; call once with every Message-ID of the batch. */
  async prepare(mids: Iterable<string>): Promise<void> {
    this.storedGuarded = await this.store.anyGuarded();
    this.anyGuarded = this.storedGuarded;
    await this.load([...mids]);
  }

  private async load(mids: string[]): Promise<void> {
    const missing = [...new Set(mids)].filter((mid) => !this.refThread.has(mid));
    if (missing.length === 0) return;
    for (const mid of missing) this.refThread.set(mid, null);
    const threads = new Set<number>();
    for (const row of await this.store.refs(missing)) {
      this.refThread.set(row.mid, row.threadId);
      threads.add(row.threadId);
    }
    if (!this.storedGuarded) return;
    for (const row of await this.store.guardedByMid(missing)) this.addGuardedRef(row.mid, row.messageId);
    const unread = [...threads].filter((t) => !this.guardedByStoredThread.has(t));
    if (unread.length === 0) return;
    for (const t of unread) this.guardedByStoredThread.set(t, []);
    for (const row of await this.store.guardedInThreads(unread)) this.guardedByStoredThread.get(row.threadId)?.push(row.messageId);
  }

  private addGuardedRef(mid: string, messageId: number): void {
    const ids = this.guardedByMid.get(mid);
    if (ids) ids.add(messageId);
    else this.guardedByMid.set(mid, new Set([messageId]));
  }

  private resolve(thread: number): number {
    let t = thread;
    for (let next = this.redirect.get(t); next !== undefined; next = this.redirect.get(t)) t = next;
    // Path compression: long merge chains stay cheap to follow.
    for (let s = thread, next = this.redirect.get(s); next !== undefined && next !== t; next = this.redirect.get(s)) {
      this.redirect.set(s, t);
      s = next;
    }
    return t;
  }

  private threadOf(mid: string): number | undefined {
    const stored = this.refThread.get(mid);
    if (stored === undefined) throw new Error(`batch threading: Message-ID ${JSON.stringify(mid)} was not prepared`);
    return stored === null ? undefined : this.resolve(stored);
  }

  /**
   * Threads one message (row id `id`) as the SQLite writer's threadMessage
   * does; its Message-IDs must have been prepared. Returns its thread as it is
   * now (merges later in the batch may move it: finish() has the last word)
   * and whether the merge guard held its references back.
   */
  add(id: number, messageId: string, references: string[], inReplyTo: string | null): { guarded: boolean } {
    const parent = directParent(references, inReplyTo, messageId);
    const base = parent === null ? [messageId] : [messageId, parent];
    const mids = [messageId, ...references];
    if (parent !== null && !references.includes(parent)) mids.push(parent);
    const known = new Map<string, number | undefined>();
    for (const mid of mids) known.set(mid, this.threadOf(mid));
    // The guard counts threads as they are once the message has joined its
    // parent: its own thread and its parent's count as one.
    const baseThreads = new Set(base.map((mid) => known.get(mid)));
    const guarded = tripsMergeGuard(references, (mid) => {
      const thread = known.get(mid);
      return mid === parent || (thread !== undefined && baseThreads.has(thread)) ? BASE_THREAD : thread;
    });
    const thread = this.link(guarded ? base : mids);
    this.messageThread.set(id, thread);
    if (guarded) {
      this.anyGuarded = true;
      const distinct = [...new Set(references)];
      this.guardedInfo.set(id, { mid: messageId, references: distinct, fresh: true });
      for (const mid of distinct) this.addGuardedRef(mid, id);
    }
    return { guarded };
  }

  /** Whether recheck() has anything to do. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Lifts the guard from every queued message whose references now span few enough threads. */
  async recheck(): Promise<void> {
    while (this.pending.length > 0) {
      const unread = [...new Set(this.pending.filter((id) => !this.guardedInfo.has(id)))];
      if (unread.length > 0) await this.readGuarded(unread);
      const id = this.pending.pop() as number;
      const info = this.guardedInfo.get(id);
      if (info === null || info === undefined || this.lifted.has(id)) continue;
      if (tripsMergeGuard(info.references, (mid) => this.threadOf(mid))) continue;
      this.lifted.add(id);
      this.link([info.mid, ...info.references]);
    }
  }

  private async readGuarded(ids: number[]): Promise<void> {
    for (const id of ids) this.guardedInfo.set(id, null);
    const rows = await this.store.guardedMessages(ids);
    for (const row of rows) this.guardedInfo.set(row.id, { mid: row.mid, references: row.references, fresh: false });
    await this.load(rows.flatMap((row) => [row.mid, ...row.references]));
  }

  /**
   * Puts the Message-IDs in one thread, merging the threads they are in, and
   * returns it; queues for a recheck the guarded messages whose references
   * were in a merged thread or get a thread for the first time.
   */
  private link(mids: string[]): number {
    const found = new Set<number>();
    for (const mid of mids) {
      const thread = this.threadOf(mid);
      if (thread !== undefined) found.add(thread);
    }
    let target: number;
    if (found.size === 0) {
      target = PROVISIONAL_BASE + this.created.length;
      this.created.push({ id: target, rootMid: mids[0] ?? "" });
    } else {
      target = Math.min(...found);
      for (const other of found) {
        if (other === target) continue;
        if (this.anyGuarded) this.queueGuardedInThread(other);
        this.redirect.set(other, target);
        const into = this.absorbed.get(target) ?? [];
        if (other < PROVISIONAL_BASE) into.push(other);
        const moved = this.absorbed.get(other);
        if (moved !== undefined) {
          into.push(...moved);
          this.absorbed.delete(other);
        }
        if (into.length > 0) this.absorbed.set(target, into);
        this.touched.delete(other);
      }
    }
    for (const mid of mids) {
      if (this.refThread.get(mid) !== null) continue; // has a thread: the SQLite writer's INSERT OR IGNORE
      this.refThread.set(mid, target);
      this.newRefs.set(mid, target);
      if (!this.anyGuarded) continue;
      const ids = this.guardedByMid.get(mid);
      if (ids !== undefined) this.pending.push(...[...ids].sort((a, b) => a - b));
    }
    this.touched.add(target);
    return target;
  }

  /** Queues the guarded messages with a reference in `thread`, which is about to be merged away. */
  private queueGuardedInThread(thread: number): void {
    const found = new Set<number>();
    for (const stored of [thread, ...(this.absorbed.get(thread) ?? [])]) {
      if (stored >= PROVISIONAL_BASE) continue;
      for (const id of this.guardedByStoredThread.get(stored) ?? []) found.add(id);
    }
    // Message-IDs that got their thread in this batch, and this batch's guarded messages.
    for (const [mid, ids] of this.guardedByMid) {
      if (this.threadOf(mid) !== thread) continue;
      for (const id of ids) found.add(id);
    }
    this.pending.push(...[...found].sort((a, b) => a - b));
  }

  /** Threads created (and still standing) in this batch, in creation order: finish() wants an id for each. */
  get newThreadCount(): number {
    return this.created.filter((t) => !this.redirect.has(t.id)).length;
  }

  /** The batch's outcome, with the created threads given the real ids `ids` (in creation order). */
  finish(ids: readonly number[]): BatchThreadsResult {
    const standing = this.created.filter((t) => !this.redirect.has(t.id));
    if (ids.length !== standing.length) throw new Error(`batch threading: ${standing.length} thread ids wanted, ${ids.length} given`);
    const real = new Map(standing.map((t, i) => [t.id, ids[i] as number]));
    const final = (thread: number) => {
      const t = this.resolve(thread);
      return t >= PROVISIONAL_BASE ? (real.get(t) as number) : t;
    };
    const merged: { from: number; into: number }[] = [];
    for (const from of this.redirect.keys()) if (from < PROVISIONAL_BASE) merged.push({ from, into: final(from) });
    const guarded = new Map<number, string[]>();
    const liftedStored: number[] = [];
    for (const [id, info] of this.guardedInfo) {
      if (info === null) continue;
      if (info.fresh && !this.lifted.has(id)) guarded.set(id, info.references);
      if (!info.fresh && this.lifted.has(id)) liftedStored.push(id);
    }
    return {
      newThreads: standing.map((t) => ({ id: real.get(t.id) as number, rootMid: t.rootMid })),
      merged,
      newRefs: [...this.newRefs].map(([mid, thread]) => ({ mid, threadId: final(thread) })),
      messageThreads: new Map([...this.messageThread].map(([id, thread]) => [id, final(thread)])),
      guarded,
      liftedStored: liftedStored.sort((a, b) => a - b),
      touched: [...this.touched].map(final),
    };
  }
}
