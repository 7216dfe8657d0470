export default function NotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <p>
        Nothing here. Back to <a href="/">all lists</a>.
      </p>
    </main>
  );
}
