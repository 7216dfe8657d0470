// wrk (/usr/bin/wrk) as a load generator, and the table formatting, shared by
// the benchmarks that put the same HTTP load on the peer and on us
// (bench/http.ts, bench/search-peer.ts): run `wrk --latency` on one URL and
// read its req/s, p50, p99 and error counts back from its output.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export const WRK = "/usr/bin/wrk";

export interface Load {
  rps: number;
  p50: number; // ms
  p99: number; // ms
  non2xx: number; // wrk counts status >= 400 ("Non-2xx or 3xx responses")
  errors: number; // socket errors: connect, read, write, timeout
}

export function requireWrk(): void {
  if (!fs.existsSync(WRK)) throw new Error(`${WRK} missing: ../shared/peer/setup-peer.sh installs it (apt-get install wrk)`);
}

/** wrk prints latencies as 812.00us, 5.12ms, 1.02s or 1.50m. */
export function toMs(value: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value ?? "");
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

/** `wrk -t<threads> -c<connections> -d<seconds>s --timeout 10s --latency url`, parsed. */
export function wrk(url: string, seconds: number, threads: number, connections: number): Load {
  let out: string;
  try {
    out = execFileSync(
      "timeout",
      [String(seconds + 30), WRK, `-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "--latency", url],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 24 },
    );
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? "");
  }
  const dist = out.slice(out.indexOf("Latency Distribution"));
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1] ?? NaN),
    p50: toMs(/^\s+50%\s+(\S+)/m.exec(dist)?.[1]),
    p99: toMs(/^\s+99%\s+(\S+)/m.exec(dist)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

// ---------------------------------------------------------------------------
// Output

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "?");
export const ms = (n: number) => (!Number.isFinite(n) ? "?" : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
export const ratio = (a: number, b: number) => (Number.isFinite(a / b) && b > 0 ? a / b : NaN);

/** Prints rows as columns: the first column and the last (a path) left-aligned, numbers right-aligned. */
export function table(rows: string[][], lastLeft = false): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) {
    const left = (i: number) => i === 0 || (lastLeft && i === row.length - 1);
    console.log(row.map((cell, i) => (left(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd());
  }
}

/** Every column left-aligned (target tables: words, not numbers). */
export function leftTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}
