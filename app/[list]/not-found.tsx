// 404 for /<list>/: an unknown list, or a search with no hits (lore answers
// both with 404). A not-found page sees neither params nor the query string,
// only the path proxy.ts forwards in a header, so it offers a fresh search
// of the list instead of echoing the query.
import { headers } from "next/headers";
import { SearchForm } from "@/app/_components/search-form";
import { midFromParam } from "@/lib/mid";
import { getList } from "@/lib/queries";
import { PATH_HEADER } from "@/lib/route-params";

export default async function ListNotFound() {
  const path = (await headers()).get(PATH_HEADER) ?? "";
  const name = midFromParam(path.split("/")[1] ?? "");
  const list = name ? await getList(name) : null;
  if (name && !list) {
    return (
      <main>
        <h1>Not found</h1>
        <p>
          There is no list <strong>{name}</strong> here. See <a href="/">all lists</a>.
        </p>
      </main>
    );
  }
  // The list exists (its page only 404s for a search without hits), or the
  // path is unknown: both read as "no results".
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a>
        {list ? (
          <>
            {" / "}
            <a href={`/${encodeURIComponent(list.name)}/`}>{list.name}</a>
          </>
        ) : null}
      </div>
      <h1>No results found</h1>
      <p>
        {list ? `No messages in ${list.name} match this search.` : "No such list, or no messages match this search."}{" "}
        Try fewer or other words or a wider d: range; the search syntax is under the box.
      </p>
      <SearchForm list={list?.name ?? null} query="" />
    </main>
  );
}
