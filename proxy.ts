// lore's URL dialect where Next's router cannot express it (design notes §1.4, §1.5):
// - /<list>/<mid> without the trailing slash answers 301 to /<list>/<mid>/
//   (b4 derives the list URL from that redirect, for GET and HEAD alike);
// - POST /<list>/?q=...&x=m (what `lei q` and `b4 am -c` send) and
//   GET /<list>/?q=...&x=A (Atom) reach route handlers: a page cannot answer
//   a POST or return non-HTML. Handlers see the client's URL, not the
//   rewritten one, so the list travels in the rewritten path: /_/x-m/<list>;
// - pages of missing lists, messages and searches without hits become real
//   404 pages (lib/page-check.ts).
import { NextResponse, type NextRequest } from "next/server";
import { findListsWithMid } from "./lib/message-queries";
import { midFromParam, midToUrl } from "./lib/mid";
import { checkPage } from "./lib/page-check";
import { MISSING_HEADER, PATH_HEADER, SEARCH_HEADER } from "./lib/route-params";

// Second segments that are not Message-IDs: lore's own paths and files.
const LIST_FILES = new Set(["_", "new.atom", "new.html", "all", "favicon.ico"]);
const MISSING_PATH = "/_/missing/page";
// First segments that are not lists: lookups and internal route handlers.
const INTERNAL = new Set(["r", "_", "_next"]);

export async function proxy(request: NextRequest): Promise<Response | undefined> {
  // nextUrl normalises the path; the raw URL keeps exactly what the client sent.
  const url = new URL(request.url);
  // Some builds run the proxy again on its own rewrite: leave it alone.
  if (url.pathname === MISSING_PATH) return undefined;
  const segments = url.pathname.split("/");
  if (segments.length === 3 && segments[2] === "" && url.searchParams.has("q")) {
    const x = url.searchParams.get("x");
    const target = request.method === "POST" && x === "m" ? "x-m" : request.method === "GET" && x === "A" ? "x-a" : null;
    if (target) return NextResponse.rewrite(new URL(`/_/${target}/${segments[1]}${url.search}`, request.url));
  }
  const elsewhere = await redirectToList(request.method, segments, url);
  if (elsewhere) return elsewhere;
  // ["", list, mid] with a non-empty mid and no trailing slash.
  if ((request.method === "GET" || request.method === "HEAD") && segments.length === 3) {
    const [, list, mid] = segments as [string, string, string];
    if (list !== "" && mid !== "" && !LIST_FILES.has(mid) && !INTERNAL.has(list)) {
      return new Response(null, {
        status: 301,
        headers: { Location: new URL(`${url.pathname}/${url.search}`, request.url).toString() },
      });
    }
  }
  // ["", list, mid, "N-name"]: an attachment download, numbered from 1.
  if (request.method === "GET" || request.method === "HEAD") {
    const attachment = segments.length === 4 ? /^(\d{1,4})-/.exec(segments[3]!) : null;
    if (attachment) {
      return NextResponse.rewrite(new URL(`/_/att/${segments[1]}/${segments[2]}/${attachment[1]}`, request.url));
    }
  }
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, url.pathname);
  headers.delete(MISSING_HEADER);
  headers.delete(SEARCH_HEADER);
  if (request.method !== "GET" && request.method !== "HEAD") return NextResponse.next({ request: { headers } });
  const check = await checkPage(segments, url.searchParams);
  if (check.missing) {
    // Next renders notFound() pages as HTML only through client JS in
    // production (vercel/next.js#62228): rewrite to a 404 page of our own,
    // telling it in headers what was missing.
    headers.set(MISSING_HEADER, check.missing);
    headers.set(SEARCH_HEADER, url.search);
    return NextResponse.rewrite(new URL(MISSING_PATH, request.url), { status: 404, request: { headers } });
  }
  // The first page of a list's index has no query: serve the cached copy.
  if (segments.length === 3 && segments[2] === "" && url.search === "" && !INTERNAL.has(segments[1]!) && segments[1] !== "all") {
    return NextResponse.rewrite(new URL(`/_/threads/${segments[1]}`, request.url), { request: { headers } });
  }
  return NextResponse.next({ request: { headers } });
}

// b4 and lei address messages as /all/<mid>/<file> (lore's all-lists index)
// or /<mid>: send them on to the list that has it, keeping the file part.
async function redirectToList(method: string, segments: string[], url: URL): Promise<Response | null> {
  if (method !== "GET" && method !== "HEAD") return null;
  const bareMid = segments.length === 2 && segments[1]!.includes("@");
  const allFile = segments.length >= 4 && segments[1] === "all" && segments[3] !== "";
  if (!bareMid && !allFile) return null;
  const mid = midFromParam(segments[bareMid ? 1 : 2]!);
  const [list] = await findListsWithMid(mid);
  if (!list) return null;
  const rest = bareMid ? "/" : `/${segments.slice(3).join("/")}`;
  const location = new URL(`/${list}/${midToUrl(mid)}${rest}${url.search}`, url);
  return new Response(null, { status: 302, headers: { Location: location.toString() } });
}

export const config = {
  // Skip Next's assets and files served from public/.
  matcher: ["/((?!_next/|favicon\\.ico|robots\\.txt).*)"],
};
