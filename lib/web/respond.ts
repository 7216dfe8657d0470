// Writing responses: security headers on every one, conditional requests
// (304), HEAD without a body, and gzip for text when the client accepts it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";

export interface Validators {
  etag: string;
  lastModified: Date | null;
}

/**
 * Mail never becomes markup (React text only; the hostile-mail tests check
 * it); this policy is the second line. Pages need no script at all, so none
 * may run; styles come from the archive's own stylesheet (the thread views
 * indent with style attributes); no framing, no plugins, no <base>.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Attachments are shown by no one: a sandbox without scripts, styles or forms. */
export const ATTACHMENT_CSP = "default-src 'none'; sandbox";

const SECURITY_HEADERS: Record<string, string> = {
  // Mail bytes served as text/plain or octet-stream are never sniffed into HTML.
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  // Message URLs hold Message-IDs and search URLs queries: keep them on this site.
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
};

/** Archived mail changes only by new arrivals: caches may keep a copy a minute, then revalidate. */
export const REVALIDATE = "public, max-age=60, must-revalidate";

export interface Reply {
  status: number;
  type?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable | null;
  validators?: Validators;
  /** Precompressed gzip of `body`, used when the client accepts gzip. */
  gzip?: () => Buffer;
}

export function validatorHeaders(v: Validators): Record<string, string> {
  const headers: Record<string, string> = { ETag: v.etag, "Cache-Control": REVALIDATE };
  if (v.lastModified) headers["Last-Modified"] = v.lastModified.toUTCString();
  return headers;
}

/** True when the client's copy is current (RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since). */
export function isFresh(headers: IncomingMessage["headers"], v: Validators): boolean {
  const inm = headers["if-none-match"];
  if (inm !== undefined) {
    // The gzipped body has its own tag (see send); either answers for the resource.
    return inm.trim() === "*" || inm.split(",").some((tag) => tag.trim().replace(/^W\//, "").replace(/-gz"$/, '"') === v.etag);
  }
  const ims = headers["if-modified-since"];
  if (ims !== undefined && v.lastModified) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(v.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, type: "text/plain; charset=utf-8", body, headers: { "Cache-Control": "no-store", ...headers } };
}

const COMPRESSIBLE = /^(?:text\/|application\/(?:atom\+xml|xml|json))/;
const MIN_GZIP_BYTES = 1024;

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers["accept-encoding"];
  return typeof ae === "string" && /\bgzip\b/.test(ae) && !/\bgzip\s*;\s*q=0(?:\.0*)?(?![.\d])/.test(ae);
}

export async function send(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
  // A reply's own headers (an attachment's sandbox, a Cache-Control) win over the defaults.
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "Content-Security-Policy": PAGE_CSP,
    ...(reply.validators ? validatorHeaders(reply.validators) : {}),
    ...reply.headers,
  };
  if (reply.type) headers["Content-Type"] = reply.type;
  const compressible = COMPRESSIBLE.test(headers["Content-Type"] ?? "");
  // A 304 carries the Vary its 200 would (RFC 9110 §15.4.5).
  if (compressible) headers.Vary = "Accept-Encoding";
  if (reply.status === 200 && reply.validators && isFresh(req.headers, reply.validators)) {
    if (reply.body instanceof Readable) reply.body.destroy();
    res.writeHead(304, stripBodyHeaders(headers));
    res.end();
    return;
  }
  let body = reply.body ?? null;
  if (typeof body === "string") body = Buffer.from(body);
  if (Buffer.isBuffer(body)) {
    if (compressible && body.length >= MIN_GZIP_BYTES && acceptsGzip(req)) {
      body = reply.gzip ? reply.gzip() : gzipSync(body, { level: 6 });
      headers["Content-Encoding"] = "gzip";
      // A strong validator names one representation: the gzipped one gets its own.
      if (headers.ETag) headers.ETag = headers.ETag.replace(/"$/, '-gz"');
    }
    headers["Content-Length"] = String(body.length);
    res.writeHead(reply.status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  res.writeHead(reply.status, headers);
  if (body === null || req.method === "HEAD") {
    if (body instanceof Readable) body.destroy();
    res.end();
    return;
  }
  // A client that goes away mid-download ends the pipeline; nothing to report.
  await pipeline(body, res).catch(() => {});
}

function stripBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const { "Content-Type": _t, "Content-Length": _l, "Content-Disposition": _d, ...rest } = headers;
  return rest;
}
