// Rendered bodies kept in memory, bounded in bytes (CACHE_MB), least recently
// used first out. Nothing is written to disk, and keys carry the state the
// body was made from (a thread's size and last activity, a list's), so a new
// message makes a new key instead of needing an invalidation.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { LRUCache } from "lru-cache";

export interface CachedBody {
  body: Buffer;
  type: string;
  /** Strong validator: a hash of the body, so it changes whenever the body does. */
  etag: string;
  lastModified: Date | null;
  /** Filled on the first request that accepts gzip. */
  gzip?: Buffer;
}

// One body may take at most this share of the cache, so a giant page cannot
// flush everything else.
const MAX_ENTRY_SHARE = 8;

export class PageCache {
  private readonly lru: LRUCache<string, CachedBody>;
  private readonly maxEntryBytes: number;

  constructor(maxBytes: number) {
    this.maxEntryBytes = Math.max(Math.floor(maxBytes / MAX_ENTRY_SHARE), 1);
    this.lru = new LRUCache<string, CachedBody>({
      maxSize: Math.max(maxBytes, 1024),
      maxEntrySize: this.maxEntryBytes,
      sizeCalculation: entrySize,
    });
  }

  get(key: string): CachedBody | undefined {
    return this.lru.get(key);
  }

  /** Makes the entry for a body (hashing it) and keeps it when it fits. */
  put(key: string, body: Buffer, type: string, lastModified: Date | null): CachedBody {
    const entry: CachedBody = { body, type, etag: bodyEtag(body), lastModified };
    this.lru.set(key, entry);
    return entry;
  }

  /** The gzipped body, compressed once and kept with the entry when both still fit. */
  gzipOf(key: string, entry: CachedBody): Buffer {
    if (entry.gzip) return entry.gzip;
    const current = this.lru.peek(key);
    if (current?.gzip && current.body === entry.body) return current.gzip;
    const gzip = gzipSync(entry.body, { level: 6 });
    // A new object, so the cache recounts the entry's size with the gzip in it.
    const withGzip: CachedBody = { ...entry, gzip };
    if (this.lru.peek(key) === entry && entrySize(withGzip, key) <= this.maxEntryBytes) this.lru.set(key, withGzip);
    return gzip;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  get entries(): number {
    return this.lru.size;
  }
}

function entrySize(entry: CachedBody, key: string): number {
  return entry.body.length + (entry.gzip?.length ?? 0) + key.length + 200;
}

export function bodyEtag(body: Buffer | string): string {
  return `"${createHash("sha1").update(body).digest("base64url")}"`;
}

export function cacheMegabytes(env: NodeJS.ProcessEnv = process.env): number {
  // An empty CACHE_MB= (as unit files and .env files write it) means the default, not 0.
  const mb = Number(env.CACHE_MB?.trim() || 128);
  return Number.isFinite(mb) && mb >= 0 ? mb : 128;
}
