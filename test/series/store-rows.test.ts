import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { readSource } from "../../lib/ingest/mail-sources";
import { parseAll } from "../../lib/ingest/parse-pool";
import type { ThreadMail } from "../../lib/series/review";
import { patchMailSubject, seriesRecord, seriesRows, seriesRowsOf, toSeriesMail, MAX_TRAILERS_PER_REPLY } from "../../lib/series/store-rows";
import { extractReplyTrailers } from "../../lib/series/trailers";
import { groupSeries } from "../../lib/series/versions";
import { directParent } from "../../lib/threading/merge-guard";

const root = path.resolve(import.meta.dirname, "../..");

describe("seriesRecord", () => {
  test("a patch or cover letter is a patch mail, with its change-id", () => {
    const record = seriesRecord({ subject: "[PATCH v2 1/3] ima: fix", bodyText: "text\n\nchange-id: 20240101-topic-0123456789ab\n" });
    assert.deepEqual(record.patchMail, {
      revision: 2, counter: 1, total: 3, rfc: false, resend: false, isPullRequest: false, prefixes: "",
      normalizedTitle: "ima: fix", changeId: "20240101-topic-0123456789ab",
    });
  });
  test("a reply, a pull request or plain mail gives its trailers, at most MAX_TRAILERS_PER_REPLY", () => {
    assert.equal(patchMailSubject("Re: [PATCH] ima: fix"), null);
    assert.equal(patchMailSubject("[GIT PULL] integrity"), null);
    const body = Array.from({ length: 100 }, (_, i) => `Reviewed-by: R${i} <r${i}@example.org>`).join("\n");
    const record = seriesRecord({ subject: "Re: [PATCH] ima: fix", bodyText: `Looks good.\n\n${body}\n` });
    assert.equal(record.patchMail, undefined);
    assert.equal(record.trailers?.length, Math.min(MAX_TRAILERS_PER_REPLY, extractReplyTrailers(`Looks good.\n\n${body}\n`).length));
    assert.ok((record.trailers?.length ?? 0) > 0);
  });
});

describe("seriesRowsOf", () => {
  test("gives each series' rows as seriesRows does with every member, on the sample and the series fixtures", async () => {
    const sources = [
      path.join(root, "samples", "linux-integrity-sample.mbox.gz"),
      ...fs.readdirSync(path.join(root, "test/fixtures/series")).filter((f) => f.endsWith(".mbox")).map((f) => path.join(root, "test/fixtures/series", f)),
    ];
    async function* raws() {
      for (const source of sources) yield* readSource(source);
    }
    const messages = [];
    for await (const message of parseAll(raws(), 0)) if (message.parsed?.messageId) messages.push(message.parsed);
    // Threads: connected components of Message-IDs and their references (no guard: this is about series).
    const parent = new Map<string, string>();
    const find = (mid: string): string => {
      let m = mid;
      while (parent.has(m) && parent.get(m) !== m) m = parent.get(m) as string;
      return m;
    };
    for (const p of messages) for (const ref of p.references) parent.set(find(ref), find(p.messageId as string));
    const threadIds = new Map<string, number>();
    const threadOf = (mid: string) => {
      const key = find(mid);
      if (!threadIds.has(key)) threadIds.set(key, threadIds.size + 1);
      return threadIds.get(key) as number;
    };
    const members: ThreadMail[] = [];
    const mails = [];
    for (const [id, p] of messages.entries()) {
      const mid = p.messageId as string;
      const { patchMail, trailers } = seriesRecord(p);
      members.push({ id, mid, parentMid: directParent(p.references, p.inReplyTo, mid), date: p.date ?? new Date(0), isPatchMail: patchMail !== undefined, trailers: trailers ?? [] });
      if (patchMail !== undefined) {
        mails.push(toSeriesMail({ id, mid, threadId: threadOf(mid), date: p.date ?? new Date(0), fromAddr: p.fromAddr, inReplyTo: p.inReplyTo, subject: p.subject, changeId: patchMail.changeId }));
      }
    }
    const groups = groupSeries(mails);
    assert.ok(groups.length > 20, `${groups.length} series`);
    const fast = seriesRowsOf(groups, members);
    const slow = groups.map((series) => seriesRows(series, members));
    assert.deepEqual(fast, slow);
    assert.ok(slow.some((s) => s.versions.some((v) => v.replyCount > 0 && v.patches.some((p) => p.reviewed + p.acked + p.tested > 0))), "reviews are counted");
  });
});
