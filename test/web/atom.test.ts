import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { atomEntryId, renderAtom, xmlText, type AtomFeed } from "../../lib/web/atom";

// A small XML 1.0 well-formedness check, enough for what renderAtom emits
// (elements, attributes in double quotes, the five predefined entities, a
// declaration): every tag closed in order, no raw < or & in text, only XML chars.
function checkWellFormed(xml: string): void {
  assert.doesNotMatch(xml, /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u, "only XML 1.0 characters");
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, "");
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let roots = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    m = token.exec(body);
    assert.ok(m, `malformed markup at ${pos}: ${JSON.stringify(body.slice(pos, pos + 40))}`);
    const [all, close, name, attrs, selfClose, text] = m;
    if (text !== undefined) {
      assert.ok(stack.length > 0 || text.trim() === "", "text outside the root element");
      assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|apos);)/, "bare & in text");
      assert.doesNotMatch(text, />/, "> in text is legal but renderAtom escapes it");
    } else if (close) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    } else {
      for (const [, value] of (attrs ?? "").matchAll(/="([^"]*)"/g)) {
        assert.doesNotMatch(value ?? "", /&(?!(amp|lt|gt|quot|apos);)/, "bare & in an attribute");
      }
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name!);
    }
    pos += all.length;
  }
  assert.deepEqual(stack, [], "every element closed");
  assert.equal(roots, 1, "one root element");
}

const FEED: AtomFeed = {
  id: "https://lore.example/linux-integrity/?q=ima&x=A",
  title: "ima - search results - linux-integrity",
  selfUrl: "https://lore.example/linux-integrity/?q=ima&x=A",
  alternateUrl: "https://lore.example/linux-integrity/?q=ima",
  updated: new Date("2019-06-24T14:42:32.123Z"),
  entries: [],
};

describe("renderAtom", () => {
  test("an empty feed is exactly this", () => {
    assert.equal(
      renderAtom(FEED),
      '<?xml version="1.0" encoding="utf-8"?>\n' +
        '<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">ima - search results - linux-integrity</title>' +
        '<link rel="alternate" type="text/html" href="https://lore.example/linux-integrity/?q=ima"/>' +
        '<link rel="self" href="https://lore.example/linux-integrity/?q=ima&amp;x=A"/>' +
        "<id>https://lore.example/linux-integrity/?q=ima&amp;x=A</id><updated>2019-06-24T14:42:32Z</updated>\n</feed>\n",
    );
  });

  test("a hostile entry is escaped exactly, invalid characters dropped", () => {
    const xml = renderAtom({
      ...FEED,
      entries: [
        {
          id: atomEntryId("a&b@x"),
          title: `<script>alert("x")</script> & 'q' \u0000\u0007\u001b\ud800\uffff ok`,
          url: 'https://lore.example/l/a&b@x/"/',
          updated: new Date("invalid"),
          authorName: "",
          authorEmail: "j&<@x.org",
          summary: "]]> <![CDATA[ \r\n\ttab 😀",
        },
      ],
    });
    const entry = xml.slice(xml.indexOf("<entry>"), xml.indexOf("</entry>") + 8);
    assert.equal(
      entry,
      "<entry><author><name>j&amp;&lt;@x.org</name><email>j&amp;&lt;@x.org</email></author>" +
        '<title type="text">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;  ok</title>' +
        "<updated>1970-01-01T00:00:00Z</updated>" +
        '<link rel="alternate" type="text/html" href="https://lore.example/l/a&amp;b@x/&quot;/"/>' +
        `<id>${atomEntryId("a&b@x")}</id>` +
        '<summary type="text">]]&gt; &lt;![CDATA[ \r\n\ttab 😀</summary></entry>',
    );
    checkWellFormed(xml);
  });

  test("author falls back to the address, then to 'unknown'; no empty email element", () => {
    const entry = { id: "x", title: "t", url: "u", updated: new Date(0), summary: "" };
    const one = renderAtom({ ...FEED, entries: [{ ...entry, authorName: "  ", authorEmail: "" }] });
    assert.match(one, /<author><name>unknown<\/name><\/author>/);
  });

  test("atomEntryId is a stable urn:uuid per Message-ID", () => {
    assert.match(atomEntryId("v7-0@altlinux.org"), /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(atomEntryId("a@b"), atomEntryId("a@b"));
    assert.notEqual(atomEntryId("a@b"), atomEntryId("a@c"));
  });

  test("property: any strings give a well-formed feed that keeps every valid character", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ unit: "grapheme", maxLength: 50 }),
        (title, summary, name) => {
          const xml = renderAtom({
            ...FEED,
            title,
            entries: [{ id: "urn:x", title, url: "https://x/", updated: new Date(0), authorName: name, authorEmail: "", summary }],
          });
          checkWellFormed(xml);
          const back = (s: string) =>
            s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
          const summaryXml = /<summary type="text">([^<]*)<\/summary>/.exec(xml)?.[1] ?? "";
          const valid = summary.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "");
          assert.equal(back(summaryXml), valid);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("xmlText escapes the five specials", () => {
    assert.equal(xmlText(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });
});
