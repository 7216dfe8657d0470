// lore's x=t result view: a page of hits shown under their threads.
import type { SearchHit } from "../store/types";

/** Hits of one page grouped by thread, in the order each thread first appears. */
export function groupByThread(hits: SearchHit[]): { threadId: number; list: string; subject: string; hits: SearchHit[] }[] {
  const groups = new Map<number, { threadId: number; list: string; subject: string; hits: SearchHit[] }>();
  for (const hit of hits) {
    let group = groups.get(hit.threadId);
    if (group === undefined) {
      group = { threadId: hit.threadId, list: hit.list, subject: hit.threadSubject || hit.subject, hits: [] };
      groups.set(hit.threadId, group);
    }
    group.hits.push(hit);
  }
  return [...groups.values()];
}
