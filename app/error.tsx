"use client";

// Next requires error boundaries to be client components; it renders only a
// message and a plain link, so pages still need no client JS to work.
export default function ErrorPage() {
  return (
    <main>
      <h1>Something went wrong</h1>
      <p>
        The archive could not answer this request. <a href="">Try again</a> or go to <a href="/">all lists</a>.
      </p>
    </main>
  );
}
