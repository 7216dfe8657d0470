// Compiles a parsed search (lib/search/query-parse.ts) into a SQL boolean expression
// over the alias `m` of Message, with text terms answered by the FTS5 index
// message_fts. User text reaches SQL only as bound parameters.

import { QueryError, type Field, type QueryNode } from "../../search/query-parse";

export interface CompiledQuery {
  /** Boolean SQL expression over `m` (the Message table), with `?` placeholders. */
  where: string;
  /** In placeholder order. Dates are Date objects: convert them to the stored form (lib/store/sqlite/sql-date.ts). */
  params: (string | number | Date)[];
}

type Param = string | number | Date;

const COLUMNS: Readonly<Record<Field, string>> = {
  subject: "{subject}",
  from: "{fromName fromAddr}",
  to: "{toAddrs}",
  cc: "{ccAddrs}",
  // public-inbox's a: searches the From, To and Cc headers, names included.
  addr: "{fromName fromAddr toAddrs ccAddrs}",
  body: "{bodyText}",
  subjectBody: "{subject bodyText}",
  // lore's default for bare terms is subject + body, not addresses.
  any: "{subject bodyText}",
};

// The AST from parseQuery is at most a few levels deeper than QUERY_LIMITS.maxDepth;
// this bound is for hand-built trees.
const MAX_DEPTH = 100;

/**
 * Quotes one user term or phrase as an FTS5 string, so every character in it
 * is literal and the tokenizer splits it (`ima_appraise` → the phrase "ima appraise").
 */
export function toFtsString(text: string): string {
  // SQLite's FTS5 expression parser stops at NUL ("unterminated string");
  // NUL is a token separator anyway.
  return '"' + text.replace(/\0/g, " ").replace(/"/g, '""') + '"';
}

// unicode61's token characters are letters, numbers and private-use ones
// (categories L* N* Co); a term without any is an empty FTS5 phrase, which
// matches nothing and would make `foo ***` find nothing. Where SQLite's older
// Unicode tables disagree with JS, the empty phrase is harmless (no syntax error).
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;

// A compiled subtree: an FTS5 expression, the negation of one (FTS5 NOT is
// binary, so it waits for a positive partner), or plain SQL.
type Part =
  | { kind: "fts"; expr: string }
  | { kind: "notFts"; expr: string }
  | { kind: "sql"; where: string; params: Param[] };

export function compileQuery(node: QueryNode): CompiledQuery {
  const part = compile(node, 0);
  if (part === null) throw new QueryError("nothing to search for", 0);
  return toSql(part);
}

function compile(node: QueryNode, depth: number): Part | null {
  if (depth > MAX_DEPTH) throw new QueryError("Query nested too deeply", 0);
  switch (node.type) {
    case "term":
      if (!TOKEN_CHAR.test(node.text)) return null; // `***`, `:` — nothing to match
      return { kind: "fts", expr: `${COLUMNS[node.field]}: ${toFtsString(node.text)}` };
    case "mid":
      return node.mid === "" ? null : { kind: "sql", where: "m.messageId = ?", params: [node.mid] };
    case "date": {
      const conds: string[] = [];
      const params: Param[] = [];
      if (node.from !== null) {
        conds.push("m.date >= ?");
        params.push(node.from);
      }
      if (node.to !== null) {
        conds.push("m.date < ?");
        params.push(node.to);
      }
      if (conds.length === 0) return null;
      return { kind: "sql", where: conds.length === 1 ? (conds[0] ?? "") : `(${conds.join(" AND ")})`, params };
    }
    case "not": {
      const inner = compile(node.child, depth + 1);
      if (inner === null) return null;
      if (inner.kind === "fts") return { kind: "notFts", expr: inner.expr };
      if (inner.kind === "notFts") return { kind: "fts", expr: inner.expr };
      return { kind: "sql", where: `NOT (${inner.where})`, params: inner.params };
    }
    case "and":
    case "or": {
      const fts: string[] = [];
      const notFts: string[] = [];
      const sql: { where: string; params: Param[] }[] = [];
      for (const child of node.children) {
        const part = compile(child, depth + 1);
        if (part === null) continue;
        if (part.kind === "fts") fts.push(part.expr);
        else if (part.kind === "notFts") notFts.push(part.expr);
        else sql.push(part);
      }
      return node.type === "and" ? compileAnd(fts, notFts, sql) : compileOr(fts, notFts, sql);
    }
  }
}

// All text children of an AND go into one MATCH: `(a AND b) NOT (c OR d)`.
function compileAnd(fts: string[], notFts: string[], sql: { where: string; params: Param[] }[]): Part | null {
  const parts = [...sql];
  if (fts.length > 0) {
    let expr = join(fts, "AND");
    if (notFts.length > 0) expr = `(${expr} NOT ${join(notFts, "OR")})`;
    if (parts.length === 0) return { kind: "fts", expr };
    parts.unshift(matchSql(expr));
  } else if (notFts.length > 0) {
    const expr = join(notFts, "OR");
    if (parts.length === 0) return { kind: "notFts", expr };
    parts.push(toSql({ kind: "notFts", expr }));
  }
  return joinSql(parts, "AND");
}

function compileOr(fts: string[], notFts: string[], sql: { where: string; params: Param[] }[]): Part | null {
  if (fts.length > 0 && notFts.length === 0 && sql.length === 0) return { kind: "fts", expr: join(fts, "OR") };
  const parts = [...sql];
  if (fts.length > 0) parts.unshift(matchSql(join(fts, "OR")));
  // FTS5 cannot say "a OR NOT b": each negation becomes SQL NOT.
  for (const expr of notFts) parts.push(toSql({ kind: "notFts", expr }));
  return joinSql(parts, "OR");
}

// Operands are column-filtered phrases or already parenthesised, so one
// operator per group makes FTS5's precedence irrelevant.
function join(exprs: string[], op: "AND" | "OR"): string {
  return exprs.length === 1 ? (exprs[0] ?? "") : `(${exprs.join(` ${op} `)})`;
}

function joinSql(parts: { where: string; params: Param[] }[], op: "AND" | "OR"): Part | null {
  if (parts.length === 0) return null;
  const first = parts[0];
  if (parts.length === 1 && first !== undefined) return { kind: "sql", ...first };
  return {
    kind: "sql",
    where: `(${parts.map((p) => p.where).join(` ${op} `)})`,
    params: parts.flatMap((p) => p.params),
  };
}

// Full-text rowids are search keys (the mail_once migration), mapped to Message ids.
function matchSql(expr: string): { where: string; params: Param[] } {
  return {
    where: `m.id IN (SELECT messageId FROM message_search_key WHERE sortKey IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?))`,
    params: [expr],
  };
}

/** A query the full-text index answers alone, in date order: one MATCH, and a date range. */
export interface TextQuery {
  match: string;
  /** m.date >= from */
  from: Date | null;
  /** m.date < to */
  to: Date | null;
}

/**
 * The query as a TextQuery when it is one: text terms (any AND/OR/NOT of
 * them with at least one positive) and d: ranges ANDed to them. Everything
 * else (m:, a lone d:, OR with a date, NOT alone) is null: compileQuery's SQL.
 */
export function compileTextQuery(node: QueryNode): TextQuery | null {
  const children = node.type === "and" ? node.children : [node];
  let from: Date | null = null;
  let to: Date | null = null;
  const text: QueryNode[] = [];
  for (const child of children) {
    if (child.type !== "date") {
      text.push(child);
      continue;
    }
    if (child.from !== null && (from === null || child.from > from)) from = child.from;
    if (child.to !== null && (to === null || child.to < to)) to = child.to;
  }
  if (text.length === 0) return null;
  const part = compile(text.length === 1 ? text[0]! : { type: "and", children: text }, 0);
  return part?.kind === "fts" ? { match: part.expr, from, to } : null;
}

function toSql(part: Part): CompiledQuery {
  if (part.kind === "fts") return matchSql(part.expr);
  if (part.kind === "notFts") {
    const m = matchSql(part.expr);
    return { where: `NOT (${m.where})`, params: m.params };
  }
  return { where: part.where, params: part.params };
}
