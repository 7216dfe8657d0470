// GET search form (no client JS): the query lives in the URL, so a result
// page is shareable and the box echoes what was searched.
import { SearchHelp } from "@/app/_ui/search-help";

export function SearchForm({ list, query }: { list: string | null; query: string }) {
  const action = `/${encodeURIComponent(list ?? "all")}/`;
  return (
    <>
      <form className="search" method="get" action={action} role="search">
        <input
          type="search"
          name="q"
          defaultValue={query}
          aria-label="Search query"
          placeholder="s:subject f:author d:2024-01-01.. words"
        />
        <button type="submit">search</button>
        <a href={`${action}_/text/help/`} className="muted">
          help
        </a>
      </form>
      <SearchHelp list={list} />
    </>
  );
}
