// Parses the search language of lore.kernel.org (public-inbox's Xapian-style
// query syntax, as typed by people and by b4/lei) into a typed AST that
// lib/store/sqlite/query-compile.ts turns into SQL. Pure: no DB, no clock unless `now` is omitted.
//
// Hand-written on purpose: no parser library speaks public-inbox's dialect
// (Xapian prefixes, `d:` approxidate ranges, lenient operators), and a small
// two-stage lexer + recursive descent keeps every limit explicit.

import { normalizeMid } from "../mail/mid";

export type Field = "subject" | "from" | "to" | "cc" | "addr" | "body" | "subjectBody" | "any";

export type QueryNode =
  | { type: "term"; field: Field; text: string; phrase: boolean }
  | { type: "mid"; mid: string }
  | { type: "date"; from: Date | null; to: Date | null } // half-open [from, to)
  | { type: "and"; children: QueryNode[] }
  | { type: "or"; children: QueryNode[] }
  | { type: "not"; child: QueryNode };

/** The only error parseQuery (and compileQuery) throws; `position` is a 0-based index into the query. */
export class QueryError extends Error {
  readonly position: number;
  constructor(message: string, position = 0) {
    super(message);
    this.name = "QueryError";
    this.position = position;
  }
}

// Lengths are JS string lengths. 64 terms is far beyond what b4/lei send
// (at most a handful) and keeps the FTS5 expression small.
export const QUERY_LIMITS: { maxLength: number; maxTerms: number; maxDepth: number } = {
  maxLength: 2000,
  maxTerms: 64,
  maxDepth: 16,
};

const TEXT_PREFIXES: Readonly<Record<string, Field>> = {
  s: "subject",
  f: "from",
  t: "to",
  c: "cc",
  a: "addr",
  b: "body",
  bs: "subjectBody",
};
const MID_PREFIXES = new Set(["m", "mid"]);
// rt: is public-inbox's "received time"; we only store one date, so it is an alias.
const DATE_PREFIXES = new Set(["d", "rt"]);

// A leaf whose field is null takes the field of the enclosing `s:(...)` group, else "any".
type Leaf =
  | { type: "term"; field: Field | null; text: string; phrase: boolean }
  | { type: "mid"; mid: string }
  | { type: "date"; from: Date | null; to: Date | null };

type Token =
  | { t: "open"; pos: number; neg: boolean; field: Field | null }
  | { t: "close"; pos: number }
  | { t: "op"; pos: number; op: "AND" | "OR" | "NOT" }
  // leaf null: something that is legal but means nothing (dangling `-`, `s:` with no value, `""`).
  | { t: "leaf"; pos: number; neg: boolean; leaf: Leaf | null };

export function parseQuery(q: string, now: Date = new Date()): QueryNode {
  if (typeof q !== "string" || q.trim() === "") throw new QueryError("empty query", 0);
  if (q.length > QUERY_LIMITS.maxLength) {
    throw new QueryError(
      `Query too long (${q.length} characters, at most ${QUERY_LIMITS.maxLength})`,
      QUERY_LIMITS.maxLength,
    );
  }
  const tokens = lex(q, now);
  const node = new Parser(tokens).parseTop();
  if (node === null) throw new QueryError("nothing to search for", 0);
  return node;
}

// ---------------------------------------------------------------- lexer

// Control characters count as separators: a NUL would otherwise end the FTS5
// expression string early inside SQLite ("unterminated string").
function isSep(c: string | undefined): boolean {
  return c !== undefined && (/\s/u.test(c) || c < " " || c === "\u007f");
}

// A word ends at a separator or a parenthesis; a `"` inside a word is literal
// (FTS5 tokenises it away), only a leading one opens a phrase.
function isWordEnd(c: string | undefined): boolean {
  return c === undefined || isSep(c) || c === "(" || c === ")";
}

function lex(q: string, now: Date): Token[] {
  const tokens: Token[] = [];
  let terms = 0;
  let i = 0;
  const n = q.length;

  const readWord = (from: number): number => {
    let j = from;
    while (!isWordEnd(q[j])) j++;
    return j;
  };
  const readQuoted = (quotePos: number): { text: string; end: number } => {
    const close = q.indexOf('"', quotePos + 1);
    if (close < 0) throw new QueryError(`Unbalanced quote at column ${quotePos + 1}`, quotePos);
    return { text: q.slice(quotePos + 1, close), end: close + 1 };
  };
  const pushLeaf = (pos: number, neg: boolean, leaf: Leaf | null): void => {
    if (leaf !== null && ++terms > QUERY_LIMITS.maxTerms) {
      throw new QueryError(`Too many search terms (at most ${QUERY_LIMITS.maxTerms})`, pos);
    }
    tokens.push({ t: "leaf", pos, neg, leaf });
  };

  while (i < n) {
    const c = q[i];
    if (isSep(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "(") {
      tokens.push({ t: "open", pos: i, neg: false, field: null });
      i++;
      continue;
    }
    if (c === ")") {
      tokens.push({ t: "close", pos: i });
      i++;
      continue;
    }

    // `-x` is NOT x and `+x` is a plain required term (Xapian's default AND).
    let neg = false;
    if (c === "-" || c === "+") {
      neg = c === "-";
      while (q[i] === "-" || q[i] === "+") i++;
      if (isSep(q[i]) || q[i] === undefined || q[i] === ")") continue; // dangling: ignored like lore
      if (q[i] === "(") {
        tokens.push({ t: "open", pos: start, neg, field: null });
        i++;
        continue;
      }
    }

    if (q[i] === '"') {
      const { text, end } = readQuoted(i);
      pushLeaf(start, neg, text.trim() === "" ? null : { type: "term", field: null, text, phrase: true });
      i = end;
      continue;
    }

    const prefix = /^([a-z]+):/.exec(q.slice(i, i + 8));
    const name = prefix?.[1];
    const field = name !== undefined && Object.hasOwn(TEXT_PREFIXES, name) ? TEXT_PREFIXES[name] : undefined;
    if (name !== undefined && (field !== undefined || MID_PREFIXES.has(name) || DATE_PREFIXES.has(name))) {
      const v = i + name.length + 1; // first character of the value
      if (q[v] === "(") {
        if (field === undefined) throw new QueryError(`${name}: cannot apply to a group at column ${v + 1}`, v);
        tokens.push({ t: "open", pos: start, neg, field });
        i = v + 1;
        continue;
      }
      let value: string;
      let quoted = false;
      if (q[v] === '"') {
        const r = readQuoted(v);
        value = r.text;
        quoted = true;
        i = r.end;
      } else if (MID_PREFIXES.has(name) && q[v] === "<") {
        // Message-IDs may contain parentheses; inside <...> only whitespace ends them.
        let j = v;
        while (j < n && !isSep(q[j]) && q[j] !== ">") j++;
        if (q[j] === ">") j++;
        value = q.slice(v, j);
        i = j;
      } else {
        i = readWord(v);
        value = q.slice(v, i);
      }
      if (field !== undefined) {
        pushLeaf(start, neg, value.trim() === "" ? null : { type: "term", field, text: value, phrase: quoted });
      } else if (MID_PREFIXES.has(name)) {
        // The same normalisation as at ingest, so `m:<x>`, `m:x` and `m:"x"` all find x.
        const mid = normalizeMid(value);
        pushLeaf(start, neg, mid === null ? null : { type: "mid", mid });
      } else {
        pushLeaf(start, neg, parseDateValue(value, name, v, now));
      }
      continue;
    }

    i = readWord(i);
    const word = q.slice(start, i);
    if (!neg && c !== "+" && (word === "AND" || word === "OR" || word === "NOT")) {
      tokens.push({ t: "op", pos: start, op: word });
      continue;
    }
    const text = c === "-" || c === "+" ? word.replace(/^[-+]+/, "") : word;
    // Xapian reads an unknown prefix as ordinary text: `xyz:foo` is the phrase "xyz foo".
    const unknownPrefix = /^[A-Za-z]+:./s.test(text);
    pushLeaf(start, neg, { type: "term", field: null, text, phrase: unknownPrefix });
  }
  return tokens;
}

// ---------------------------------------------------------------- parser

// Precedence like Xapian: OR binds loosest; AND, NOT (as "AND NOT") and
// juxtaposition bind tighter. Operators with a missing operand are dropped
// (lore accepts `foo AND`), parentheses must balance.
class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parseTop(): QueryNode | null {
    const node = this.parseOr(0, "any");
    const extra = this.tokens[this.i];
    if (extra !== undefined) {
      // parseOr only stops early at a ")" that nothing opened.
      throw new QueryError(`Unbalanced ")" at column ${extra.pos + 1}`, extra.pos);
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private parseOr(depth: number, field: Field): QueryNode | null {
    const branches: QueryNode[] = [];
    for (;;) {
      const branch = this.parseAnd(depth, field);
      if (branch !== null) branches.push(branch);
      if (isOp(this.peek(), "OR")) {
        this.i++;
        continue;
      }
      return combine("or", branches);
    }
  }

  private parseAnd(depth: number, field: Field): QueryNode | null {
    const items: QueryNode[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok === undefined || tok.t === "close") break;
      if (tok.t === "op") {
        if (tok.op === "OR") break;
        this.i++;
        if (tok.op === "AND") continue;
        // A run of NOTs is folded here, not by recursion (`NOT NOT x` is x).
        let neg = true;
        while (isOp(this.peek(), "NOT")) {
          this.i++;
          neg = !neg;
        }
        const next = this.peek();
        if (next === undefined || next.t === "close" || next.t === "op") continue; // trailing NOT
        const operand = this.parsePrimary(depth, field);
        if (operand !== null) items.push(neg ? negate(operand) : operand);
        continue;
      }
      const operand = this.parsePrimary(depth, field);
      if (operand !== null) items.push(operand);
    }
    return combine("and", items);
  }

  private parsePrimary(depth: number, field: Field): QueryNode | null {
    const tok = this.tokens[this.i++];
    if (tok === undefined || tok.t === "close" || tok.t === "op") return null; // callers peek first
    if (tok.t === "leaf") {
      if (tok.leaf === null) return null;
      const node: QueryNode =
        tok.leaf.type === "term" ? { ...tok.leaf, field: tok.leaf.field ?? field } : tok.leaf;
      return tok.neg ? negate(node) : node;
    }
    if (depth + 1 > QUERY_LIMITS.maxDepth) {
      throw new QueryError(`Parentheses nested too deeply (at most ${QUERY_LIMITS.maxDepth})`, tok.pos);
    }
    const inner = this.parseOr(depth + 1, tok.field ?? field);
    const close = this.peek();
    if (close?.t !== "close") throw new QueryError(`Missing ")" for "(" at column ${tok.pos + 1}`, tok.pos);
    this.i++;
    if (inner === null) return null; // `()` is ignored
    return tok.neg ? negate(inner) : inner;
  }
}

function isOp(tok: Token | undefined, op: "AND" | "OR" | "NOT"): boolean {
  return tok?.t === "op" && tok.op === op;
}

function negate(node: QueryNode): QueryNode {
  return node.type === "not" ? node.child : { type: "not", child: node };
}

function combine(type: "and" | "or", items: QueryNode[]): QueryNode | null {
  const children: QueryNode[] = [];
  for (const item of items) {
    if (item.type === type) children.push(...item.children);
    else children.push(item);
  }
  if (children.length === 0) return null;
  if (children.length === 1) return children[0] ?? null;
  return { type, children };
}

// ---------------------------------------------------------------- dates

const DAY_MS = 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: DAY_MS,
  week: 7 * DAY_MS,
};

// An endpoint is a span [start, end): a calendar day for `2024-01-01` or
// `yesterday`, a single instant (start = end) for `2.weeks.ago`. A range uses
// the start of its left end and the end of its right end, so `d:A..B`
// includes all of day B, as on lore.
interface Span {
  start: Date;
  end: Date;
}

function parseDateValue(value: string, prefix: string, pos: number, now: Date): Leaf | null {
  const bad = (text: string): QueryError => new QueryError(`Bad date "${text}" in ${prefix}:`, pos);
  const dots = value.indexOf("..");
  if (dots < 0) {
    if (value === "") return null;
    const span = parseEndpoint(value, now);
    if (span === null) throw bad(value);
    // A lone instant means the UTC day it falls in.
    if (span.start.getTime() === span.end.getTime()) {
      const day = startOfDay(span.start);
      return { type: "date", from: day, to: new Date(day.getTime() + DAY_MS) };
    }
    return { type: "date", from: span.start, to: span.end };
  }
  const left = value.slice(0, dots);
  const right = value.slice(dots + 2);
  if (left === "" && right === "") return null; // `d:..` limits nothing
  const from = left === "" ? null : parseEndpoint(left, now);
  if (from === null && left !== "") throw bad(left);
  const to = right === "" ? null : parseEndpoint(right, now);
  if (to === null && right !== "") throw bad(right);
  return { type: "date", from: from?.start ?? null, to: to?.end ?? null };
}

function parseEndpoint(text: string, now: Date): Span | null {
  const span = parseEndpointUnchecked(text.toLowerCase(), now);
  if (span === null || Number.isNaN(span.start.getTime()) || Number.isNaN(span.end.getTime())) return null;
  return span;
}

function parseEndpointUnchecked(s: string, now: Date): Span | null {
  // YYYY, YYYY-MM, YYYY-MM-DD / YYYYMMDD, then optional [T]hh:mm[:ss][Z]
  // (public-inbox accepts YYYYMMDDhhmmss). Always UTC.
  const abs = /^(\d{4})(?:-?(\d{2})(?:-?(\d{2})(?:t?(\d{2}):?(\d{2})(?::?(\d{2}))?z?)?)?)?$/.exec(s);
  if (abs !== null) {
    const [, y, mo, d, h, mi, se] = abs;
    const num = (v: string | undefined, dflt: number): number => (v === undefined ? dflt : Number(v));
    const parts = [num(y, 0), num(mo, 1) - 1, num(d, 1), num(h, 0), num(mi, 0), num(se, 0)] as const;
    const start = utc(...parts);
    // Reject 2024-13-01, 2023-02-29, 25:00 … instead of letting Date roll them over.
    if (
      start.getUTCFullYear() !== parts[0] ||
      start.getUTCMonth() !== parts[1] ||
      start.getUTCDate() !== parts[2] ||
      start.getUTCHours() !== parts[3] ||
      start.getUTCMinutes() !== parts[4] ||
      start.getUTCSeconds() !== parts[5]
    ) {
      return null;
    }
    let end: Date;
    if (se !== undefined) end = new Date(start.getTime() + 1000);
    else if (mi !== undefined) end = new Date(start.getTime() + 60_000);
    else if (d !== undefined) end = new Date(start.getTime() + DAY_MS);
    else if (mo !== undefined) end = addMonths(start, 1);
    else end = addMonths(start, 12);
    return { start, end };
  }
  if (s === "today" || s === "yesterday") {
    const start = new Date(startOfDay(now).getTime() - (s === "yesterday" ? DAY_MS : 0));
    return { start, end: new Date(start.getTime() + DAY_MS) };
  }
  if (s === "now") return { start: now, end: now };
  // git approxidate style, as lore and lei use: 2.weeks.ago, 3.days, last.month.
  const rel = /^(?:(\d{1,6})|last)\.(second|minute|hour|day|week|month|year)s?(?:\.ago)?$/.exec(s);
  if (rel !== null) {
    const count = rel[1] === undefined ? 1 : Number(rel[1]);
    const unit = rel[2] ?? "";
    const ms = UNIT_MS[unit];
    const t =
      ms !== undefined ? new Date(now.getTime() - count * ms) : addMonths(now, unit === "year" ? -12 * count : -count);
    return { start: t, end: t };
  }
  return null;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): Date {
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, 0);
  return date;
}

function startOfDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

// Calendar months like git's approxidate: Mar 31 minus one month is Feb 28/29, not Mar 3.
function addMonths(date: Date, months: number): Date {
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(utc(year, month + 1, 1, 0, 0, 0).getTime() - DAY_MS).getUTCDate();
  return utc(
    year,
    month,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
}
