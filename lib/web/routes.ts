// lore's route table: every URL the archive answers is decided here, once,
// from the method, the raw (still percent-encoded) path and the query, the way
// public-inbox's WWW.pm dispatches. Nothing else in the app splits paths.
import { midFromParam, midToUrl } from "../mail/mid";

export type SearchOutput = "html" | "atom" | "mbox";

export type Route =
  /** `/`: every list. */
  | { kind: "lists" }
  /** `/<list>/` without a query: threads by latest activity (`?t=` older, `?a=` newer). */
  | { kind: "threads"; list: string; before: string | null; after: string | null }
  /** `/<list>/?q=` and `/all/?q=`: html (also `x=t`, and GET `x=m`'s download form), GET `x=A`, POST `x=m`. */
  | { kind: "search"; list: string | null; output: SearchOutput }
  | { kind: "message"; list: string; mid: string }
  /** `/T/` flat, `/t/` nested; a long thread comes in parts (`?part=N`, from 1). */
  | { kind: "thread"; list: string; mid: string; nested: boolean; part: number }
  | { kind: "raw"; list: string; mid: string }
  | { kind: "threadMbox"; list: string; mid: string }
  | { kind: "threadAtom"; list: string; mid: string }
  | { kind: "listAtom"; list: string }
  /** `/<list>/<mid>/<N>-<name>`: attachment N (from 1) of the message. */
  | { kind: "attachment"; list: string; mid: string; position: number }
  /** `/<list>/_/series/`: the list's patch series, newest activity first (`?t=` older). */
  | { kind: "seriesIndex"; list: string; before: string | null }
  /** `/<list>/_/series/<mid>/`: the series holding the version whose cover letter (or first patch) is <mid>. */
  | { kind: "series"; list: string; mid: string }
  /** `/<list>/_/series/<mid>/series.mbox`: that version's patches with the collected trailers, for `git am`. */
  | { kind: "seriesMbox"; list: string; mid: string }
  /** `/<list>/_/series/<mid>/vs/<older mid>/`: what changed between two versions of a series. */
  | { kind: "seriesInterdiff"; list: string; mid: string; from: string }
  /** `/<list>/_/series/new.atom`: new series and versions. */
  | { kind: "seriesAtom"; list: string }
  /** `/<list>/_/text/help/` (and `/all/…`): the search help as text. */
  | { kind: "help"; list: string | null }
  /** The archive's stylesheet, `/_/style.<hash>.css`, and icon, `/_/icon.svg`. */
  | { kind: "stylesheet"; file: string }
  | { kind: "icon" }
  /** `/<list>/<mid>` without its slash: 301 to the same path plus `/` (b4 reads this Location). */
  | { kind: "addSlash"; path: string }
  /** `/all/<mid>/T/`, `/all/<mid>/t/`: the conversation across every list that carries part of it. */
  | { kind: "allThread"; mid: string; nested: boolean; part: number }
  /** `/all/<mid>/t.mbox.gz`: that conversation as gzipped mboxrd, each mail once. */
  | { kind: "allThreadMbox"; mid: string }
  /** `/r/<mid>`, `/all/<mid>/<rest>`, `/<mid>`: find the list holding the message, then go there. */
  | { kind: "lookup"; mid: string; rest: string }
  /** `/all/` without a query has no index of its own: the list of lists. */
  | { kind: "redirectHome" }
  | { kind: "methodNotAllowed"; allow: string }
  | { kind: "notFound" };

// Second segments that, without a slash after them, are per-list files and not
// Message-IDs ("/<list>/new.atom/" is the page of a message with that id).
const LIST_FILES = new Set(["new.html", "_", "favicon.ico", "robots.txt"]);
const ATTACHMENT = /^(\d{1,4})-/;
const STYLESHEET = /^style\.[0-9a-f]{8,64}\.css$/;

const NOT_FOUND: Route = { kind: "notFound" };

/** `rawPath` is the request target's path, still percent-encoded, without the query. */
export function routeRequest(method: string, rawPath: string, query: URLSearchParams): Route {
  const get = method === "GET" || method === "HEAD";
  if (!get && method !== "POST") return { kind: "methodNotAllowed", allow: "GET, HEAD, POST" };
  if (!rawPath.startsWith("/")) return NOT_FOUND;
  const segments = rawPath.slice(1).split("/");
  const route = matchPath(segments, query, method);
  if (route.kind === "search" && route.output === "mbox") return route;
  if (!get && route.kind !== "notFound") return { kind: "methodNotAllowed", allow: "GET, HEAD" };
  return route;
}

function matchPath(segments: string[], query: URLSearchParams, method: string): Route {
  const [first = "", second, third, fourth, ...more] = segments;
  if (first === "") return segments.length === 1 ? { kind: "lists" } : NOT_FOUND;
  if (first === "_") {
    if (segments.length !== 2) return NOT_FOUND;
    if (second === "icon.svg") return { kind: "icon" };
    return STYLESHEET.test(second!) ? { kind: "stylesheet", file: second! } : NOT_FOUND;
  }
  if (first === "r") return lookupRoute(second, third === undefined || (third === "" && fourth === undefined) ? "" : null);
  const looksLikeMid = first.includes("@") || first.includes("%40");
  if (second === undefined) {
    // A bare /<mid>: lore's shortest permalink; otherwise a list missing its slash.
    if (looksLikeMid) return lookupRoute(first, "");
    return first === "favicon.ico" || first === "robots.txt" ? NOT_FOUND : { kind: "addSlash", path: `/${first}/` };
  }
  // public-inbox retries /<mid>/ as /<mid> ("maybe some users will assume it").
  if (looksLikeMid && second === "" && third === undefined && first !== "all") return lookupRoute(first, "");
  const list = first === "all" ? null : midFromParam(first);
  if (second === "") {
    if (third !== undefined) return NOT_FOUND;
    return listRoot(list, query, method);
  }
  if (second === "_" && third === "text" && fourth === "help" && (more.length === 0 || (more.length === 1 && more[0] === ""))) {
    return { kind: "help", list };
  }
  // The archive's own pages live under "_/", as public-inbox's do: no
  // Message-ID page can be shadowed by them ("/<list>/series/" is the page of
  // a message whose id is "series").
  if (second === "_" && third === "series" && list !== null) return seriesRoute(first, list, segments.slice(3), query);
  if (third === undefined) {
    // lore's per-list files; any other name is a Message-ID missing its slash.
    if (second === "new.atom") return list === null ? NOT_FOUND : { kind: "listAtom", list };
    if (LIST_FILES.has(second)) return NOT_FOUND;
    return { kind: "addSlash", path: `/${first}/${second}/` };
  }
  if (list === null) return allRoute(second, segments.slice(2), query);
  return messageRoute(list, midFromParam(second), segments.slice(2), query);
}

function listRoot(list: string | null, query: URLSearchParams, method: string): Route {
  const q = query.get("q");
  if (q !== null && q.trim() !== "") {
    const x = query.get("x");
    if (method === "POST") return x === "m" ? { kind: "search", list, output: "mbox" } : { kind: "methodNotAllowed", allow: "GET, HEAD" };
    return { kind: "search", list, output: x === "A" ? "atom" : "html" };
  }
  if (list === null) return { kind: "redirectHome" };
  return { kind: "threads", list, before: query.get("t"), after: query.get("a") };
}

// Everything under /<list>/<mid>/.
function messageRoute(list: string, mid: string, rest: string[], query: URLSearchParams): Route {
  const [file = "", extra] = rest;
  if (file === "T" || file === "t") {
    if (rest.length === 2 && extra === "") return { kind: "thread", list, mid, nested: file === "t", part: partParam(query.get("part")) };
    // public-inbox: "in case people leave off the trailing slash".
    if (rest.length === 1) return { kind: "addSlash", path: `/${midToUrl(list)}/${midToUrl(mid)}/${file}/` };
  }
  if (rest.length === 1) {
    if (file === "") return { kind: "message", list, mid };
    if (file === "raw") return { kind: "raw", list, mid };
    if (file === "t.mbox.gz") return { kind: "threadMbox", list, mid };
    if (file === "t.atom") return { kind: "threadAtom", list, mid };
    const attachment = ATTACHMENT.exec(file);
    if (attachment) return { kind: "attachment", list, mid, position: Number(attachment[1]) };
    return NOT_FOUND;
  }
  return NOT_FOUND;
}

// Under /all/<mid>/ the thread views span lists; the message's own URLs
// (its page, raw, attachments, t.atom) are one list's, so they redirect there.
function allRoute(rawMid: string, rest: string[], query: URLSearchParams): Route {
  const [file = "", extra] = rest;
  const mid = midFromParam(rawMid);
  if (file === "T" || file === "t") {
    if (rest.length === 2 && extra === "") return { kind: "allThread", mid, nested: file === "t", part: partParam(query.get("part")) };
    if (rest.length === 1) return { kind: "addSlash", path: `/all/${midToUrl(mid)}/${file}/` };
  }
  if (rest.length === 1 && file === "t.mbox.gz") return { kind: "allThreadMbox", mid };
  return lookupRoute(rawMid, rest.join("/"));
}

// Everything under /<list>/_/series.
function seriesRoute(rawList: string, list: string, rest: string[], query: URLSearchParams): Route {
  const [mid, file, ...more] = rest;
  if (mid === undefined) return { kind: "addSlash", path: `/${rawList}/_/series/` };
  if (mid === "") return rest.length === 1 ? { kind: "seriesIndex", list, before: query.get("t") } : NOT_FOUND;
  if (file === undefined) return mid === "new.atom" ? { kind: "seriesAtom", list } : { kind: "addSlash", path: `/${rawList}/_/series/${mid}/` };
  if (file === "vs" && more.length >= 1 && more[0] !== "") {
    if (more.length === 1) return { kind: "addSlash", path: `/${rawList}/_/series/${mid}/vs/${more[0]}/` };
    return more.length === 2 && more[1] === "" ? { kind: "seriesInterdiff", list, mid: midFromParam(mid), from: midFromParam(more[0]!) } : NOT_FOUND;
  }
  if (more.length > 0) return NOT_FOUND;
  if (file === "") return { kind: "series", list, mid: midFromParam(mid) };
  if (file === "series.mbox") return { kind: "seriesMbox", list, mid: midFromParam(mid) };
  return NOT_FOUND;
}

// Anything but a plain positive number is the first part.
function partParam(value: string | null): number {
  const n = value !== null && /^\d{1,5}$/.test(value) ? Number(value) : 1;
  return n >= 1 ? n : 1;
}

function lookupRoute(rawMid: string | undefined, rest: string | null): Route {
  if (rawMid === undefined || rawMid === "" || rest === null) return NOT_FOUND;
  return { kind: "lookup", mid: midFromParam(rawMid), rest };
}
