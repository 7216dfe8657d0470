// libmime (nodemailer's MIME helpers, also mailparser's) ships no types; only
// what lib/series/am-mbox.ts uses is declared. It is CommonJS exporting one
// object, so it is imported whole.
declare module "libmime" {
  const libmime: {
    /** Encodes the non-ASCII words of a header value as RFC 2047 encoded words. */
    encodeWords(value: string, mimeWordEncoding?: "Q" | "B", maxLength?: number): string;
    /** Encodes the whole value as RFC 2047 encoded words. */
    encodeWord(value: string, mimeWordEncoding?: "Q" | "B", maxLength?: number): string;
  };
  export default libmime;
}
