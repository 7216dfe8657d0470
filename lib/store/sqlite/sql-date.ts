// Dates as the SQLite store holds them. Prisma's SQLite adapter writes
// DateTime as ISO-8601 text with "+00:00"; raw SQL (ingest, search) must write
// and compare the very same form or ORDER BY and range filters go wrong.

// Date.parse, not Date.UTC: Date.UTC(1, 0, 1) means 1901 (years 0-99 are 19xx).
const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

export function toSqlDate(date: Date): string {
  // Lexical order equals time order only for four-digit years.
  const time = Math.min(Math.max(date.getTime(), MIN_TIME), MAX_TIME);
  return new Date(time).toISOString().replace("Z", "+00:00");
}

// SQLite's own date functions write "YYYY-MM-DD HH:MM:SS", meaning UTC; JS
// would read that form as local time.
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

export function fromSqlDate(value: string | number | null): Date | null {
  if (value === null) return null;
  const date = new Date(typeof value === "string" && NO_ZONE.test(value) ? `${value.replace(" ", "T")}Z` : value);
  return Number.isNaN(date.getTime()) ? null : date;
}
