// GET search form (no client JS): the query lives in the URL, so a result
// page is shareable and the box echoes what was searched.

export function SearchForm({ list, query }: { list: string | null; query: string }) {
  const action = list ? `/${list}/` : "/all/";
  return (
    <form className="search" method="get" action={action} role="search">
      <input
        type="search"
        name="q"
        defaultValue={query}
        aria-label="Search query"
        placeholder="s:subject f:author d:2024-01-01.. words"
      />
      <button type="submit">search</button>
      {list ? (
        <a href={`/${list}/_/text/help/`} className="muted">
          help
        </a>
      ) : null}
    </form>
  );
}
