// /<list>/ without a query: threads by latest activity, 50 a page, with
// lore's ?t= cursor to older pages and ?a= back to newer ones.
import { SearchForm } from "@/app/_ui/search-form";
import { ThreadList } from "@/app/_ui/thread-list";
import { plural } from "@/lib/format";
import type { ListSummary, ThreadPage } from "@/lib/types";

export function ThreadIndex({ list, page, paged }: { list: ListSummary; page: ThreadPage; paged: boolean }) {
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <strong>{list.name}</strong>
        <span className="muted"> · {plural(list.messageCount, "message")}</span>{" "}
        <a href={`/${list.name}/new.atom`} className="muted">Atom feed</a>{" "}
        <a href={`/${list.name}/_/series/`} className="muted">patch series</a>
      </div>
      {list.description ? <p>{list.description}</p> : null}
      <SearchForm list={list.name} query="" />
      <h1>{paged ? "Threads" : "Latest threads"}</h1>
      {page.threads.length === 0 ? <p>No threads here.</p> : <ThreadList list={list.name} threads={page.threads} />}
      <nav className="pager" aria-label="pages">
        {page.newerCursor ? <a href={`/${list.name}/?a=${page.newerCursor}`} rel="prev">newer</a> : null}
        {page.olderCursor ? <a href={`/${list.name}/?t=${page.olderCursor}`} rel="next">older</a> : null}
        {paged ? <a href={`/${list.name}/`}>newest</a> : null}
      </nav>
    </main>
  );
}
