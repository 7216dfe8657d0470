// The ingest pipeline behind `npm run ingest`: sources -> split -> parse (in
// worker processes) -> batched transactions in the store. Never aborts on one
// bad message: outcomes are counted, failures reported with their position.
import type { DatabaseTarget } from "../store/db-path";
import { openWriter } from "../store/open";
import { emptyCounts, type FailureLog, type IncomingMessage, type IngestCounts, type ListInfo } from "../store/types";
import { readSource, sourceSize, type SourceOptions } from "./mail-sources";
import type { MboxVariant } from "../mail/mbox";
import { parseAll } from "./parse-pool";

export interface IngestProgress {
  messages: number;
  bytes: number;
  totalBytes: number | null;
  elapsedMs: number;
}

export interface IngestOptions {
  /** The store to write: a SQLite file, or any backend (lib/store/db-path.ts). */
  dbFile?: string;
  database?: DatabaseTarget;
  list: ListInfo;
  sources: string[];
  variant?: MboxVariant;
  /** Parse workers (child processes); 0, the default (see defaultWorkerCount), parses in this process. */
  workers?: number;
  /** Heap limit of each parse worker in MB (default 256): a message that needs more is one failed message. */
  workerHeapMb?: number;
  batchSize?: number;
  onProgress?: (progress: IngestProgress) => void;
  onFailure?: FailureLog;
  /** Messages over this many bytes are counted as failed without being read into memory (default 64 MB). */
  maxMessageBytes?: number;
  /** Told when another writer holds the database and this ingest waits for it. */
  onWait?: (message: string) => void;
  /** Filled at the end with where the time went (bench:ingest). */
  timings?: { seriesMs: number };
}

/** lore's largest messages are a few MB; 64 MB leaves room for big attachments and bounds memory. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function defaultWorkerCount(): number {
  // Measured on 2 cores (full 30k corpus): 0 workers 22.9 s / 349 MB RSS.
  // Worker processes, on the same 2 cores under other load: 0 workers 34 s /
  // 337 MB, 1 worker 43 s / 404 MB (with the worker), 2 workers 35 s / 528 MB.
  // The main thread (gunzip, split, hash, SQLite + FTS) is as busy as the
  // parser, so workers buy little and cost memory; --workers opts in on bigger
  // machines, and in exchange a message that kills a worker costs only itself.
  // Since workers are kept busy while a batch is written (parse-pool.ts), on
  // a quiet 2-core machine: 0 workers 43.4 s, 1 worker 38.2 s.
  return 0;
}

export async function ingest(options: IngestOptions): Promise<IngestCounts> {
  // Stat the sources before opening the store: a missing one throws here,
  // and must not leave a connection behind (the finally below closes it).
  const sizes = options.sources.map(sourceSize);
  const target = options.database ?? (options.dbFile !== undefined ? { backend: "sqlite" as const, file: options.dbFile } : null);
  if (target === null) throw new Error("ingest: no store given (dbFile or database)");
  const writer = await openWriter(target, options.onWait);
  const counts = emptyCounts();
  const started = Date.now();
  const totalBytes = sizes.includes(null) ? null : sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
  const progress = { messages: 0, bytes: 0, totalBytes, elapsedMs: 0 };
  const onFailure = options.onFailure ?? (() => {});
  try {
    const listId = await writer.ensureList(options.list);
    const batchSize = options.batchSize ?? 1000;
    let batch: IncomingMessage[] = [];
    const flush = async () => {
      await writer.writeBatch(listId, batch, counts, onFailure);
      batch = [];
      progress.elapsedMs = Date.now() - started;
      options.onProgress?.(progress);
    };
    const raws = readAllSources(options.sources, { variant: options.variant, maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, onBytes: (n) => (progress.bytes += n) });
    for await (const message of parseAll(raws, options.workers ?? defaultWorkerCount(), { workerHeapMb: options.workerHeapMb })) {
      progress.messages++;
      batch.push(message);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    await writer.refreshSeries();
    if (options.timings) options.timings.seriesMs = writer.seriesMs;
  } finally {
    await writer.close();
  }
  return counts;
}

async function* readAllSources(sources: string[], options: SourceOptions) {
  for (const source of sources) yield* readSource(source, options);
}
