// What every handler gets: the request, its route's query, the public origin
// for absolute URLs, this worker's store connection and page cache.
import type { IncomingMessage } from "node:http";
import type { SqliteReader } from "../store/sqlite/reader";
import type { PageCache } from "./page-cache";

export interface RequestContext {
  req: IncomingMessage;
  query: URLSearchParams;
  /** Query string as sent, with its "?" (or ""), for redirects that keep it. */
  search: string;
  origin: string;
  store: SqliteReader;
  cache: PageCache;
}
