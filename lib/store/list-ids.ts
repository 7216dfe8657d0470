// A list's id by name, remembered for a few seconds: lists only appear
// through ingest, and the machine routes (raw, t.mbox.gz, attachments) need
// the id, not the counts. One per reader, whatever its backend.
import type { ListRow } from "./types";

const TTL_MS = 5000;
const MAX_NAMES = 1000;

export class ListIdCache {
  private readonly ids = new Map<string, { id: number; at: number }>();

  constructor(private readonly getList: (name: string) => Promise<ListRow | null>) {}

  async get(name: string): Promise<number | null> {
    const now = Date.now();
    const known = this.ids.get(name);
    if (known && now - known.at < TTL_MS) return known.id;
    const list = await this.getList(name);
    if (!list) return null;
    // Names come from URLs: an unbounded map would grow with a crawler's guesses.
    if (this.ids.size > MAX_NAMES) this.ids.clear();
    this.ids.set(name, { id: list.id, at: now });
    return list.id;
  }
}
