// Conditional GET for route handlers (raw, t.mbox.gz, Atom, attachments):
// archived mail never changes, so a strong ETag plus Last-Modified lets
// clients and caches revalidate with a 304 instead of a download.

export interface Validators {
  etag: string;
  lastModified: Date | null;
}

export function cacheHeaders(v: Validators): Record<string, string> {
  const headers: Record<string, string> = { ETag: v.etag, "Cache-Control": "public, max-age=60, must-revalidate" };
  if (v.lastModified) headers["Last-Modified"] = v.lastModified.toUTCString();
  return headers;
}

/** True when the client's copy is current (RFC 9110 §13.1: If-None-Match wins over If-Modified-Since). */
export function isNotModified(request: Request, v: Validators): boolean {
  const inm = request.headers.get("if-none-match");
  if (inm !== null) {
    return inm.trim() === "*" || inm.split(",").some((tag) => tag.trim().replace(/^W\//, "") === v.etag);
  }
  const ims = request.headers.get("if-modified-since");
  if (ims !== null && v.lastModified) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(v.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

export function notModified(v: Validators): Response {
  return new Response(null, { status: 304, headers: cacheHeaders(v) });
}

export function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
