// Gzipped mboxrd bodies for /t.mbox.gz and search downloads (x=m): the
// original bytes of each message, quoted like lore so `git am` and b4 work.
import { gzipSync } from "node:zlib";
import { formatMboxrd } from "./mbox";

export function gzipMboxrd(raws: Iterable<Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const raw of raws) parts.push(formatMboxrd(raw));
  return gzipSync(Buffer.concat(parts));
}
