// lore's URLs end Message-ID pages with a slash and serve /raw without one;
// Next's own trailing-slash redirect would fight that (proxy.ts answers the
// lore way instead).
/**
 * Mail never becomes markup (React text only; tests/hostile and test/fuzz
 * check it); this policy is the second line. No plugins, no <base>, no
 * framing, no forms or fetches to other origins, images and scripts from this
 * origin only, and no inline event handlers (script-src-attr 'none'): the
 * classic mail-archive XSS is an onerror= or onload= that slipped through.
 *
 * Inline <script> elements are allowed: Next inlines its bootstrap and the
 * page's RSC payload (page-specific, so no hash list can cover them), and
 * message, thread and index pages are cached (ISR), so the per-request nonce
 * that would replace 'unsafe-inline' cannot match the cached HTML (verified:
 * a nonce policy blocked every script of a cached page). If pages go back to
 * per-request rendering, a nonce set in proxy.ts can replace 'unsafe-inline'.
 */
function contentSecurityPolicy() {
  // `next dev` evaluates code (React's debugging aids) and injects <style>
  // elements (its error overlay); production builds do neither.
  const dev = process.env.NODE_ENV !== "production";
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "script-src-attr 'none'",
    `style-src 'self'${dev ? " 'unsafe-inline'" : ""}`,
    // The thread views indent replies with style attributes; no mail CSS reaches a page.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  skipTrailingSlashRedirect: true,
  serverExternalPackages: ["better-sqlite3"],
  poweredByHeader: false,
  // The e2e server builds into its own folder so it never disturbs a demo build.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // The build checks the app's own code; `npm run typecheck` (part of
  // `npm test`) checks everything, tests and benchmarks included.
  typescript: { tsconfigPath: "tsconfig.app.json" },
  // Every response, assets included (SECURITY.md).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          // Mail bytes served as text/plain or octet-stream are never sniffed into HTML.
          { key: "X-Content-Type-Options", value: "nosniff" },
          // No framing (clickjacking); CSP frame-ancestors says the same to newer browsers.
          { key: "X-Frame-Options", value: "DENY" },
          // Message URLs hold Message-IDs and search URLs queries: keep them on this site.
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()" },
          { key: "Content-Security-Policy", value: contentSecurityPolicy() },
        ],
      },
      // Attachment downloads (/<list>/<mid>/<N>-<name>, see proxy.ts) keep the
      // route's own policy: a later rule wins, and the page policy above would
      // otherwise replace the sandbox.
      {
        source: "/:list/:mid/:file(\\d{1,4}-.*)",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; sandbox" }],
      },
    ];
  },
};

export default nextConfig;
