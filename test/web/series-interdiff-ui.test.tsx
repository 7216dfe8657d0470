// Tests for the series interdiff page (app/_ui/series-interdiff.tsx): real
// markup from renderToStaticMarkup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderToStaticMarkup } from "react-dom/server";
import { SeriesInterdiff, interdiffHref } from "../../app/_ui/series-interdiff";
import type { InterdiffPairView, SeriesInterdiffView, SeriesVersionView } from "../../lib/types";

const HOSTILE = "<script>x</script>";

function version(revision: number, over: Partial<SeriesVersionView> = {}): SeriesVersionView {
  return {
    rootMid: `v${revision}/root%${revision}@x`,
    revision,
    total: 3,
    present: 3,
    title: "hello: greetings",
    fromName: "Jane Dev",
    date: new Date(Date.UTC(2024, 0, revision * 3)),
    lastDate: new Date(Date.UTC(2024, 0, revision * 3 + 1)),
    replyCount: 0,
    rfc: false,
    resend: false,
    isPullRequest: false,
    superseded: false,
    ...over,
  };
}

function patch(rev: number, counter: number, title: string) {
  return { counter, mid: `p${counter}/v${rev}@x`, subject: `[PATCH v${rev} ${counter}/3] ${title}` };
}

const same = { lines: [{ kind: "skip" as const, text: "… 12 unchanged lines" }], truncated: false, identical: true };

function view(over: Partial<SeriesInterdiffView> = {}): SeriesInterdiffView {
  const pairs: InterdiffPairView[] = [
    { old: patch(2, 1, "hello: add greeting"), new: patch(3, 1, "hello: add greeting"), how: "patch-id", diff: same },
    {
      old: patch(2, 2, "hello: add a --shout option"),
      new: patch(3, 2, "hello: add a --shout option"),
      how: "title",
      diff: {
        lines: [
          { kind: "context", text: "diff --git a/hello.c b/hello.c" },
          { kind: "context", text: "@@ -1,3 +1,4 @@" },
          { kind: "del", text: "+\tputs(\"HELLO\");" },
          { kind: "add", text: "+\tputs(toupper_all(msg));" },
          { kind: "skip", text: "… 7 unchanged lines" },
          { kind: "context", text: " return 0;" },
        ],
        truncated: true,
        identical: false,
      },
    },
    { old: patch(2, 3, "hello: old docs"), new: null, how: "none", diff: null },
    { old: null, new: patch(3, 3, "hello: new docs"), how: "none", diff: null },
  ];
  return { title: "hello: greetings", versions: [version(1), version(2), version(3)], from: 1, to: 2, pairs, capped: false, ...over };
}

const render = (v: SeriesInterdiffView): string => renderToStaticMarkup(<SeriesInterdiff list="lkml" view={v} />);

test("heading, crumbs and version picker with escaped URLs", () => {
  const html = render(view());
  assert.ok(html.includes("<h1>v2 → v3: hello: greetings</h1>"), html);
  assert.ok(html.includes('<a href="/lkml/_/series/v3%2Froot%253@x/">hello: greetings</a></div>'), html);
  assert.equal(interdiffHref("lkml", "v3/root%3@x", "v1/root%1@x"), "/lkml/_/series/v3%2Froot%253@x/vs/v1%2Froot%251@x/");
  assert.ok(html.includes('compare v3 with: <a href="/lkml/_/series/v3%2Froot%253@x/vs/v1%2Froot%251@x/">v1</a> · <strong aria-current="page">v2</strong></p>'), html);
  // Both versions' series pages are linked.
  assert.ok(html.includes('<a href="/lkml/_/series/v2%2Froot%252@x/">v2</a>'));
  assert.ok(html.includes('<a href="/lkml/_/series/v3%2Froot%253@x/">v3</a>'));
});

test("only two versions: no picker, just the two", () => {
  const html = render(view({ versions: [version(1), version(2)], from: 0, to: 1 }));
  assert.ok(html.includes("<h1>v1 → v2: hello: greetings</h1>"));
  assert.ok(!html.includes("compare v2 with"));
  assert.ok(!html.includes("/vs/"));
  assert.ok(html.includes('<a href="/lkml/_/series/v1%2Froot%251@x/">v1</a>'));
  assert.ok(html.includes('<a href="/lkml/_/series/v2%2Froot%252@x/">v2</a>'));
});

test("summary, unchanged, added, dropped", () => {
  const html = render(view());
  assert.ok(html.includes("1 patch unchanged, 1 changed, 1 added, 1 dropped"), html);
  assert.ok(html.includes('<p class="interdiff-unchanged">unchanged: <a href="/lkml/p1%2Fv3@x/">1/3</a></p>'), html);
  // The unchanged patch gets no section and no pre of its own.
  assert.equal(html.match(/<pre/g)?.length, 1);
  assert.ok(!html.includes("hello: add greeting"));
  assert.ok(html.includes("<h2>[3/3] hello: old docs</h2>"));
  assert.ok(html.includes('<a href="/lkml/p3%2Fv2@x/">v2 3/3</a> → —'));
  assert.ok(html.includes("<p>dropped in v3</p>"));
  assert.ok(html.includes("<h2>[3/3] hello: new docs</h2>"));
  assert.ok(html.includes('— → <a href="/lkml/p3%2Fv3@x/">v3 3/3</a>'));
  assert.ok(html.includes("<p>new in v3</p>"));
  assert.ok(!html.includes("Only the first patches"));
});

test("changed pair: heading, links, how note, coloured pre and truncation", () => {
  const html = render(view());
  assert.ok(html.includes("<h2>[2/3] hello: add a --shout option</h2>"));
  assert.ok(html.includes('<a href="/lkml/p2%2Fv2@x/">v2 2/3</a> → <a href="/lkml/p2%2Fv3@x/">v3 2/3</a> · matched by title: the diff changed'), html);
  const pre = html.match(/<pre class="interdiff">([\s\S]*?)<\/pre>/)?.[1];
  assert.equal(
    pre,
    " diff --git a/hello.c b/hello.c\n" +
      '<span class="hunk"> @@ -1,3 +1,4 @@</span>\n' +
      '<span class="del">-+\tputs(&quot;HELLO&quot;);</span>\n' +
      '<span class="add">++\tputs(toupper_all(msg));</span>\n' +
      '<span class="muted">… 7 unchanged lines</span>\n' +
      "  return 0;\n",
  );
  assert.ok(html.includes("the comparison was cut short; open both messages to compare"));
});

test("not compared (page limit), matched by position, capped note", () => {
  const v = view({ capped: true });
  v.pairs[1] = { ...v.pairs[1]!, how: "position", diff: null };
  const html = render(v);
  assert.ok(html.includes('<p class="muted">not compared (page limit)</p>'));
  assert.ok(html.includes("matched by position"));
  assert.ok(html.includes("1 patch unchanged, 0 changed, 1 added, 1 dropped, 1 not compared"));
  assert.ok(html.includes('<p class="notice">Only the first patches were compared; the rest are linked.</p>'));
  assert.ok(!html.includes("<pre"));
});

test("reordered unchanged patch says where it was", () => {
  const v = view();
  v.pairs = [{ old: patch(2, 1, "a"), new: patch(3, 2, "a"), how: "patch-id", diff: same }];
  const html = render(v);
  assert.ok(html.includes('unchanged: <a href="/lkml/p2%2Fv3@x/">2/3</a> (was v2 1/3)</p>'), html);
});

test("hostile subjects and titles are escaped", () => {
  const v = view({ title: HOSTILE });
  v.pairs[1] = { ...v.pairs[1]!, new: { counter: 2, mid: "p2/v3@x", subject: HOSTILE } };
  v.pairs[1]!.diff!.lines.push({ kind: "add", text: HOSTILE });
  const html = render(v);
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("<h1>v2 → v3: &lt;script&gt;x&lt;/script&gt;</h1>"));
  assert.ok(html.includes("<h2>[2/3] &lt;script&gt;x&lt;/script&gt;</h2>"));
  assert.ok(html.includes('<span class="add">+&lt;script&gt;x&lt;/script&gt;</span>'));
});

test("a 300-patch all-identical rebase stays small and folded", () => {
  const versions = [version(1, { total: 300, present: 300 }), version(2, { total: 300, present: 300 })];
  const pairs: InterdiffPairView[] = Array.from({ length: 300 }, (_, i) => ({
    old: { counter: i + 1, mid: `20240101120000.${i}-1-jane.dev@kernel.example.org`, subject: `[PATCH ${i + 1}/300] mm: change number ${i + 1}` },
    new: { counter: i + 1, mid: `20240201120000.${i}-1-jane.dev@kernel.example.org`, subject: `[PATCH v2 ${i + 1}/300] mm: change number ${i + 1}` },
    how: "patch-id",
    diff: same,
  }));
  const html = render({ title: "mm: many", versions, from: 0, to: 1, pairs, capped: false });
  assert.ok(html.length < 100_000, `${html.length} bytes`);
  assert.ok(html.includes("300 patches unchanged, 0 changed, 0 added, 0 dropped"));
  assert.ok(html.includes('<details class="interdiff-unchanged"><summary>unchanged: 300 patches</summary>'));
  assert.ok(html.includes('<a href="/lkml/20240201120000.299-1-jane.dev@kernel.example.org/">300/300</a></details>'));
  assert.ok(!html.includes("<section"));
  assert.ok(!html.includes("<pre"));
});

test("a resend sharing a revision is told apart by date; bad indexes render nothing", () => {
  const html = render(view({ versions: [version(1), version(2), version(2, { rootMid: "v2b@x", date: new Date(Date.UTC(2024, 0, 9)) })], from: 0, to: 2 }));
  assert.ok(html.includes("<h1>v1 → v2: hello: greetings</h1>"));
  assert.ok(html.includes("compare v2 (2024-01-09) with: <strong"), html);
  assert.ok(html.includes('<a href="/lkml/_/series/v2b@x/vs/v2%2Froot%252@x/">v2 (2024-01-06)</a>'), html);
  assert.equal(render(view({ to: 7 })), "");
});
