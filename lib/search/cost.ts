// How costly a parsed query is: the words FTS5 must merge, and how many nodes
// it has. Too many words is an error the reader sees; many words or nodes
// send a search to the costly lane (lib/web/search-pool.ts).
import { SEARCH_LIMITS } from "./limits";
import { parseQuery, QueryError, type QueryNode } from "./query-parse";

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

/**
 * Whether a search goes to the costly lane (lib/web/search-pool.ts): its cost
 * grows with the words FTS5 merges. Relevance alone is not costly: bm25 scores
 * at most rankCandidates rows. A malformed query is cheap: it fails before any SQL.
 */
export function isCostlySearch(q: string, now: Date = new Date()): boolean {
  let ast: QueryNode;
  try {
    ast = parseQuery(q, now);
  } catch {
    return false;
  }
  const nodes = queryNodes(ast);
  const words = nodes.reduce((sum, n) => sum + (n.type === "term" ? termWords(n) : 0), 0);
  return words > CHEAP_WORDS || nodes.length > CHEAP_NODES;
}

// A lore-style query a person types (s:ima f:zohar, "two words" AND d:2.weeks.ago..)
// stays under these.
const CHEAP_WORDS = 4;
const CHEAP_NODES = 8;

export type TermNode = Extract<QueryNode, { type: "term" }>;

// Terms a hit must (or may) contain; the ones under NOT are not in it.
export function positiveTerms(node: QueryNode, negated = false, out: TermNode[] = []): TermNode[] {
  if (node.type === "term" && !negated) out.push(node);
  else if (node.type === "not") positiveTerms(node.child, !negated, out);
  else if (node.type === "and" || node.type === "or") for (const c of node.children) positiveTerms(c, negated, out);
  return out;
}

/** Every node of the query in document order (pre-order), without recursion. */
function queryNodes(root: QueryNode): QueryNode[] {
  const out: QueryNode[] = [];
  const stack: QueryNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop() as QueryNode;
    out.push(n);
    if (n.type === "not") stack.push(n.child);
    else if (n.type === "and" || n.type === "or") for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

function termWords(term: TermNode): number {
  return term.text.match(TOKEN)?.length ?? 0;
}

export function checkCost(node: QueryNode): void {
  let words = 0;
  for (const n of queryNodes(node)) {
    if (n.type !== "term") continue;
    const count = termWords(n);
    if (count > SEARCH_LIMITS.maxPhraseWords) {
      const preview = n.text.length > 40 ? `${n.text.slice(0, 40)}…` : n.text;
      throw new QueryError(
        `"${preview}" has ${count} words; at most ${SEARCH_LIMITS.maxPhraseWords} in one phrase or identifier`,
      );
    }
    words += count;
  }
  if (words > SEARCH_LIMITS.maxWords) {
    throw new QueryError(`Too many words in the query (${words}, at most ${SEARCH_LIMITS.maxWords})`);
  }
}
