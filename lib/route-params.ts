// The one place page params are decoded (design notes §1.4): Next hands pages
// dynamic segments still percent-encoded, route handlers already decoded.
import { midFromParam } from "./mid";

export interface MessageParams {
  list: string;
  mid: string;
}

export function decodePageParams(params: { list: string; msgid: string }): MessageParams {
  return { list: midFromParam(params.list), mid: midFromParam(params.msgid) };
}

/** Request header carrying the original path to not-found pages (set by proxy.ts). */
export const PATH_HEADER = "x-archive-path";

/** Set with a rewrite to the not-found page: "list", "message" or "search". */
export const MISSING_HEADER = "x-archive-missing";

/** The original query string, so the not-found page can echo a search. */
export const SEARCH_HEADER = "x-archive-search";
