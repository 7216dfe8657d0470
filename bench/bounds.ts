// npm run bench:bounds: the wall-clock side of the bounded-cost tests. The
// unit tests assert sizes and outcomes on pathological input (a slow shared CI
// machine must not fail them); this prints how long the same inputs take, with
// the budget each must stay under and PASS/FAIL, so a quadratic regression
// shows here as a number.
import { renderToStaticMarkup } from "react-dom/server";
import { createElement } from "react";
import { MessageBody } from "../app/_ui/message-body";
import { extractMids } from "../lib/mail/mid";
import { parseMessage } from "../lib/mail/mime";
import { compileQuery } from "../lib/store/sqlite/query-compile";
import { parseQuery, QueryError, QUERY_LIMITS } from "../lib/search/query-parse";
import { renderBody } from "../lib/mail/render";
import { makeSnippet } from "../lib/mail/snippet";

interface Case {
  name: string;
  budgetMs: number;
  run: () => unknown;
}

const HOSTILE = "<script>alert(1)</script>https://a.example/?q=\"><x>> > quoted\ndiff --git a/f b/f\n@@ -1 +1 @@\n+é😀\u202e";

function queryOrError(q: string): void {
  try {
    compileQuery(parseQuery(q));
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
  }
}

const cases: Case[] = [
  { name: "renderBody, 400 kB of hostile tokens", budgetMs: 1500, run: () => renderBody(HOSTILE.repeat(Math.ceil(400_000 / HOSTILE.length)).slice(0, 400_000)) },
  { name: "renderBody, one 1 MB line", budgetMs: 1500, run: () => renderBody("x".repeat(1 << 20)) },
  {
    name: "MessageBody markup, 1 MB one-line body",
    budgetMs: 3000,
    run: () => renderToStaticMarkup(createElement(MessageBody, { text: `${"word ".repeat(200_000)}https://x.example/` })),
  },
  {
    name: "MessageBody markup, 1 MB of '<b>' on one line",
    budgetMs: 3000,
    run: () => renderToStaticMarkup(createElement(MessageBody, { text: "<b>".repeat((1 << 20) / 3) })),
  },
  { name: "extractMids, 100,000 unclosed ( and <", budgetMs: 1000, run: () => extractMids("(".repeat(50_000) + "<".repeat(50_000) + "<a@b>") },
  { name: "parseQuery, 10,000 '('", budgetMs: 500, run: () => queryOrError("(".repeat(10_000)) },
  { name: "parseQuery, 3,000 NOTs", budgetMs: 500, run: () => queryOrError(Array(3000).fill("NOT").join(" ")) },
  { name: "parseQuery, at the length limit", budgetMs: 500, run: () => queryOrError("a ".repeat(QUERY_LIMITS.maxLength / 2)) },
  { name: "parseQuery, 450 ANDs and 40 empty groups", budgetMs: 500, run: () => queryOrError("a " + "AND ".repeat(450) + "() ".repeat(40)) },
  {
    name: "makeSnippet, 600 kB identifier body, 64 terms",
    budgetMs: 2000,
    run: () => makeSnippet("a_".repeat(300_000), Array.from({ length: 64 }, (_, i) => `a_${"a_".repeat(i % 30)}b`)),
  },
  { name: "makeSnippet, 64k accented characters", budgetMs: 2000, run: () => makeSnippet("é".repeat(65_536), ["e e e"]) },
  {
    name: "parseMessage, 30,000 recipients on one line",
    budgetMs: 3000,
    run: () => parseMessage(Buffer.from(`To: ${Array.from({ length: 30_000 }, (_, i) => `u${i}@example.org`).join(", ")}\nSubject: x\n\nbody\n`)),
  },
  {
    name: "parseMessage, 20,000 References",
    budgetMs: 3000,
    run: () => parseMessage(Buffer.from(`References: ${Array.from({ length: 20_000 }, (_, i) => `<r${i}@x>`).join(" ")}\nSubject: x\n\nbody\n`)),
  },
];

let failed = 0;
console.log(`${"case".padEnd(48)} ${"ms".padStart(8)} ${"budget".padStart(8)}  verdict`);
for (const c of cases) {
  await c.run(); // warm-up: JIT, lazy module state
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await c.run();
    runs.push(performance.now() - started);
  }
  const worst = Math.max(...runs);
  const ok = worst <= c.budgetMs;
  if (!ok) failed++;
  console.log(`${c.name.padEnd(48)} ${worst.toFixed(1).padStart(8)} ${String(c.budgetMs).padStart(8)}  ${ok ? "PASS" : "FAIL"}`);
}
console.log(`${cases.length - failed} PASS, ${failed} FAIL (worst of 3 runs after a warm-up)`);
