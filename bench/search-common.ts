// Small pieces shared by the modes of `npm run bench:search` (bench/search.ts,
// bench/search-peer.ts, bench/search-attack.ts): the list, search URLs in
// lore's spelling, percentiles, hit counts read back from a results page, a
// free port, the load average.
import net from "node:net";
import os from "node:os";

export const LIST = "linux-integrity";

/** `/<list>/?q=…` with lore's `+` for spaces; `extra` is appended as is (`&r`, `&x=m`, `&o=50`). */
export function searchPath(q: string, extra = "", list = LIST): string {
  return `/${list}/?q=${encodeURIComponent(q).replace(/%20/g, "+")}${extra}`;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Our results page: "<h1>1,234 results" ("10,000+" when capped). */
export function resultCount(body: string): string {
  const m = /<h1>([\d,]+\+?)(?:<!-- -->)? results?/.exec(body);
  if (m) return m[1]!;
  if (body.includes("No results found")) return "0";
  return "?";
}

/** public-inbox's results page prints no total: the numbered entries on the page ("1. <b><a"). */
export function peerHitsOnPage(body: string): number {
  return (body.match(/\b\d+\. <b><a\b/g) ?? []).length;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function loadAverage(): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(" ");
}
