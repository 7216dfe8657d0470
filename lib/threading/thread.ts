// Reply tree for the thread views (/T/ flat, /t/ nested), after public-inbox's
// SearchThread.pm: JWZ threading without subject grouping, ghosts for missing parents.
// Iterative and loop-safe throughout: References headers are user data.

export interface ThreadInput {
  id: number;
  mid: string;
  references: string[]; // oldest first, direct parent last (see parseReferences)
  date: Date;
  subject: string;
  fromName?: string; // carried through for display, not used for threading
}

export interface ThreadNode {
  mid: string;
  message: ThreadInput | null; // null: a ghost, referenced but not in the archive
  children: ThreadNode[];
  depth: number;
}

interface Container {
  mid: string;
  message: ThreadInput | null;
  // Later messages with the same Message-ID (resent, or edited and re-posted).
  variants: ThreadInput[];
  parent: Container | null;
  children: Set<Container>;
}

// An unparsable Date sorts last instead of poisoning comparisons with NaN.
function time(date: Date): number {
  const t = date.getTime();
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// A total order on inputs, so that processing order (and thus the tree) never
// depends on the order the caller passed the messages in.
function compareInputs(a: ThreadInput, b: ThreadInput): number {
  const ta = time(a.date);
  const tb = time(b.date);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (
    a.id - b.id ||
    compareStrings(a.mid, b.mid) ||
    compareStrings(a.references.join(" "), b.references.join(" ")) ||
    compareStrings(a.subject, b.subject)
  );
}

// Would making `node` a descendant of `candidate` close a loop? Walks parent
// pointers, never recursion. A childless candidate (every message not yet
// replied to) cannot be an ancestor, which keeps a 10k-deep chain linear.
function isAncestorOrSelf(candidate: Container, node: Container): boolean {
  if (candidate.children.size === 0) return candidate === node;
  for (let c: Container | null = node; c !== null; c = c.parent) {
    if (c === candidate) return true;
  }
  return false;
}

function link(parent: Container, child: Container): void {
  if (child.parent === parent) return;
  child.parent?.children.delete(child);
  parent.children.add(child);
  child.parent = parent;
}

// Drops the message's own id and repeats, which a bad MUA can put in References
// and which would otherwise link a container to itself.
function usableReferences(message: ThreadInput): string[] {
  const seen = new Set<string>([message.mid]);
  const out: string[] = [];
  for (const ref of message.references) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    out.push(ref);
  }
  return out;
}

function linkContainers(messages: ThreadInput[]): Map<string, Container> {
  const table = new Map<string, Container>();
  const get = (mid: string): Container => {
    let c = table.get(mid);
    if (c === undefined) {
      c = { mid, message: null, variants: [], parent: null, children: new Set() };
      table.set(mid, c);
    }
    return c;
  };

  for (const message of [...messages].sort(compareInputs)) {
    const self = get(message.mid);
    const isVariant = self.message !== null;
    if (isVariant) self.variants.push(message);
    else self.message = message;
    const refs = usableReferences(message);

    // JWZ step B: chain the referenced containers (ghosts included) in order,
    // without overriding a link already made and without closing a loop.
    let prev: Container | null = null;
    for (const ref of refs) {
      const cont = get(ref);
      if (prev !== null && cont.parent === null && !isAncestorOrSelf(cont, prev)) {
        link(prev, cont);
      }
      prev = cont;
    }

    // A variant is shown under the first copy (see buildThreadTree), so it
    // must not move the shared container.
    if (isVariant) continue;

    // JWZ step C: the message's own References decide its parent, overriding a
    // guess made from another message's chain; skip entries that would loop.
    for (let i = refs.length - 1; i >= 0; i--) {
      const candidate = get(refs[i] ?? "");
      if (!isAncestorOrSelf(self, candidate)) {
        link(candidate, self);
        break;
      }
    }
  }
  return table;
}

interface SortKey {
  input: ThreadInput; // the node's message, or a ghost's earliest descendant
  mid: string;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return compareInputs(a.input, b.input) || compareStrings(a.mid, b.mid);
}

/**
 * Roots come first by date; children by date, a ghost by its earliest
 * descendant. A second message with an already-seen Message-ID (a variant) is
 * shown as a childless child of the first one (the earliest by date, then id);
 * replies attach to the first, since a reply cannot say which copy it meant.
 * Ghosts are kept even with a single child (rendered "[not found]"); ghosts
 * with no real message below them are dropped.
 */
export function buildThreadTree(messages: ThreadInput[]): ThreadNode[] {
  const table = linkContainers(messages);

  // Pre-order over the forest; the links above never close a loop, so this
  // reaches every container exactly once.
  const order: Container[] = [];
  const stack: Container[] = [];
  for (const c of table.values()) if (c.parent === null) stack.push(c);
  while (stack.length > 0) {
    const c = stack.pop() as Container;
    order.push(c);
    for (const child of c.children) stack.push(child);
  }

  // Reverse pre-order visits children before parents: find each subtree's
  // earliest real message, which orders ghosts and tells which ghosts are empty.
  const earliest = new Map<Container, ThreadInput>();
  for (let i = order.length - 1; i >= 0; i--) {
    const c = order[i] as Container;
    let best = c.message;
    for (const child of c.children) {
      const e = earliest.get(child);
      if (e !== undefined && (best === null || compareInputs(e, best) < 0)) best = e;
    }
    if (best !== null) earliest.set(c, best);
  }

  const keys = new Map<ThreadNode, SortKey>();
  const nodes = new Map<Container, ThreadNode>();
  const roots: ThreadNode[] = [];
  for (const c of order) {
    const first = earliest.get(c);
    if (first === undefined) continue;
    const node: ThreadNode = { mid: c.mid, message: c.message, children: [], depth: 0 };
    keys.set(node, { input: c.message ?? first, mid: c.mid });
    nodes.set(c, node);
    const parent = c.parent === null ? undefined : nodes.get(c.parent);
    (parent === undefined ? roots : parent.children).push(node);
    for (const variant of c.variants) {
      const v: ThreadNode = { mid: c.mid, message: variant, children: [], depth: 0 };
      keys.set(v, { input: variant, mid: c.mid });
      node.children.push(v);
    }
  }

  const byKey = (a: ThreadNode, b: ThreadNode) =>
    compareKeys(keys.get(a) as SortKey, keys.get(b) as SortKey);
  roots.sort(byKey);
  for (const node of nodes.values()) node.children.sort(byKey);
  flattenThread(roots); // sets depth
  return roots;
}

// Depth-first pre-order with depth set (roots 0), for /T/ and the thread
// skeleton. An explicit stack, and a seen-set in case a caller hands in a
// hand-built structure with a loop.
export function flattenThread(roots: ThreadNode[]): ThreadNode[] {
  const out: ThreadNode[] = [];
  const seen = new Set<ThreadNode>();
  const stack: Array<[ThreadNode, number]> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push([roots[i] as ThreadNode, 0]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [ThreadNode, number];
    if (seen.has(node)) continue;
    seen.add(node);
    node.depth = depth;
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push([node.children[i] as ThreadNode, depth + 1]);
    }
  }
  return out;
}
