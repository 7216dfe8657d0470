// Dates as the SQLite store holds them. Prisma's SQLite adapter writes
// DateTime as ISO-8601 text with "+00:00"; raw SQL (ingest, search) must write
// and compare the very same form or ORDER BY and range filters go wrong.

const MIN_TIME = Date.UTC(1, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31);

export function toSqlDate(date: Date): string {
  // Lexical order equals time order only for four-digit years.
  const time = Math.min(Math.max(date.getTime(), MIN_TIME), MAX_TIME);
  return new Date(time).toISOString().replace("Z", "+00:00");
}

export function fromSqlDate(value: string | number | null): Date | null {
  if (value === null) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
