// Tests for lib/mail/render.ts (mail body -> typed segments) and the <MessageBody> markup.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { linkify, renderBody, SEGMENT_CLASS, type Block, type Segment, type SegmentKind } from "../../lib/mail/render";
import { MessageBody } from "../../app/_ui/message-body";

const joined = (blocks: Block[]): string => blocks.map((b) => b.segments.map((s) => s.text).join("")).join("");
const segments = (text: string): Segment[] => renderBody(text).flatMap((b) => b.segments);

/** Kind of the first segment of each line of `text` ("link" if the line starts with a URL). */
function lineKinds(text: string): SegmentKind[] {
  const out: SegmentKind[] = [];
  let atLineStart = true;
  for (const seg of segments(text)) {
    for (let i = 0; i < seg.text.length; i++) {
      if (atLineStart) out.push(seg.kind);
      atLineStart = seg.text[i] === "\n";
    }
  }
  return out;
}

function kindOf(text: string, line: string): SegmentKind {
  const lines = text.split("\n");
  const idx = lines.indexOf(line);
  assert.notEqual(idx, -1, `line not found: ${JSON.stringify(line)}`);
  const kind = lineKinds(text)[idx];
  assert.ok(kind, `no kind for line ${idx}`);
  return kind;
}

test("empty body gives no blocks", () => {
  assert.deepEqual(renderBody(""), []);
});

test("quotes of several depths form one foldable block", () => {
  const text = "On Mon, Bob wrote:\n> first\n> > second\n>> second too\n >>> third\n\nMy reply.\n";
  const blocks = renderBody(text);
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.lines]),
    [
      ["plain", 1],
      ["quote", 4],
      ["plain", 2],
    ],
  );
  const quote = blocks[1]!;
  assert.deepEqual(
    quote.segments.map((s) => [s.kind, s.depth, s.text]),
    [
      ["quote", 1, "> first\n"],
      ["quote", 2, "> > second\n>> second too\n"],
      ["quote", 3, " >>> third\n"],
    ],
  );
  assert.equal(joined(blocks), text);
});

const PATCH = `The foo driver leaks a device reference when init fails.
Drop it on the error path.

- found by kmemleak
- only affects probe

Signed-off-by: A U Thor <author@example.com>
Link: https://lore.kernel.org/r/20240101-foo-v1-1@example.com
---
 drivers/foo/foo.c | 6 ++++--
 include/foo.h     | 1 +
 2 files changed, 6 insertions(+), 2 deletions(-)

diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c
index 1234567..89abcde 100644
--- a/drivers/foo/foo.c
+++ b/drivers/foo/foo.c
@@ -10,7 +10,9 @@ static int foo_probe(struct device *dev)
 	int ret;
 
 	ret = foo_init(dev);
-	if (ret)
-		return ret;
+	if (ret) {
+		put_device(dev);
+		return ret;
+	}
 	return 0;
 }
diff --git a/include/foo.h b/include/foo.h
index 1111111..2222222 100644
--- a/include/foo.h
+++ b/include/foo.h
@@ -1,3 +1,4 @@
 #ifndef FOO_H
+#define FOO_MAX 4
 #define FOO_H
 #endif
-- 
2.43.0

`;

test("git format-patch mail: message, diffstat, two files, trailer", () => {
  assert.equal(joined(renderBody(PATCH)), PATCH);
  const expect: [string, SegmentKind][] = [
    ["The foo driver leaks a device reference when init fails.", "text"],
    ["- found by kmemleak", "text"],
    ["Link: https://lore.kernel.org/r/20240101-foo-v1-1@example.com", "text"],
    ["---", "text"],
    [" drivers/foo/foo.c | 6 ++++--", "text"],
    [" 2 files changed, 6 insertions(+), 2 deletions(-)", "text"],
    ["diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c", "head"],
    ["index 1234567..89abcde 100644", "head"],
    ["--- a/drivers/foo/foo.c", "head"],
    ["+++ b/drivers/foo/foo.c", "head"],
    ["@@ -10,7 +10,9 @@ static int foo_probe(struct device *dev)", "hunk"],
    [" \tint ret;", "text"],
    ["-\tif (ret)", "del"],
    ["+\t\tput_device(dev);", "add"],
    [" }", "text"],
    ["diff --git a/include/foo.h b/include/foo.h", "head"],
    ["--- a/include/foo.h", "head"],
    ["+++ b/include/foo.h", "head"],
    ["@@ -1,3 +1,4 @@", "hunk"],
    ["+#define FOO_MAX 4", "add"],
    [" #endif", "text"],
    ["-- ", "sig"],
    ["2.43.0", "sig"],
  ];
  for (const [line, kind] of expect) assert.equal(kindOf(PATCH, line), kind, line);
  const link = segments(PATCH).find((s) => s.kind === "link");
  assert.equal(link?.href, "https://lore.kernel.org/r/20240101-foo-v1-1@example.com");
  // Same-kind lines are merged: one segment for the 4 added lines of the first hunk.
  assert.ok(segments(PATCH).some((s) => s.kind === "add" && s.text === "+\tif (ret) {\n+\t\tput_device(dev);\n+\t\treturn ret;\n+\t}\n"));
  assert.ok(renderBody(PATCH).every((b) => b.kind === "plain"));
});

test("hunk line counts tell a removed '-- ' line from the trailer", () => {
  const text = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,2 @@\n-- \n--- not a header\n keep\n-- \n2.43.0\n";
  assert.deepEqual(lineKinds(text), ["head", "head", "head", "hunk", "del", "del", "text", "sig", "sig"]);
});

test("hunks without counts fall back to first-character colouring", () => {
  const text = "--- a/x\n+++ b/x\n@@@ -1,2 -1,2 +1,2 @@@\n-old\n+new\n ctx\n-- \n2.43.0\n";
  assert.deepEqual(lineKinds(text), ["head", "head", "hunk", "del", "add", "text", "sig", "sig"]);
});

test("wrong hunk counts do not lose the colouring", () => {
  const text = "diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n-d\nThanks,\nBob\n";
  assert.deepEqual(lineKinds(text), ["head", "hunk", "del", "add", "add", "del", "text", "text"]);
});

test("diff context ends at prose, and svn Index: diffs are recognised", () => {
  const text = "Index: foo.c\n===================================================================\n--- foo.c\t(revision 1)\n+++ foo.c\t(working copy)\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n\nDoes this look right?\n- yes\n";
  assert.deepEqual(lineKinds(text), ["head", "head", "head", "head", "hunk", "del", "add", "text", "text", "text", "text"]);
});

test("+ and - outside a diff are plain text (bullet lists)", () => {
  const text = "Changes:\n- one\n- two\n+ three\n--- a heading\n";
  assert.ok(lineKinds(text).every((k) => k === "text"));
  assert.equal(renderBody(text).length, 1);
});

test("a quoted patch stays a quote", () => {
  const text = "> diff --git a/x b/x\n> +added\n> -removed\nLooks good.\n";
  assert.deepEqual(lineKinds(text), ["quote", "quote", "quote", "text"]);
});

test("signature: '-- ' and everything after it", () => {
  const text = "Hello\n--\nnot a sig\n-- \nJane Doe\n> not a quote any more\n- still sig\n";
  assert.deepEqual(lineKinds(text), ["text", "text", "text", "sig", "sig", "sig", "sig"]);
  const crlf = "Hi\r\n-- \r\nJane\r\n";
  assert.deepEqual(lineKinds(crlf), ["text", "sig", "sig"]);
  assert.equal(joined(renderBody(crlf)), crlf);
});

function links(text: string): string[] {
  return linkify(text, "text")
    .filter((s) => s.kind === "link")
    .map((s) => s.text);
}

test("links: trailing punctuation and parentheses", () => {
  assert.deepEqual(links("See https://example.com/a."), ["https://example.com/a"]);
  assert.deepEqual(links("(see https://example.com/a), ok"), ["https://example.com/a"]);
  assert.deepEqual(links("https://en.wikipedia.org/wiki/Foo_(bar) is"), ["https://en.wikipedia.org/wiki/Foo_(bar)"]);
  assert.deepEqual(links("(https://en.wikipedia.org/wiki/Foo_(bar))."), ["https://en.wikipedia.org/wiki/Foo_(bar)"]);
  assert.deepEqual(links("really? http://x.org/?q=1&r=2!"), ["http://x.org/?q=1&r=2"]);
  assert.deepEqual(links("'ftp://ftp.kernel.org/pub/';"), ["ftp://ftp.kernel.org/pub/"]);
  assert.deepEqual(links('"https://a.example/b"'), ["https://a.example/b"]);
  assert.deepEqual(links("[1] [https://a.example/x]"), ["https://a.example/x"]);
  assert.deepEqual(links("<https://a.example/dots...>"), ["https://a.example/dots..."]);
  assert.deepEqual(links("two: http://a.example http://b.example"), ["http://a.example", "http://b.example"]);
  assert.deepEqual(links("http:// and https://. and xhttp://a.example"), []);
  const segs = linkify("go to HTTPS://Example.com/X now", "quote");
  assert.deepEqual(segs, [
    { kind: "quote", text: "go to " },
    { kind: "link", text: "HTTPS://Example.com/X", href: "https://Example.com/X" },
    { kind: "quote", text: " now" },
  ]);
});

test("javascript:, data: and vbscript: are never linked", () => {
  for (const t of ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:msgbox", "<javascript:alert(1)>", "javascript://%0aalert(1)"]) {
    assert.deepEqual(links(t), [], t);
  }
  // An http URL inside such text may be linked, but only as itself.
  for (const s of linkify("javascript:void(0)//http://a.example", "text")) {
    if (s.href !== undefined) assert.equal(s.href, "http://a.example");
  }
});

test("SEGMENT_CLASS uses public-inbox's class names", () => {
  assert.deepEqual(SEGMENT_CLASS, { text: "", quote: "q", add: "add", del: "del", hunk: "hunk", head: "head", sig: "sig", link: "" });
});

// Tokens chosen to hit every branch: diff headers, hunk headers, quote markers, sig
// separators, line endings and URL edge cases, glued together at random.
const TOKENS = [
  "\n", "\r\n", "\r", " ", "-", "+", "-- ", "---", "--- a/f", "+++ b/f", "diff --git a/f b/f", "index 1..2",
  "@@ -1,2 +1,2 @@", "@@ -1 +1 @@", "@@", "\\ No newline", ">", "> >", ">>", "Index: f", "=====", "2.43.0",
  "http://", "https://a.example/", "ftp://f.example", "<", ">", "(", ")", "[", "]", ".", ",", "'", '"',
  "javascript:", "data:", "x", "é", "\u2028", "\t",
];
const mailish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((a) => a.join(""));
const anyText = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 200 }), mailish);

test("property: segments reproduce the input exactly", () => {
  fc.assert(
    fc.property(anyText, (text) => {
      const blocks = renderBody(text);
      assert.equal(joined(blocks), text);
      for (const b of blocks) {
        assert.ok(b.lines > 0 && b.segments.length > 0);
        for (const s of b.segments) assert.ok(s.text.length > 0);
      }
      // Line counts add up to the number of lines.
      const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      assert.equal(blocks.reduce((n, b) => n + b.lines, 0), lines);
    }),
    { numRuns: 2000 },
  );
});

test("property: every href is http(s) or ftp and equals its text", () => {
  fc.assert(
    fc.property(anyText, (text) => {
      for (const s of segments(text)) {
        if (s.kind === "link") {
          assert.ok(s.href !== undefined && /^(https?|ftp):\/\//.test(s.href), s.href);
          assert.equal(s.href.toLowerCase(), s.text.toLowerCase());
        } else {
          assert.equal(s.href, undefined);
        }
      }
    }),
    { numRuns: 2000 },
  );
});

test("property: adjacent segments in a block never share kind and depth", () => {
  fc.assert(
    fc.property(mailish, (text) => {
      for (const b of renderBody(text)) {
        for (let i = 1; i < b.segments.length; i++) {
          const a = b.segments[i - 1]!;
          const c = b.segments[i]!;
          assert.ok(a.kind !== c.kind || a.depth !== c.depth || a.kind === "link", JSON.stringify([a, c]));
        }
      }
    }),
    { numRuns: 1000 },
  );
});

test("a 1 MB patch completes with few segments per kind change", () => {
  const hunk = "@@ -1,3 +1,3 @@\n ctx https://example.com/x\n-old\n+new\n ctx2\n";
  let text = "diff --git a/f b/f\n--- a/f\n+++ b/f\n";
  while (text.length < 1_000_000) text += hunk;
  text += "-- \n2.43.0\n";
  const blocks = renderBody(text);
  assert.equal(joined(blocks), text);
  assert.equal(blocks.length, 1);
  // A long run of one kind is a single segment, not one per line.
  const huge = ("> quoted line\n".repeat(50_000) + "reply\n").repeat(2);
  const qb = renderBody(huge);
  assert.equal(qb.length, 4);
  assert.equal(qb[0]?.segments.length, 1);
  assert.equal(qb[0]?.lines, 50_000);
  // Pathological inputs for the URL scanner stay linear.
  assert.equal(joined(renderBody("http://a" + ")".repeat(200_000))), "http://a" + ")".repeat(200_000));
  assert.equal(joined(renderBody("(".repeat(200_000) + "http://a")), "(".repeat(200_000) + "http://a");
});

// --- <MessageBody> markup -------------------------------------------------------

const render = (text: string): string => renderToStaticMarkup(createElement(MessageBody, { text }));

test("MessageBody uses only pre/span/a/details/summary and escapes mail", () => {
  const html = render(`<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n> q\n> > qq\nhttps://a.example/?a=1&b="2"\njavascript:alert(1)\n${PATCH}`);
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]));
  assert.deepEqual([...tags].sort(), ["a", "pre", "span"]);
  assert.ok(html.startsWith('<pre class="body">'));
  assert.ok(html.includes("&lt;script&gt;"));
  assert.ok(!/href="javascript/i.test(html));
  assert.ok(html.includes('<a href="https://a.example/?a=1&amp;b=" rel="nofollow noopener noreferrer">'));
  assert.ok(html.includes('<span class="q">&gt; q\n</span><span class="q q2">&gt; &gt; qq\n</span>'));
  assert.ok(html.includes('<span class="sig">-- \n2.43.0\n\n</span>'));
});

test("MessageBody folds quotes longer than 10 lines", () => {
  const ten = "> line\n".repeat(10);
  assert.ok(!render(`${ten}reply\n`).includes("<details>"));
  const html = render(`Hi\n${ten}> one more\nreply\n`);
  assert.ok(html.includes("<details><summary>[... 11 lines of quoted text]</summary><span class=\"q\">"));
  assert.ok(html.endsWith("</details>reply\n</pre>"));
});
