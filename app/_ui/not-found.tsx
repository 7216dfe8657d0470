// The 404 page for a missing list or an unknown URL.
export function NotFound({ list }: { list?: string }) {
  return (
    <main>
      <h1>Not found</h1>
      <p>
        {list ? <>There is no list <strong>{list}</strong> here. </> : "Nothing here. "}
        See <a href="/">all lists</a>.
      </p>
    </main>
  );
}
