// The ingest pipeline behind `npm run ingest`: sources -> split -> parse (on
// worker threads) -> batched transactions in the store. Never aborts on one
// bad message: outcomes are counted, failures reported with their position.
import { ArchiveWriter, emptyCounts, type FailureLog, type IncomingMessage, type IngestCounts, type ListInfo } from "./archive-writer";
import { readSource, sourceSize, type SourceOptions } from "./mail-sources";
import type { MboxVariant } from "./mbox";
import { parseAll } from "./parse-pool";

export interface IngestProgress {
  messages: number;
  bytes: number;
  totalBytes: number | null;
  elapsedMs: number;
}

export interface IngestOptions {
  dbFile: string;
  list: ListInfo;
  sources: string[];
  variant?: MboxVariant;
  /** Parse workers; 0 parses on the main thread. Defaults to one per core. */
  workers?: number;
  batchSize?: number;
  onProgress?: (progress: IngestProgress) => void;
  onFailure?: FailureLog;
  /** Messages over this many bytes are counted as failed without being read into memory (default 64 MB). */
  maxMessageBytes?: number;
  /** Told when another writer holds the database and this ingest waits for it. */
  onWait?: (message: string) => void;
}

/** lore's largest messages are a few MB; 64 MB leaves room for big attachments and bounds memory. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function defaultWorkerCount(): number {
  // Measured on 2 cores (full 30k corpus): 0 workers 22.9 s / 349 MB RSS,
  // 1 worker 19-23 s / 800+ MB, 2 workers 20-22 s / 880+ MB. The main thread
  // (gunzip, split, hash, SQLite + FTS) is as busy as the parser, so extra
  // threads buy little and cost memory; --workers opts in on bigger machines.
  return 0;
}

export async function ingest(options: IngestOptions): Promise<IngestCounts> {
  // Stat the sources before opening the store: a missing one throws here,
  // and must not leave a connection behind (the finally below closes it).
  const sizes = options.sources.map(sourceSize);
  const writer = new ArchiveWriter(options.dbFile, options.onWait);
  const counts = emptyCounts();
  const started = Date.now();
  const totalBytes = sizes.includes(null) ? null : sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
  const progress = { messages: 0, bytes: 0, totalBytes, elapsedMs: 0 };
  const onFailure = options.onFailure ?? (() => {});
  try {
    const listId = writer.ensureList(options.list);
    const batchSize = options.batchSize ?? 1000;
    let batch: IncomingMessage[] = [];
    const flush = () => {
      writer.writeBatch(listId, batch, counts, onFailure);
      batch = [];
      progress.elapsedMs = Date.now() - started;
      options.onProgress?.(progress);
    };
    const raws = readAllSources(options.sources, { variant: options.variant, maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, onBytes: (n) => (progress.bytes += n) });
    for await (const message of parseAll(raws, options.workers ?? defaultWorkerCount())) {
      progress.messages++;
      batch.push(message);
      if (batch.length >= batchSize) flush();
    }
    if (batch.length > 0) flush();
  } finally {
    writer.close();
  }
  return counts;
}

async function* readAllSources(sources: string[], options: SourceOptions) {
  for (const source of sources) yield* readSource(source, options);
}
