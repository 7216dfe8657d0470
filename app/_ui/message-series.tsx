// The series box on a patch's message page: which series, version and patch
// this is, and the same patch in the series' other versions (b4 diff's view
// of "what changed since v2" starts from here).
import { Fragment } from "react";
import { messageHref, seriesHref } from "@/app/_ui/series-index";
import type { MessageSeriesInfo as MessageSeriesData } from "@/lib/types";

function partName(counter: number): string {
  return counter === 0 ? "cover letter" : `patch ${counter}`;
}

export function MessageSeries({ list, series }: { list: string; series: MessageSeriesData }) {
  const others = series.versions.length > 1;
  return (
    <nav className="series-box" aria-label="series">
      Part of series: <a href={seriesHref(list, series.rootMid)}>{series.title || "(no title)"}</a> — v{series.revision},{" "}
      {series.counter === 0 ? "cover letter" : `patch ${series.counter}/${series.total}`}
      {others ? (
        <>
          <br />
          Other versions:{" "}
          {series.versions.map((v, i) => (
            <Fragment key={v.rootMid}>
              {i > 0 ? " " : null}
              {v.current ? (
                <strong aria-current="page">v{v.revision}</strong>
              ) : v.counterpartMid !== null ? (
                <a href={messageHref(list, v.counterpartMid)}>v{v.revision}</a>
              ) : (
                <>
                  <a href={seriesHref(list, v.rootMid)}>v{v.revision}</a>
                  <span className="muted"> (no {partName(series.counter)})</span>
                </>
              )}
            </Fragment>
          ))}
        </>
      ) : null}
    </nav>
  );
}
