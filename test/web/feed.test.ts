import assert from "node:assert/strict";
import { test } from "node:test";
import { messagesToAtom } from "../../lib/web/feed";
import type { MessageView } from "../../lib/types";

function message(mid: string, date: string, extra: Partial<MessageView> = {}): MessageView {
  return {
    id: 1, list: "l", listAddress: null, mid, subject: "s", fromName: "A", fromAddr: "a@x.org", to: "", cc: "",
    date: new Date(date), inReplyTo: null, references: [], bodyText: "body", hasPatch: false, threadId: 1,
    rawHash: "h", attachments: [], variantIds: [], ...extra,
  };
}

test("entries link to message pages with lore-escaped Message-IDs; updated is the newest date", () => {
  const xml = messagesToAtom(
    "https://archive.example",
    { id: "/l/new.atom", title: "l", selfPath: "/l/new.atom", alternatePath: "/l/" },
    [message("a/b@x", "2024-01-01T00:00:00Z"), message("c@x", "2024-02-01T00:00:00Z", { subject: "<script>x</script>" })],
  );
  assert.match(xml, /<link[^>]*href="https:\/\/archive\.example\/l\/a%2Fb@x\/"/);
  assert.match(xml, /<updated>2024-02-01T00:00:00(\.000)?Z<\/updated>/);
  assert.ok(!xml.includes("<script>"), "subject is escaped");
  assert.ok(xml.includes("&lt;script&gt;"));
});

test("long bodies are cut in the summary", () => {
  const xml = messagesToAtom("https://a", { id: "/x", title: "t", selfPath: "/x", alternatePath: "/" }, [
    message("m@x", "2024-01-01T00:00:00Z", { bodyText: "y".repeat(5000) }),
  ]);
  assert.ok(xml.includes("[...]"));
  assert.ok(!xml.includes("y".repeat(2001)));
});
