// 404 for /all/?q= with no hits (lore answers 404 too). Not-found pages do
// not see the query string, so this offers a fresh search instead of echoing it.
import { SearchForm } from "@/app/_components/search-form";

export default function AllNotFound() {
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <strong>all</strong>
      </div>
      <h1>No results found</h1>
      <p>No messages in any list match this search. Try fewer or other words or a wider d: range.</p>
      <SearchForm list={null} query="" />
    </main>
  );
}
