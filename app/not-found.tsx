// Unmatched URLs. It must not read request data: Next renders this boundary
// into every page, cached ones included. Missing lists, messages and searches
// get their own 404 page (app/_components/missing-page.tsx via proxy.ts).
export default function NotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <p>
        Nothing here. See <a href="/">all lists</a>.
      </p>
    </main>
  );
}
