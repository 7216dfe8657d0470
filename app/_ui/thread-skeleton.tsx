// The thread overview under a message (lore's "Thread overview"): one line
// per message, indented by depth, the current one marked. Flat list, since a
// thread can be thousands of levels deep.
import { formatDate } from "@/lib/format";
import { anchorId, midToUrl } from "@/lib/mail/mid";
import type { ThreadNode } from "@/lib/threading/thread";

const MAX_INDENT = 12;

export function ThreadSkeleton({ list, nodes, current, linkTo, parts }: {
  list: string;
  nodes: ThreadNode[];
  current: string | null;
  /** "message" links each line to its page; "anchor" to its place in this page. */
  linkTo: "message" | "anchor";
  /** For a thread page in parts: each message's part, and the part shown. */
  parts?: { of: Map<number, number>; shown: number };
}) {
  return (
    <ul className="plain skeleton">
      {nodes.map((node, i) => {
        const indent = Math.min(node.depth, MAX_INDENT);
        const style = { paddingLeft: `${indent}ch` };
        if (!node.message) {
          return (
            <li key={`ghost-${i}`} style={style} className="muted">
              [not found] &lt;{node.mid}&gt;
            </li>
          );
        }
        const part = parts?.of.get(node.message.id) ?? 1;
        const elsewhere = parts && part !== parts.shown ? (part === 1 ? "./" : `?part=${part}`) : "";
        const href = linkTo === "anchor" ? `${elsewhere}#${anchorId(node.mid)}` : `/${list}/${midToUrl(node.mid)}/`;
        const isCurrent = node.mid === current;
        return (
          <li key={node.message.id} style={style} aria-current={isCurrent ? "true" : undefined}>
            {isCurrent ? <strong>* {node.message.subject || "(no subject)"}</strong> : <a href={href}>{node.message.subject || "(no subject)"}</a>}{" "}
            <span className="muted">
              {node.depth > MAX_INDENT ? `(depth ${node.depth}) ` : ""}
              {node.message.fromName ?? ""} {formatDate(node.message.date)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
