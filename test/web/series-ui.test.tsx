// Tests for the patch series components (app/_ui/series-index.tsx,
// series-page.tsx, message-series.tsx): real markup from renderToStaticMarkup.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { MessageSeries } from "../../app/_ui/message-series";
import { MAX_CELLS, SeriesIndex } from "../../app/_ui/series-index";
import { SeriesPage } from "../../app/_ui/series-page";
import type {
  MessageSeriesInfo as MessageSeriesData,
  PatchMarks,
  SeriesDetail,
  SeriesIndexPage,
  SeriesSummary,
  SeriesVersionView,
} from "../../lib/types";

const HOSTILE = "<script>alert(1)</script>";
const date = new Date("2024-01-03T10:20:30Z");
const none: PatchMarks = { reviewed: 0, acked: 0, tested: 0 };

function summary(over: Partial<SeriesSummary> = {}): SeriesSummary {
  return {
    rootMid: "cover/v3%x@example.org",
    title: "mm: fix things",
    fromName: "Jane Dev",
    revision: 3,
    versionCount: 3,
    present: 4,
    total: 5,
    patches: [
      { reviewed: 1, acked: 0, tested: 1 },
      { reviewed: 0, acked: 2, tested: 0 },
      { reviewed: 0, acked: 0, tested: 1 },
      none,
      null,
    ],
    replyCount: 7,
    lastDate: date,
    rfc: true,
    resend: false,
    isPullRequest: false,
    ...over,
  };
}

/** Review cells in order: [class, title, letter]. */
function cells(html: string): [string, string, string][] {
  return [...html.matchAll(/<span class="rv (rv-[a-z]+)" title="([^"]*)">([^<]*)<\/span>/g)].map((m) => [m[1]!, m[2]!, m[3]!]);
}

const render = (node: ReactElement): string => renderToStaticMarkup(node);

test("index: series link, meta, cells with letters and titles, pager", () => {
  const page: SeriesIndexPage = { series: [summary()], olderCursor: "20240101000000" };
  const html = render(<SeriesIndex list="lkml" page={page} />);
  assert.match(html, /^<main>/);
  assert.ok(html.includes('<a href="/lkml/_/series/cover%2Fv3%25x@example.org/">mm: fix things</a>'), html);
  assert.ok(html.includes("Jane Dev · v3"));
  assert.ok(html.includes('<span class="series-badge">RFC</span>'));
  assert.ok(!html.includes("RESEND"));
  assert.ok(html.includes("3 versions"));
  assert.ok(html.includes("4/5 patches"));
  assert.ok(html.includes("(1 missing)"));
  assert.ok(html.includes("7 replies"));
  assert.ok(html.includes("last 2024-01-03 10:20 UTC"));
  assert.deepEqual(cells(html), [
    ["rv-r", "patch 1/5: 1 Reviewed-by, 1 Tested-by", "R"],
    ["rv-a", "patch 2/5: 2 Acked-by", "A"],
    ["rv-t", "patch 3/5: 1 Tested-by", "T"],
    ["rv-n", "patch 4/5: no review trailers", "·"],
    ["rv-x", "patch 5/5: missing", "✗"],
  ]);
  assert.ok(html.includes('<a href="/lkml/_/series/?t=20240101000000" rel="next">older series</a>'));
  assert.ok(html.includes('<a href="/lkml/">threads</a>'));
  assert.ok(!html.includes("No patch series"));
});

test("index: empty list, no pager link", () => {
  const html = render(<SeriesIndex list="lkml" page={{ series: [], olderCursor: null }} />);
  assert.ok(html.includes("No patch series in this list yet."));
  assert.ok(!html.includes("older series"));
  assert.ok(!html.includes('class="rv '));
});

test("index: hostile title and author are escaped", () => {
  const html = render(<SeriesIndex list="lkml" page={{ series: [summary({ title: HOSTILE, fromName: HOSTILE })], olderCursor: null }} />);
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
});

test("index: a 300-patch series renders 300 cells; past the cap an ellipsis", () => {
  const patches = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? null : { reviewed: i % 2, acked: 0, tested: 0 }));
  const html = render(<SeriesIndex list="l" page={{ series: [summary({ patches, total: 300, present: 257 })], olderCursor: null }} />);
  const found = cells(html);
  assert.equal(found.length, 300);
  assert.deepEqual(found[299], ["rv-r", "patch 300/300: 1 Reviewed-by", "R"]);
  assert.deepEqual(found[0], ["rv-x", "patch 1/300: missing", "✗"]);
  assert.deepEqual(found[2], ["rv-n", "patch 3/300: no review trailers", "·"]);
  assert.ok(!html.includes("rv-more"));

  const big = Array.from({ length: 1000 }, () => none);
  const capped = render(<SeriesIndex list="l" page={{ series: [summary({ patches: big, total: 1000, present: 1000 })], olderCursor: null }} />);
  assert.equal(cells(capped).length, MAX_CELLS);
  assert.ok(capped.includes('title="600 more patches">…</span>'));
});

function version(revision: number, over: Partial<SeriesVersionView> = {}): SeriesVersionView {
  return {
    rootMid: `v${revision}/root@x`,
    revision,
    total: 3,
    present: 3,
    title: `title v${revision}`,
    fromName: "Jane Dev",
    date: new Date(Date.UTC(2024, 0, revision * 3)),
    lastDate: new Date(Date.UTC(2024, 0, revision * 3 + 1)),
    replyCount: revision + 1,
    rfc: false,
    resend: false,
    isPullRequest: false,
    superseded: revision < 3,
    ...over,
  };
}

function detail(): SeriesDetail {
  const coverTrailer = { name: "Acked-by", value: "Ack Er <ack@x.org>", by: "ack/reply%1@x" };
  return {
    versions: [version(1), version(2, { title: HOSTILE }), version(3, { present: 2 })],
    chosen: 1,
    cover: { mid: "v2/root@x", subject: "[PATCH v2 0/3] title", date, trailers: [coverTrailer] },
    patches: [
      {
        counter: 1,
        mid: "p1/v2@x",
        subject: "[PATCH v2 1/3] first",
        fromName: "Jane Dev",
        date,
        trailers: [{ name: "Reviewed-by", value: "Rev Iewer <rev@x.org>", by: "r/1@x" }, coverTrailer],
      },
      null,
      { counter: 3, mid: "p3/v2@x", subject: HOSTILE, fromName: "Jane Dev", date, trailers: [coverTrailer] },
    ],
  };
}

test("series page: one h1, timeline with aria-current and links, mbox", () => {
  const html = render(<SeriesPage list="lkml" detail={detail()} origin="https://lore.example" />);
  assert.equal(html.match(/<h1[ >]/g)?.length, 1);
  assert.ok(html.includes("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"), "chosen version's title, escaped");
  assert.ok(!html.includes("<script>"));
  // Timeline: v1 and v3 linked, v2 current and not linked.
  assert.ok(html.includes('<a href="/lkml/_/series/v1%2Froot@x/">v1</a>'));
  assert.ok(html.includes('<a href="/lkml/_/series/v3%2Froot@x/">v3</a>'));
  assert.ok(!html.includes('href="/lkml/_/series/v2%2Froot@x/"'));
  assert.match(html, /<li class="superseded" aria-current="page"><strong>v2<\/strong> · 2024-01-06 · 3\/3 patches · 3 replies/);
  assert.equal(html.match(/aria-current="page"/g)?.length, 1);
  assert.match(html, /<li class="superseded"><a href="\/lkml\/_\/series\/v1%2Froot@x\/">v1<\/a> · 2024-01-03 · 3\/3 patches · 2 replies/);
  assert.match(html, /<li><a href="\/lkml\/_\/series\/v3%2Froot@x\/">v3<\/a> · 2024-01-09 · 2\/3 patches · 4 replies/);
  // mbox of the chosen version, with a copyable command.
  assert.ok(html.includes('<a href="/lkml/_/series/v2%2Froot@x/series.mbox">mbox for git am</a>'));
  assert.ok(html.includes("<code>curl -s &#x27;https://lore.example/lkml/_/series/v2%2Froot@x/series.mbox&#x27; | git am</code>"), html);
});

test("series page: cover, patches with trailers and reply links, missing patch, cells", () => {
  const html = render(<SeriesPage list="lkml" detail={detail()} />);
  assert.ok(html.includes('<a href="/lkml/v2%2Froot@x/">[0/3] [PATCH v2 0/3] title</a>'));
  assert.ok(html.includes('<a href="/lkml/p1%2Fv2@x/">[1/3] [PATCH v2 1/3] first</a>'));
  assert.ok(html.includes("Reviewed-by: Rev Iewer &lt;rev@x.org&gt; <a href=\"/lkml/r%2F1@x/\" class=\"muted\">(reply)</a>"));
  assert.ok(html.includes('Acked-by: Ack Er &lt;ack@x.org&gt; <a href="/lkml/ack%2Freply%251@x/" class="muted">(reply)</a>'));
  assert.ok(html.includes("patch 2/3: missing (never arrived)"));
  assert.ok(html.includes('<a href="/lkml/p3%2Fv2@x/">[3/3] &lt;script&gt;alert(1)&lt;/script&gt;</a>'));
  assert.deepEqual(cells(html), [
    ["rv-r", "patch 1/3: 1 Reviewed-by, 1 Acked-by", "R"],
    ["rv-x", "patch 2/3: missing", "✗"],
    ["rv-a", "patch 3/3: 1 Acked-by", "A"],
  ]);
  // Without an origin the curl line holds the path.
  assert.ok(html.includes("curl -s &#x27;/lkml/_/series/v2%2Froot@x/series.mbox&#x27; | git am"));
});

test("series page: a quote in the Message-ID cannot break out of the shell word", () => {
  const d = detail();
  d.versions[1] = version(2, { rootMid: "a'$(rm -rf ~)'@x" });
  const html = render(<SeriesPage list="l" detail={d} />);
  const code = /<code>(.*?)<\/code>/.exec(html)?.[1] ?? "";
  assert.equal(code, "curl -s &#x27;/l/_/series/a%27$(rm%20-rf%20~)%27@x/series.mbox&#x27; | git am");
});

test("series page without a cover letter", () => {
  const d = { ...detail(), cover: null };
  const html = render(<SeriesPage list="l" detail={d} />);
  assert.ok(!html.includes("Cover letter"));
  assert.ok(html.includes("Patches"));
});

function messageSeries(counter: number): MessageSeriesData {
  return {
    title: HOSTILE,
    revision: 2,
    counter,
    total: 5,
    rootMid: "v2/root@x",
    versions: [
      { revision: 1, rootMid: "v1/root@x", counterpartMid: "v1/p2%@x", current: false },
      { revision: 2, rootMid: "v2/root@x", counterpartMid: "v2/p2@x", current: true },
      { revision: 3, rootMid: "v3/root@x", counterpartMid: null, current: false },
    ],
  };
}

test("message series box: series link, position, other versions", () => {
  const html = render(<MessageSeries list="lkml" series={messageSeries(2)} />);
  assert.match(html, /^<nav class="series-box" aria-label="series">/);
  assert.ok(html.includes('Part of series: <a href="/lkml/_/series/v2%2Froot@x/">&lt;script&gt;alert(1)&lt;/script&gt;</a> — v2, patch 2/5'));
  assert.ok(html.includes('<a href="/lkml/v1%2Fp2%25@x/">v1</a>'));
  assert.ok(html.includes('<strong aria-current="page">v2</strong>'));
  assert.ok(!html.includes('href="/lkml/v2%2Fp2@x/"'));
  assert.ok(html.includes('<a href="/lkml/_/series/v3%2Froot@x/">v3</a><span class="muted"> (no patch 2)</span>'));
});

test("message series box: cover letter, and no other versions line for a single version", () => {
  const cover = render(<MessageSeries list="l" series={messageSeries(0)} />);
  assert.ok(cover.includes("— v2, cover letter"));
  assert.ok(cover.includes("(no cover letter)"));
  const single = { ...messageSeries(1), versions: [{ revision: 2, rootMid: "v2/root@x", counterpartMid: "v2/p1@x", current: true }] };
  const html = render(<MessageSeries list="l" series={single} />);
  assert.ok(!html.includes("Other versions"));
});
