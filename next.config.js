// lore's URLs end Message-ID pages with a slash and serve /raw without one;
// Next's own trailing-slash redirect would fight that (proxy.ts answers the
// lore way instead).
/** @type {import('next').NextConfig} */
const nextConfig = {
  skipTrailingSlashRedirect: true,
  serverExternalPackages: ["better-sqlite3"],
  poweredByHeader: false,
};

export default nextConfig;
