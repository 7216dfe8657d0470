// Gzipped mboxrd bodies for /t.mbox.gz: the original bytes of each message,
// quoted like lore so `git am` and b4 work. Compressed on libuv's thread pool
// so a big thread does not stall other requests.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { formatMboxrd } from "./mbox";

const gzipAsync = promisify(gzip);

export function gzipMboxrd(raws: Iterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const raw of raws) parts.push(formatMboxrd(raw));
  return gzipAsync(Buffer.concat(parts));
}
