// /<list>/_/series/: the list's patch series, newest activity first, one
// entry per series as its latest version shows it, with a row of per-patch
// review cells (b4/patchwork-style "R/A/T" at a glance). Also home of the
// review cells and series URL builders that the series page reuses.
import { formatDate, plural } from "@/lib/format";
import { midToUrl } from "@/lib/mail/mid";
import type { GivenTrailerView, PatchMarks, SeriesIndexPage, SeriesSummary } from "@/lib/types";

/** Cells drawn per series; a 1000-patch series would otherwise be a page of its own. */
export const MAX_CELLS = 400;

export function seriesHref(list: string, rootMid: string): string {
  return `/${list}/_/series/${midToUrl(rootMid)}/`;
}

export function messageHref(list: string, mid: string): string {
  return `/${list}/${midToUrl(mid)}/`;
}

/** Tallies the review trailers of one patch (the names lib/series/review.ts counts). */
export function marksOf(trailers: readonly GivenTrailerView[]): PatchMarks {
  const marks: PatchMarks = { reviewed: 0, acked: 0, tested: 0 };
  for (const t of trailers) {
    const name = t.name.toLowerCase();
    if (name === "reviewed-by") marks.reviewed++;
    else if (name === "acked-by") marks.acked++;
    else if (name === "tested-by") marks.tested++;
  }
  return marks;
}

/** The strongest mark wins: Reviewed-by over Acked-by over Tested-by. */
function cell(marks: PatchMarks | null): { letter: string; className: string } {
  if (marks === null) return { letter: "✗", className: "rv rv-x" };
  if (marks.reviewed > 0) return { letter: "R", className: "rv rv-r" };
  if (marks.acked > 0) return { letter: "A", className: "rv rv-a" };
  if (marks.tested > 0) return { letter: "T", className: "rv rv-t" };
  return { letter: "·", className: "rv rv-n" };
}

function cellTitle(counter: number, total: number, marks: PatchMarks | null): string {
  const head = `patch ${counter}/${total}`;
  if (marks === null) return `${head}: missing`;
  const parts: string[] = [];
  if (marks.reviewed > 0) parts.push(`${marks.reviewed} Reviewed-by`);
  if (marks.acked > 0) parts.push(`${marks.acked} Acked-by`);
  if (marks.tested > 0) parts.push(`${marks.tested} Tested-by`);
  return `${head}: ${parts.length > 0 ? parts.join(", ") : "no review trailers"}`;
}

/** One patch's review cell. */
export function ReviewCell({ marks, counter, total }: { marks: PatchMarks | null; counter: number; total: number }) {
  const { letter, className } = cell(marks);
  return (
    <span className={className} title={cellTitle(counter, total, marks)}>
      {letter}
    </span>
  );
}

/** Screen readers get one sentence instead of hundreds of letters. */
function cellsSummary(patches: readonly (PatchMarks | null)[]): string {
  let reviewed = 0, acked = 0, tested = 0, none = 0, missing = 0;
  for (const marks of patches) {
    const { letter } = cell(marks);
    if (letter === "R") reviewed++;
    else if (letter === "A") acked++;
    else if (letter === "T") tested++;
    else if (letter === "✗") missing++;
    else none++;
  }
  return `review: ${reviewed} reviewed, ${acked} acked, ${tested} tested, ${none} without trailers, ${missing} missing`;
}

/** The row of cells for patches 1..n, wrapping on narrow screens, capped at MAX_CELLS. */
export function ReviewCells({ patches }: { patches: readonly (PatchMarks | null)[] }) {
  const total = patches.length;
  const shown = patches.slice(0, MAX_CELLS);
  return (
    <span className="rv-cells" role="img" aria-label={cellsSummary(patches)}>
      {shown.map((marks, i) => (
        <ReviewCell key={i} marks={marks} counter={i + 1} total={total} />
      ))}
      {total > MAX_CELLS ? (
        <span className="rv-more" title={`${total - MAX_CELLS} more patches`}>
          …
        </span>
      ) : null}
    </span>
  );
}

export function SeriesBadges({ rfc, resend, isPullRequest }: { rfc: boolean; resend: boolean; isPullRequest: boolean }) {
  return (
    <>
      {rfc ? <> <span className="series-badge">RFC</span></> : null}
      {resend ? <> <span className="series-badge">RESEND</span></> : null}
      {isPullRequest ? <> <span className="series-badge">PULL</span></> : null}
    </>
  );
}

function SeriesEntry({ list, series }: { list: string; series: SeriesSummary }) {
  const missing = series.total - series.present;
  return (
    <li>
      <a href={seriesHref(list, series.rootMid)}>{series.title || "(no title)"}</a>
      <span className="meta">
        {series.fromName || "unknown"} · v{series.revision}
        <SeriesBadges rfc={series.rfc} resend={series.resend} isPullRequest={series.isPullRequest} />
        {` · ${plural(series.versionCount, "version")} · `}
        {series.present}/{series.total} patches
        {missing > 0 ? <span className="series-missing"> ({missing} missing)</span> : null}
        {` · ${plural(series.replyCount, "reply")} · last ${formatDate(series.lastDate)}`}
      </span>
      {series.patches.length > 0 ? <ReviewCells patches={series.patches} /> : null}
    </li>
  );
}

/** A search of the series' cover letters (or first patches): the query, and where the results stand. */
export interface SeriesSearchState {
  q: string;
  /** Matching versions (capped counts end in "+"). */
  total: number;
  totalCapped: boolean;
  offset: number;
  /** Results per page, for the "more" link. */
  limit: number;
  /** Why the query could not run, in words. */
  error?: string;
}

export function SeriesIndex({ list, page, search }: { list: string; page: SeriesIndexPage; search?: SeriesSearchState }) {
  const action = `/${list}/_/series/`;
  const more = search && !search.error && search.offset + search.limit < search.total ? search.offset + search.limit : null;
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a> / <strong>series</strong>{" "}
        <a href={`/${list}/`} className="muted">threads view</a>{" "}
        <a href={`${action}new.atom`} className="muted">Atom feed</a>
      </div>
      <h1>Patch series</h1>
      <form className="search" method="get" action={action} role="search">
        <input type="search" name="q" defaultValue={search?.q ?? ""} aria-label="Search series" placeholder="s:title f:author d:2024-01-01.. words" />
        <button type="submit">search series</button>
        <a href={`/${list}/_/text/help/`} className="muted">help</a>
      </form>
      {search ? (
        <p className="muted" role="status">
          {search.error ?? `${search.total.toLocaleString("en-US")}${search.totalCapped ? "+" : ""} version${search.total === 1 ? "" : "s"} match "${search.q}" (cover letters, or first patches); their series:`}
        </p>
      ) : (
        <p className="muted">
          Patch series posted to {list}, newest activity first. Per patch: R reviewed, A acked, T tested, · none, ✗ missing.
        </p>
      )}
      {page.series.length === 0 ? (
        <p>{search ? "No series match." : "No patch series in this list yet."}</p>
      ) : (
        <ul className="plain threads series-list">
          {page.series.map((series) => (
            <SeriesEntry key={series.rootMid} list={list} series={series} />
          ))}
        </ul>
      )}
      <nav className="pager" aria-label="pages">
        {more !== null ? (
          <a href={`${action}?q=${encodeURIComponent(search!.q)}&o=${more}`} rel="next">
            more results
          </a>
        ) : null}
        {page.olderCursor ? (
          <a href={`/${list}/_/series/?t=${encodeURIComponent(page.olderCursor)}`} rel="next">
            older series
          </a>
        ) : null}
        <a href={`/${list}/`}>threads</a>
      </nav>
    </main>
  );
}
