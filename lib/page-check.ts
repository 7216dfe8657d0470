// Decides, before a page renders, whether it has anything to show. Next 16
// renders notFound() pages only through client JavaScript in production
// builds (vercel/next.js#62228), so proxy.ts sends missing lists, messages and
// searches without hits to the not-found page itself, which renders as HTML.
// Also derives the ETag of message and thread pages.
import { createHash } from "node:crypto";
import type { Validators } from "./http-cache";
import { findListsWithMid, getMessagePageState } from "./message-queries";
import { midFromParam } from "./mid";
import { getList } from "./queries";
import { readSearchRequest, searchMessages } from "./search";

export type Missing = "list" | "message" | "search";
export type PageCheck = { missing: Missing } | { missing: null; validators: Validators | null };

const OK: PageCheck = { missing: null, validators: null };
const THREAD_VIEWS = new Set(["T", "t"]);

// A page's HTML depends on the server's code too: a restart (a new build)
// changes every page ETag, which is only ever a cache miss.
const SERVER_EPOCH = Date.now().toString(36);

/** `segments` is the raw path split on "/" (still percent-encoded). */
export async function checkPage(segments: string[], search: URLSearchParams): Promise<PageCheck> {
  const [, first = "", second = "", third, fourth] = segments;
  if (segments.length === 3 && second === "") return checkIndex(first, search);
  const lookup = (first === "r" && segments.length === 3) || (first === "all" && segments.length === 4 && third === "");
  if (lookup) return (await findListsWithMid(midFromParam(second))).length > 0 ? OK : { missing: "message" };
  const messagePage = segments.length === 4 && third === "";
  const threadPage = segments.length === 5 && THREAD_VIEWS.has(third ?? "") && fourth === "";
  if (!messagePage && !threadPage) return OK;
  const state = await getMessagePageState(midFromParam(first), midFromParam(second));
  if (!state) return { missing: (await getList(midFromParam(first))) ? "message" : "list" };
  const tag = createHash("sha1")
    .update(`${state.rawHash} ${state.threadVersion} ${third} ${search.toString()} ${SERVER_EPOCH}`)
    .digest("hex");
  return { missing: null, validators: { etag: `"p${tag.slice(0, 32)}"`, lastModified: null } };
}

// /<list>/ and /all/: the list must exist; a search must have hits (lore
// answers 404 to both). A malformed query is not "missing": its page explains.
async function checkIndex(rawList: string, search: URLSearchParams): Promise<PageCheck> {
  const name = midFromParam(rawList);
  if (name !== "all" && !(await getList(name))) return { missing: "list" };
  const req = readSearchRequest(search);
  if (!req || req.view === "mbox") return OK;
  const probe = await searchMessages({ list: name === "all" ? null : name, q: req.q, offset: req.offset, limit: 1 });
  return probe.error === undefined && probe.hits.length === 0 ? { missing: "search" } : OK;
}
