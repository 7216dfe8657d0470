// Headers for serving an attachment that can never make mail content run on
// the archive's origin.

// Text shows as text (patches, logs); everything else downloads as opaque
// bytes. HTML, SVG and XML from mail are scriptable: never served as such.
export function safeContentType(contentType: string): string {
  const type = contentType.toLowerCase().split(";")[0]!.trim();
  if (type.startsWith("text/") && type !== "text/html" && type !== "text/xml") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/** RFC 6266 with an ASCII fallback and the UTF-8 name (RFC 8187). */
export function contentDisposition(filename: string | null): string {
  // A lone surrogate (broken UTF-16 from a mangled header) would make
  // encodeURIComponent throw: replace it like a decoder would.
  const name = (filename ?? "attachment.bin").replace(/[\u0000-\u001f\u007f/\\]/g, "_").replace(/\p{Cs}/gu, "\uFFFD");
  const ascii = name.replace(/[^\x20-\x7e]|["%;]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
