// The 404 page for a missing list, message or search without hits. proxy.ts
// rewrites such requests to /_/missing/ with status 404 and says in request
// headers what was missing (a page can neither set its status nor, in Next 16
// production builds, render notFound() as HTML: vercel/next.js#62228).
import { headers } from "next/headers";
import { MidNotFound } from "@/app/_components/mid-not-found";
import { NoResults } from "@/app/_components/no-results";
import { midFromParam } from "@/lib/mid";
import { MISSING_HEADER, PATH_HEADER, SEARCH_HEADER } from "@/lib/route-params";

export async function MissingPage() {
  const h = await headers();
  const missing = h.get(MISSING_HEADER);
  const list = midFromParam((h.get(PATH_HEADER) ?? "").split("/")[1] ?? "");
  if (missing === "message") return <MidNotFound />;
  if (missing === "search") {
    const query = new URLSearchParams(h.get(SEARCH_HEADER) ?? "").get("q") ?? "";
    return <NoResults list={list === "all" ? null : list} query={query} />;
  }
  return (
    <main>
      <h1>Not found</h1>
      <p>
        {missing === "list" ? <>There is no list <strong>{list}</strong> here. </> : "Nothing here. "}
        See <a href="/">all lists</a>.
      </p>
    </main>
  );
}
