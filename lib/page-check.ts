// Decides, before a page renders, whether it has anything to show. Next 16
// renders notFound() pages only through client JavaScript in production
// builds (vercel/next.js#62228), so proxy.ts sends missing lists, messages and
// searches without hits to a 404 page of its own, which renders as HTML.
import { findListsWithMid, hasMessage } from "./message-queries";
import { midFromParam } from "./mid";
import { getList } from "./queries";
import { hasSearchHits, readSearchRequest } from "./search";

export type Missing = "list" | "message" | "search";
export type PageCheck = { missing: Missing | null };

const OK: PageCheck = { missing: null };

// Lists appear only through ingest, so knowing one exists can be remembered
// briefly: the index page is the busiest and this saves it a query.
const LIST_TTL_MS = 10_000;
const knownLists = new Map<string, number>();

async function listExists(name: string): Promise<boolean> {
  const seen = knownLists.get(name);
  if (seen !== undefined && Date.now() - seen < LIST_TTL_MS) return true;
  if (!(await getList(name))) return false;
  if (knownLists.size > 1000) knownLists.clear();
  knownLists.set(name, Date.now());
  return true;
}

const THREAD_VIEWS = new Set(["T", "t"]);

/** `segments` is the raw path split on "/" (still percent-encoded). */
export async function checkPage(segments: string[], search: URLSearchParams): Promise<PageCheck> {
  const [, first = "", second = "", third, fourth] = segments;
  if (segments.length === 3 && second === "") return checkIndex(first, search);
  const lookup = (first === "r" && (segments.length === 3 || third === "")) || (first === "all" && segments.length === 4 && third === "");
  if (lookup) return (await findListsWithMid(midFromParam(second))).length > 0 ? OK : { missing: "message" };
  const messagePage = segments.length === 4 && third === "";
  const threadPage = segments.length === 5 && THREAD_VIEWS.has(third ?? "") && fourth === "";
  if (!messagePage && !threadPage) return OK;
  if (await hasMessage(midFromParam(first), midFromParam(second))) return OK;
  return { missing: (await listExists(midFromParam(first))) ? "message" : "list" };
}

// /<list>/ and /all/: the list must exist; a search must have hits (lore
// answers 404 to both). A malformed query is not "missing": its page explains.
async function checkIndex(rawList: string, search: URLSearchParams): Promise<PageCheck> {
  const name = midFromParam(rawList);
  if (name !== "all" && !(await listExists(name))) return { missing: "list" };
  const req = readSearchRequest(search);
  if (!req || req.view === "mbox") return OK;
  const found = await hasSearchHits({ list: name === "all" ? null : name, q: req.q, offset: req.offset });
  return found ? OK : { missing: "search" };
}
