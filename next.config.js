// lore's URLs end Message-ID pages with a slash and serve /raw without one;
// Next's own trailing-slash redirect would fight that (proxy.ts answers the
// lore way instead).
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
};

export default nextConfig;
