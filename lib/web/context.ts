// What every handler gets: the request, its route's query, the public origin
// for absolute URLs, this worker's store connection, page cache and search processes.
import type { IncomingMessage } from "node:http";
import type { ArchiveReader } from "../store/types";
import type { PageCache } from "./page-cache";
import type { SearchPool } from "./search-pool";

export interface RequestContext {
  req: IncomingMessage;
  query: URLSearchParams;
  /** Query string as sent, with its "?" (or ""), for redirects that keep it. */
  search: string;
  origin: string;
  store: ArchiveReader;
  cache: PageCache;
  /** Where searches run: never on this event loop (lib/web/search-pool.ts). */
  searches: SearchPool;
}
