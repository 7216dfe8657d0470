// Compiles a parsed search (lib/search/query-parse.ts) into a PostgreSQL
// boolean expression over the alias `m` of "Message", with the same meaning as
// the SQLite compiler (lib/store/sqlite/query-compile.ts) gives it over FTS5.
// Text terms are answered by m."fts", the vector lib/store/postgres/search-vector.ts
// builds, through one tsquery per subtree; user text reaches SQL only inside
// bound parameters.
//
// The tsquery is written as a literal and cast (`$1::tsquery`), not made by
// to_tsquery(): to_tsquery would run PostgreSQL's parser and dictionaries over
// the words, and the vector holds lib/mail/tokenizer.ts's tokens, unstemmed.
//
// Differences from FTS5 that remain are those of the tokenizer and the vector's
// limits (both documented where they are decided); the boolean logic is the
// same, with one SQL detail: a row whose m."fts" is NULL (never written) matches
// no text term and no negation of one either, where FTS5 would treat it as empty.

import { QueryError, type Field, type QueryNode } from "../../search/query-parse";
import { tokenize } from "../../mail/tokenizer";
import { FIELD_PREFIXES, quoteLexeme, toLexeme } from "./search-vector";

export interface CompiledQuery {
  /** Boolean SQL expression over `m` ("Message"), with $n placeholders from firstParam on. */
  where: string;
  /** In placeholder order: tsquery literals and Message-IDs as strings, dates as Date (for a timestamptz column). */
  params: (string | Date)[];
}

type Param = string | Date;

// Which lexemes a field searches: the prefixes its tokens are stored under
// (lib/store/postgres/search-vector.ts). No weights: a weight in a tsquery
// makes PostgreSQL recheck every row the index finds.
const { subject: S, fromName: F, toAddrs: T, ccAddrs: C, bodyText: B } = FIELD_PREFIXES;
const FIELDS: Readonly<Record<Field, readonly string[]>> = {
  subject: [S],
  from: [F],
  to: [T],
  cc: [C],
  // public-inbox's a: searches the From, To and Cc headers, names included.
  addr: [F, T, C],
  body: [B],
  subjectBody: [S, B],
  // lore's default for bare terms is subject + body, not addresses.
  any: [S, B],
};

// The AST from parseQuery is at most a few levels deeper than QUERY_LIMITS.maxDepth;
// this bound is for hand-built trees (as in the SQLite compiler).
const MAX_DEPTH = 100;

// Dates as the SQLite store clamps them (lib/store/sqlite/sql-date.ts): four-digit
// years, which every driver writes and PostgreSQL reads (`d:..999999.weeks.ago`,
// 19,000 years back, would otherwise be a year PostgreSQL rejects as out of range).
const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

const FTS_MATCH = 'm."fts" @@ ?::tsquery';

// A compiled subtree: a tsquery expression, or plain SQL (with `?` where its
// params go; they are numbered once the whole expression is built).
type Part = { kind: "ts"; expr: string } | { kind: "sql"; where: string; params: Param[] };

/**
 * The WHERE condition of a parsed query. Throws QueryError "nothing to search
 * for" when no term is left (every one was like `***`), as the SQLite compiler does.
 */
export function compileQuery(node: QueryNode, firstParam = 1): CompiledQuery {
  const part = compile(node, 0);
  if (part === null) throw new QueryError("nothing to search for", 0);
  const { where, params } = toSql(part);
  let n = firstParam;
  // `?` only ever comes from this module's SQL: user text is in params.
  return { where: where.replace(/\?/g, () => `$${n++}`), params };
}

/**
 * The tsquery literal of one term: its tokens as a phrase (`ima_appraise` is
 * 'ima' <-> 'appraise') under each of the field's prefixes; null when the text
 * has no token (`***`): such a term is dropped, as the SQLite compiler drops it.
 */
export function termQuery(field: Field, text: string): string | null {
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  const alternatives = FIELDS[field].map((prefix) => phrase(tokens.map((t) => quoteLexeme(toLexeme(t, prefix)))));
  return alternatives.length === 1 ? (alternatives[0] ?? "") : `(${alternatives.join(" | ")})`;
}

function phrase(lexemes: string[]): string {
  return lexemes.length === 1 ? (lexemes[0] ?? "") : `(${lexemes.join(" <-> ")})`;
}

function compile(node: QueryNode, depth: number): Part | null {
  if (depth > MAX_DEPTH) throw new QueryError("Query nested too deeply", 0);
  switch (node.type) {
    case "term": {
      const expr = termQuery(node.field, node.text);
      return expr === null ? null : { kind: "ts", expr };
    }
    case "mid":
      return node.mid === "" ? null : { kind: "sql", where: 'm."messageId" = ?', params: [node.mid] };
    case "date": {
      const conds: string[] = [];
      const params: Param[] = [];
      if (node.from !== null) {
        conds.push('m."date" >= ?');
        params.push(clampDate(node.from));
      }
      if (node.to !== null) {
        conds.push('m."date" < ?');
        params.push(clampDate(node.to));
      }
      if (conds.length === 0) return null;
      return { kind: "sql", where: conds.length === 1 ? (conds[0] ?? "") : `(${conds.join(" AND ")})`, params };
    }
    case "not": {
      const inner = compile(node.child, depth + 1);
      if (inner === null) return null;
      // tsquery's ! is a full NOT (unlike FTS5's binary one): `!'a'` alone and
      // `'a' | !'b'` mean what they say, in one index condition.
      if (inner.kind === "ts") return { kind: "ts", expr: `!${inner.expr}` };
      return { kind: "sql", where: `NOT (${inner.where})`, params: inner.params };
    }
    case "and":
    case "or": {
      const ts: string[] = [];
      const sql: { where: string; params: Param[] }[] = [];
      for (const child of node.children) {
        const part = compile(child, depth + 1);
        if (part === null) continue;
        if (part.kind === "ts") ts.push(part.expr);
        else sql.push(part);
      }
      const op = node.type === "and" ? "&" : "|";
      const text: Part | null =
        ts.length === 0 ? null : { kind: "ts", expr: ts.length === 1 ? (ts[0] ?? "") : `(${ts.join(` ${op} `)})` };
      if (sql.length === 0) return text;
      // All text children of a node go into one tsquery, first, as in the SQLite compiler.
      const parts = text === null ? sql : [toSql(text), ...sql];
      const first = parts[0];
      if (parts.length === 1 && first !== undefined) return { kind: "sql", ...first };
      const sqlOp = node.type === "and" ? "AND" : "OR";
      return {
        kind: "sql",
        where: `(${parts.map((p) => p.where).join(` ${sqlOp} `)})`,
        params: parts.flatMap((p) => p.params),
      };
    }
  }
}

function toSql(part: Part): { where: string; params: Param[] } {
  if (part.kind === "ts") return { where: FTS_MATCH, params: [part.expr] };
  return { where: part.where, params: part.params };
}

function clampDate(date: Date): Date {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new QueryError("Bad date", 0); // never from the parser; a hand-built tree may hold one
  return time < MIN_TIME ? new Date(MIN_TIME) : time > MAX_TIME ? new Date(MAX_TIME) : date;
}
