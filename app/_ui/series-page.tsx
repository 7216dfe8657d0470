// /<list>/_/series/<mid>/: one patch series, the version <mid> belongs to
// shown in full: its versions timeline, the mbox for `git am`, the cover
// letter and each patch with the trailers reviewers gave (b4's view of a
// series, as links and text only).
import { interdiffHref } from "@/app/_ui/series-interdiff";
import { ReviewCell, SeriesBadges, marksOf, messageHref, seriesHref } from "@/app/_ui/series-index";
import { formatDate, formatDay, plural } from "@/lib/format";
import type { GivenTrailerView, SeriesDetail, SeriesPatchView, SeriesVersionView } from "@/lib/types";

/**
 * The mbox URL as a single-quoted shell word. midToUrl leaves $ ; & ( ) ! '
 * literal (lore does too), so a pasted command must be quoted; a quote inside
 * becomes %27, which the server decodes back to the same Message-ID.
 */
function shellQuoted(url: string): string {
  return `'${url.replace(/'/g, "%27")}'`;
}

function TrailerList({ list, trailers }: { list: string; trailers: readonly GivenTrailerView[] }) {
  if (trailers.length === 0) return null;
  return (
    <ul className="plain series-trailers">
      {trailers.map((t, i) => (
        <li key={i}>
          {t.name}: {t.value}{" "}
          <a href={messageHref(list, t.by)} className="muted">
            (reply)
          </a>
        </li>
      ))}
    </ul>
  );
}

function VersionEntry({ list, version, chosen, chosenTitle }: {
  list: string;
  version: SeriesVersionView;
  chosen: boolean;
  /** A version's title is shown only where it differs from the one in the heading. */
  chosenTitle: string;
}) {
  const label = `v${version.revision}`;
  return (
    <li className={version.superseded ? "superseded" : undefined} aria-current={chosen ? "page" : undefined}>
      {chosen ? <strong>{label}</strong> : <a href={seriesHref(list, version.rootMid)}>{label}</a>}
      <SeriesBadges rfc={version.rfc} resend={version.resend} isPullRequest={version.isPullRequest} />
      {` · ${formatDay(version.date)} · ${version.present}/${version.total} patches · ${plural(version.replyCount, "reply")}`}
      {version.superseded ? " · superseded" : null}
      {version.title !== chosenTitle ? <span className="muted"> · {version.title}</span> : null}
    </li>
  );
}

function PatchEntry({ list, counter, total, patch }: { list: string; counter: number; total: number; patch: SeriesPatchView | null }) {
  if (patch === null) {
    return (
      <li className="series-missing">
        <ReviewCell marks={null} counter={counter} total={total} /> patch {counter}/{total}: missing (never arrived)
      </li>
    );
  }
  return (
    <li>
      <ReviewCell marks={marksOf(patch.trailers)} counter={counter} total={total} />{" "}
      <a href={messageHref(list, patch.mid)}>
        [{counter}/{total}] {patch.subject || "(no subject)"}
      </a>{" "}
      <span className="muted">
        {patch.fromName} {formatDate(patch.date)}
      </span>
      <TrailerList list={list} trailers={patch.trailers} />
    </li>
  );
}

export function SeriesPage({ list, detail, origin = "" }: {
  list: string;
  detail: SeriesDetail;
  /** Scheme and host, for a copyable `curl` line; without it the line holds the path only. */
  origin?: string;
}) {
  const version = detail.versions[detail.chosen];
  if (!version) return null;
  const mbox = `${seriesHref(list, version.rootMid)}series.mbox`;
  const total = version.total;
  return (
    <main className="series-page">
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a> / <a href={`/${list}/_/series/`}>series</a>
      </div>
      <h1>{version.title || "(no title)"}</h1>
      <p>
        {version.fromName || "unknown"} · v{version.revision}
        <SeriesBadges rfc={version.rfc} resend={version.resend} isPullRequest={version.isPullRequest} />
        {` · ${version.present}/${version.total} patches · last activity ${formatDate(version.lastDate)}`}
        {version.superseded ? <span className="muted"> · superseded by a newer version</span> : null}
      </p>

      <section aria-labelledby="versions-h">
        <h2 id="versions-h">{plural(detail.versions.length, "version")}</h2>
        <ol className="plain series-versions">
          {detail.versions.map((v, i) => (
            <VersionEntry key={v.rootMid} list={list} version={v} chosen={i === detail.chosen} chosenTitle={version.title} />
          ))}
        </ol>
        {detail.chosen > 0 ? (
          <p>
            <a href={interdiffHref(list, version.rootMid, detail.versions[detail.chosen - 1]!.rootMid)}>
              what changed from v{detail.versions[detail.chosen - 1]!.revision} to v{version.revision}
            </a>
          </p>
        ) : null}
      </section>

      <p className="series-mbox">
        <a href={mbox}>mbox for git am</a> (v{version.revision}, with the trailers given in replies)
        <br />
        <code>curl -s {shellQuoted(origin + mbox)} | git am</code>
      </p>

      {detail.cover ? (
        <section aria-labelledby="cover-h">
          <h2 id="cover-h">Cover letter</h2>
          <p>
            <a href={messageHref(list, detail.cover.mid)}>
              [0/{total}] {detail.cover.subject || "(no subject)"}
            </a>{" "}
            <span className="muted">{formatDate(detail.cover.date)}</span>
          </p>
          {detail.cover.trailers.length > 0 ? (
            <>
              <p className="muted">Given on the cover letter, so for every patch:</p>
              <TrailerList list={list} trailers={detail.cover.trailers} />
            </>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="patches-h">
        <h2 id="patches-h">Patches</h2>
        <ol className="plain series-patches">
          {detail.patches.map((patch, i) => (
            <PatchEntry key={i} list={list} counter={i + 1} total={total} patch={patch} />
          ))}
        </ol>
      </section>
    </main>
  );
}
