// 503 for a search stopped at its time budget, or turned away while too many
// wait: says which, and keeps the query in the box to narrow it.
import { SearchForm } from "@/app/_ui/search-form";

export function SearchRefused({ list, query, message }: { list: string | null; query: string; message: string }) {
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list ?? "all"}/`}>{list ?? "all"}</a>
      </div>
      <h1>Search stopped</h1>
      <p>{message}</p>
      <SearchForm list={list} query={query} />
    </main>
  );
}
