import { headers } from "next/headers";
import { MidNotFound } from "@/app/_components/mid-not-found";
import { NoResults } from "@/app/_components/no-results";
import { midFromParam } from "@/lib/mid";
import { MISSING_HEADER, PATH_HEADER, SEARCH_HEADER } from "@/lib/route-params";

// Every 404 page. proxy.ts rewrites requests for missing lists, messages and
// searches without hits here (with what was missing in headers), because
// Next renders notFound() pages as HTML only for unmatched URLs.
export default async function NotFound() {
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
