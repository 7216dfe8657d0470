// The public origin that absolute URLs (redirect Locations, Atom links, reply
// instructions) are built from. Behind nginx the socket's peer is the proxy,
// so forwarded headers are honoured only when the operator says the proxy is
// trusted: otherwise any client could make the archive print its own host.

export interface OriginConfig {
  /** ARCHIVE_URL, e.g. https://lore.example.org (no path). */
  archiveUrl: string | null;
  /** TRUST_PROXY=1: take X-Forwarded-Host/-Proto from the proxy. */
  trustProxy: boolean;
}

export function readOriginConfig(env: NodeJS.ProcessEnv = process.env): OriginConfig {
  const raw = env.ARCHIVE_URL?.trim();
  let archiveUrl: string | null = null;
  if (raw) {
    const url = new URL(raw); // throws at start on a malformed value: better than wrong links
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`ARCHIVE_URL must be http(s): ${raw}`);
    archiveUrl = url.origin;
  }
  return { archiveUrl, trustProxy: env.TRUST_PROXY === "1" || env.TRUST_PROXY === "true" };
}

// A Host header is a name or an address with an optional port; anything else
// (spaces, slashes, @, quotes) would let a client inject into our links.
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function firstValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(",")[0]?.trim() || undefined;
}

export function publicOrigin(headers: Record<string, string | string[] | undefined>, config: OriginConfig, localPort: number): string {
  if (config.archiveUrl) return config.archiveUrl;
  let proto = "http";
  let host = firstValue(headers.host);
  if (config.trustProxy) {
    const fproto = firstValue(headers["x-forwarded-proto"])?.toLowerCase();
    if (fproto === "https" || fproto === "http") proto = fproto;
    host = firstValue(headers["x-forwarded-host"]) ?? host;
  }
  if (!host || !HOST.test(host)) host = `127.0.0.1:${localPort}`;
  return `${proto}://${host.toLowerCase()}`;
}
