// A search result page for /<list>/?q= and /all/?q=: count, order and view
// switches, hits (flat or grouped by thread) with marked terms, paging, and
// for x=m the download form that POSTs (what lei and b4 do without a browser).
// Everything is a link or a plain form: no client JS.
import type { ReactNode } from "react";
import { SearchForm } from "@/app/_ui/search-form";
import { formatDate, plural } from "@/lib/format";
import { anchorId, midToUrl } from "@/lib/mail/mid";
import { SEARCH_LIMITS } from "@/lib/search/limits";
import { searchHref, type SearchRequest } from "@/lib/search/request";
import { groupByThread } from "@/lib/search/group";
import type { SearchHit, SearchResult } from "@/lib/store/types";
import type { SnippetSegment } from "@/lib/mail/snippet";

function Marked({ segments, fallback = "" }: { segments: SnippetSegment[]; fallback?: string }) {
  if (segments.length === 0) return <>{fallback}</>;
  return (
    <>
      {segments.map((s, i) => (s.match ? <mark key={i}>{s.text}</mark> : s.text))}
    </>
  );
}

function messageHref(hit: SearchHit): string {
  return `/${encodeURIComponent(hit.list)}/${midToUrl(hit.mid)}/`;
}

function threadHref(hit: SearchHit): string {
  // Any message of a thread opens the whole thread; anchors are stable (lore's #m<hash>).
  return `/${encodeURIComponent(hit.list)}/${midToUrl(hit.mid)}/T/#${anchorId(hit.mid)}`;
}

function Hit({ hit, showList }: { hit: SearchHit; showList: boolean }) {
  return (
    <li>
      <a href={messageHref(hit)}>
        <Marked segments={hit.subjectMarked} fallback="(no subject)" />
      </a>
      <span className="meta">
        {hit.fromName || hit.fromAddr || "unknown"} · {formatDate(hit.date)}
        {showList ? ` · ${hit.list}` : ""} · <a href={threadHref(hit)}>thread</a>
      </span>
      {hit.snippet.length > 0 ? (
        <span className="meta snippet">
          <Marked segments={hit.snippet} />
        </span>
      ) : null}
    </li>
  );
}

function countText(result: SearchResult): string {
  if (result.totalCapped) return `${SEARCH_LIMITS.countCap.toLocaleString("en-US")}+ results`;
  return plural(result.total, "result");
}

function Switches({ list, req, result }: { list: string | null; req: SearchRequest; result: SearchResult }) {
  const base = { q: req.q, view: req.view };
  const sep = <span className="muted"> · </span>;
  const item = (active: boolean, href: string, label: string): ReactNode =>
    active ? <strong>{label}</strong> : <a href={href}>{label}</a>;
  return (
    <p className="switches">
      sorted by {item(result.order === "date", searchHref(list, { ...base, order: "date" }), "date")} |{" "}
      {item(result.order === "relevance", searchHref(list, { ...base, order: "relevance" }), "relevance")}
      {sep}
      {item(req.view !== "threads", searchHref(list, { q: req.q, order: result.order }), "messages")} |{" "}
      {item(req.view === "threads", searchHref(list, { q: req.q, order: result.order, view: "threads" }), "threads")}
      {sep}
      <a href={searchHref(list, { q: req.q, view: "atom", order: result.order })}>Atom feed</a>
      {sep}
      {item(req.view === "mbox", searchHref(list, { q: req.q, view: "mbox" }), "mbox.gz")}
    </p>
  );
}

function MboxForm({ list, req, result }: { list: string | null; req: SearchRequest; result: SearchResult }) {
  const tooMany = result.total > SEARCH_LIMITS.mboxMaxMessages;
  return (
    <form method="post" action={searchHref(list, { q: req.q, view: "mbox" })} className="search">
      <button type="submit">download mbox.gz</button>
      <button type="submit" formAction={searchHref(list, { q: req.q, view: "mbox", threads: true })}>
        download mbox.gz with whole threads
      </button>
      <span className="muted">
        {tooMany
          ? `more than ${SEARCH_LIMITS.mboxMaxMessages.toLocaleString("en-US")} messages match: narrow the query first`
          : `${result.totalCapped ? countText(result).replace("results", "messages") : plural(result.total, "message")}, gzipped mboxrd (git am, b4 and lei read it)`}
      </span>
    </form>
  );
}

function Pager({ list, req, result }: { list: string | null; req: SearchRequest; result: SearchResult }) {
  const next = result.offset + result.limit;
  // Past the exact count, a full page says there may be more.
  const more = result.totalCapped ? result.hits.length === result.limit : next < result.total;
  const cap = result.order === "relevance" ? SEARCH_LIMITS.rankCandidates : SEARCH_LIMITS.pageCap;
  const hasNext = more && next < cap;
  const prev = Math.max(0, result.offset - result.limit);
  if (!hasNext && result.offset === 0) return null;
  const href = (offset: number) => searchHref(list, { q: req.q, order: result.order, view: req.view, offset });
  return (
    <nav className="pager" aria-label="pages">
      {hasNext ? (
        <a href={href(next)} rel="next">
          next (older{result.order === "relevance" ? ", less relevant" : ""})
        </a>
      ) : null}
      {result.offset > 0 ? (
        <a href={href(prev)} rel="prev">
          prev
        </a>
      ) : null}
    </nav>
  );
}

export function SearchResults({ list, req, result }: { list: string | null; req: SearchRequest; result: SearchResult }) {
  const scope = list ?? "all lists";
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / {list ? <a href={`/${encodeURIComponent(list)}/`}>{list}</a> : <strong>all</strong>}
        {" / "}
        <strong>search</strong>
      </div>
      <SearchForm list={list} query={req.q} />
      {result.error !== undefined ? (
        <div role="alert">
          <h1>Cannot search for that</h1>
          <p>
            {result.error.replace(/\.$/, "")}. See the <a href={`/${encodeURIComponent(list ?? "all")}/_/text/help/`}>search help</a>.
          </p>
        </div>
      ) : (
        <>
          <h1>
            {countText(result)} for <q>{req.q}</q> in {scope}
            {result.total > 0 ? (
              <span className="muted">
                {" "}
                (showing {result.offset + 1}–{result.offset + result.hits.length})
              </span>
            ) : null}
          </h1>
          <Switches list={list} req={req} result={result} />
          {req.order === "relevance" && result.order === "date" ? (
            <p className="muted">Relevance needs words to rank by; this query has none, so newest first.</p>
          ) : null}
          {req.view === "mbox" ? <MboxForm list={list} req={req} result={result} /> : null}
          {req.view === "threads" ? (
            <ul className="plain threads">
              {groupByThread(result.hits).map((group) => (
                <li key={group.threadId}>
                  <a href={group.hits[0] ? threadHref(group.hits[0]) : "#"}>{group.subject || "(no subject)"}</a>
                  <span className="meta">{plural(group.hits.length, "hit")} on this page</span>
                  <ul className="plain threads" style={{ paddingLeft: "1.5rem" }}>
                    {group.hits.map((hit) => (
                      <Hit key={hit.id} hit={hit} showList={list === null} />
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          ) : (
            <ul className="plain threads results">
              {result.hits.map((hit) => (
                <Hit key={hit.id} hit={hit} showList={list === null} />
              ))}
            </ul>
          )}
          <Pager list={list} req={req} result={result} />
        </>
      )}
    </main>
  );
}
