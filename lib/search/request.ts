// lore's search parameters (q, o, r, x) read from a request, and written back
// into search URLs the same way.
import type { SearchOrder, SearchView } from "./limits";

export interface SearchRequest {
  q: string;
  offset: number;
  order: SearchOrder;
  view: SearchView;
}

type ParamSource = URLSearchParams | Record<string, string | string[] | undefined>;

function param(source: ParamSource, name: string): string | undefined {
  if (source instanceof URLSearchParams) return source.get(name) ?? undefined;
  const value = source[name];
  return Array.isArray(value) ? value[0] : value;
}

/** lore's search parameters (q, o, r, x); null when there is no query. */
export function readSearchRequest(source: ParamSource): SearchRequest | null {
  const q = param(source, "q");
  if (q === undefined || q.trim() === "") return null;
  const o = Number(param(source, "o") ?? 0);
  const r = param(source, "r");
  const x = param(source, "x");
  return {
    q,
    offset: Number.isFinite(o) && o > 0 ? Math.floor(o) : 0,
    // lore's flag is a bare `&r`.
    order: r !== undefined && r !== "0" ? "relevance" : "date",
    view: x === "t" ? "threads" : x === "m" ? "mbox" : "list",
  };
}

const VIEW_PARAM: Record<SearchView, string> = { list: "", threads: "&x=t", mbox: "&x=m" };

/** The URL of a search, in lore's parameter spelling. */
export function searchHref(
  list: string | null,
  req: { q: string; offset?: number; order?: SearchOrder; view?: SearchView | "atom"; threads?: boolean },
): string {
  let href = `/${encodeURIComponent(list ?? "all")}/?q=${encodeURIComponent(req.q).replace(/%20/g, "+")}`;
  if (req.view === "atom") href += "&x=A";
  else if (req.view) href += VIEW_PARAM[req.view];
  if (req.threads) href += "&t=1";
  if (req.order === "relevance") href += "&r";
  if (req.offset) href += `&o=${req.offset}`;
  return href;
}
