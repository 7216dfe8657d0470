// 404 for a search without hits (lore answers 404 too), echoing the query so
// it can be refined in place.
import { SearchForm } from "@/app/_ui/search-form";

export function NoResults({ list, query }: { list: string | null; query: string }) {
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list ?? "all"}/`}>{list ?? "all"}</a>
      </div>
      <h1>No results found</h1>
      <p>
        No messages {list ? `in ${list}` : "in any list"} match <code>{query}</code>. Try fewer or other words or a
        wider d: range; the search syntax is under the box.
      </p>
      <SearchForm list={list} query={query} />
    </main>
  );
}
