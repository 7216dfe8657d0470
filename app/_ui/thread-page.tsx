// Both thread views: /T/ (flat, every message in thread order) and /t/
// (nested: indented by reply depth). The page is the same whichever message
// of the thread the URL names (links are relative to it), so one rendering
// serves every message's /T/.
import { MessageView } from "@/app/_ui/message-view";
import { ThreadSkeleton } from "@/app/_ui/thread-skeleton";
import type { ThreadNode } from "@/lib/threading/thread";
import type { MessageView as Message } from "@/lib/types";

const MAX_NEST = 8;

export function ThreadPage({ list, nodes, messages, nested, part, partCount, partOf }: {
  /** "all": the conversation across lists (/all/<mid>/T/), each message linking to its own list. */
  list: string;
  nodes: ThreadNode[];
  /** The messages of the part shown. */
  messages: Map<number, Message>;
  nested: boolean;
  part: number;
  partCount: number;
  partOf: Map<number, number>;
}) {
  let first = true;
  const pager =
    partCount > 1 ? (
      <nav className="pager" aria-label="thread parts">
        This thread is long: part {part} of {partCount} ({messages.size} messages).{" "}
        {part > 1 ? <a href={part === 2 ? "./" : `?part=${part - 1}`} rel="prev">previous part</a> : null}{" "}
        {part < partCount ? <a href={`?part=${part + 1}`} rel="next">next part</a> : null}
      </nav>
    ) : null;
  return (
    <main className={nested ? "nested" : "flat"}>
      <div className="crumbs">
        <a href="/">all lists</a> / {list === "all" ? "across lists" : <a href={`/${list}/`}>{list}</a>} / thread ({nested ? <a href="../T/">flat</a> : <a href="../t/">nested</a>},{" "}
        <a href="../t.mbox.gz">mbox.gz</a>, <a href="../t.atom">Atom</a>)
      </div>
      {pager}
      <span id="u" />
      {nodes.map((node) => {
        const message = node.message ? messages.get(node.message.id) : undefined;
        if (!message) return null;
        const indent = nested ? Math.min(node.depth, MAX_NEST) : 0;
        const headingLevel = first ? 1 : 2;
        first = false;
        return (
          <div key={message.id} style={indent ? { marginLeft: `${indent * 1.5}ch` } : undefined}>
            <MessageView message={message} headingLevel={headingLevel} />
          </div>
        );
      })}
      {pager}
      <hr />
      <section aria-labelledby="thread-h">
        <h2 id="thread-h">Thread overview</h2>
        <ThreadSkeleton list={list} nodes={nodes} current={null} linkTo="anchor" parts={partCount > 1 ? { of: partOf, shown: part } : undefined} />
      </section>
    </main>
  );
}
