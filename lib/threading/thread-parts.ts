// Long threads are shown in parts: a page renders at most this many messages
// or this much body text, whatever the thread holds (a crawler asking for a
// 1,000-message thread of 100 KB replies must not cost a worker gigabytes).
// Parts follow thread order, so a part is a stretch of the conversation.
import type { ThreadNode } from "./thread";

// A part renders in one uninterrupted step of its worker (about 50-100 ms per
// MB of body text measured here), and a request that lands on the same worker
// meanwhile waits for it: 1 MB keeps that wait near 100 ms (npm run
// bench:hostile). The largest thread of the linux-integrity corpus holds
// 0.96 MB of text, so real threads stay one page as on lore.
export const THREAD_PART_LIMITS = { messages: 400, textBytes: 1024 * 1024 } as const;

/** Message ids of each part, in thread order; every message is in exactly one part. */
export function splitThreadParts(
  nodes: readonly ThreadNode[],
  textBytes: (messageId: number) => number,
  limits: { messages: number; textBytes: number } = THREAD_PART_LIMITS,
): number[][] {
  const parts: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const node of nodes) {
    if (!node.message) continue;
    const size = textBytes(node.message.id);
    if (current.length >= limits.messages || (current.length > 0 && bytes + size > limits.textBytes)) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(node.message.id);
    bytes += size;
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/** Which part (from 1) each message id is in. */
export function partIndex(parts: readonly number[][]): Map<number, number> {
  const index = new Map<number, number>();
  parts.forEach((ids, i) => ids.forEach((id) => index.set(id, i + 1)));
  return index;
}
