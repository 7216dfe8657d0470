// The merge guard: one message must not join the whole archive into one
// thread. A message whose References name more than MAX_JOINED_THREADS
// separate threads joins only the thread of its direct parent (In-Reply-To,
// else its last reference); the other references stay out of the thread
// graph. Normal mail never trips it: a reply's references are its ancestors,
// which are one thread already.
//
// Why the result does not depend on arrival order: a reference the archive
// has never seen counts as a thread of its own, so a message that arrives
// before its ancestors may be guarded for a while. Links only ever get added,
// so a count only ever drops; the writer looks at a guarded message again
// whenever a thread holding one of its references grows or merges, and lifts
// the guard once the count is within the limit. Every order thus ends at the
// same fixed point: the smallest set of guarded messages.

/** Threads one message may join through its References; one more trips the guard. */
export const MAX_JOINED_THREADS = 3;

/** The one reference a guarded message keeps: In-Reply-To, else the last reference. */
export function directParent(references: readonly string[], inReplyTo: string | null, ownMid: string): string | null {
  if (inReplyTo !== null && inReplyTo !== "" && inReplyTo !== ownMid) return inReplyTo;
  for (let i = references.length - 1; i >= 0; i--) {
    const ref = references[i] as string;
    if (ref !== ownMid) return ref;
  }
  return null;
}

/**
 * Whether the references span more than MAX_JOINED_THREADS threads.
 * `threadOf` gives a known Message-ID's thread; an unknown one is a thread of
 * its own. Stops looking as soon as the answer is yes.
 */
export function tripsMergeGuard(references: readonly string[], threadOf: (mid: string) => number | undefined): boolean {
  const threads = new Set<number>();
  let unknown = 0;
  const seen = new Set<string>();
  for (const ref of references) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    const thread = threadOf(ref);
    if (thread === undefined) unknown++;
    else threads.add(thread);
    if (threads.size + unknown > MAX_JOINED_THREADS) return true;
  }
  return false;
}

/** The references the thread tree may follow: a guarded message hangs under its direct parent only. */
export function threadingReferences(
  references: string[],
  inReplyTo: string | null,
  ownMid: string,
  guarded: boolean,
): string[] {
  if (!guarded) return references;
  const parent = directParent(references, inReplyTo, ownMid);
  return parent === null ? [] : [parent];
}
