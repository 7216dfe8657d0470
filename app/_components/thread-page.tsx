// Both thread views: /T/ (flat, every message in thread order) and /t/
// (nested: indented by reply depth). Everything a page needs is loaded here
// once, so the two page files stay thin.
import { notFound } from "next/navigation";
import { MessageView } from "@/app/_components/message-view";
import { ThreadSkeleton } from "@/app/_components/thread-skeleton";
import { getMessageOnce as getMessage } from "@/app/_components/cached-queries";
import { listThreadMessages } from "@/lib/message-queries";
import { midToUrl } from "@/lib/mid";
import { buildThreadTree, flattenThread } from "@/lib/thread";

const MAX_NEST = 8;

export async function ThreadPage({ list, mid, nested }: { list: string; mid: string; nested: boolean }) {
  const anchor = await getMessage(list, mid);
  if (!anchor) notFound();
  const messages = await listThreadMessages(anchor.threadId);
  const nodes = flattenThread(buildThreadTree([...messages.values()]));
  const base = `/${list}/${midToUrl(mid)}/`;
  return (
    <main className={nested ? "nested" : "flat"}>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a> / thread ({nested ? <a href={`${base}T/`}>flat</a> : <a href={`${base}t/`}>nested</a>},{" "}
        <a href={`${base}t.mbox.gz`}>mbox.gz</a>, <a href={`${base}t.atom`}>Atom</a>)
      </div>
      <span id="u" />
      {nodes.map((node, i) => {
        const message = node.message ? messages.get(node.message.id) : undefined;
        if (!message) return null;
        const indent = nested ? Math.min(node.depth, MAX_NEST) : 0;
        return (
          <div key={message.id} style={indent ? { marginLeft: `${indent * 1.5}ch` } : undefined}>
            <MessageView message={message} headingLevel={i === 0 ? 1 : 2} />
          </div>
        );
      })}
      <hr />
      <section aria-labelledby="thread-h">
        <h2 id="thread-h">Thread overview</h2>
        <ThreadSkeleton list={list} nodes={nodes} current={null} linkTo="anchor" />
      </section>
    </main>
  );
}
