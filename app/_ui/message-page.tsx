// /<list>/<mid>/: the message (every message reusing its Message-ID), reply
// instructions and the thread overview.
import { MessageSeries } from "@/app/_ui/message-series";
import { MessageView } from "@/app/_ui/message-view";
import { ReplyInstructions } from "@/app/_ui/reply-instructions";
import { ThreadSkeleton } from "@/app/_ui/thread-skeleton";
import type { ThreadNode } from "@/lib/threading/thread";
import type { MessageView as Message, MessageSeriesInfo } from "@/lib/types";

export function MessagePage({ list, variants, variantTotal, nodes, origin, series }: {
  list: string;
  /** The messages shown: all that reuse the Message-ID, as far as the page's size bound allows. */
  variants: Message[];
  variantTotal: number;
  nodes: ThreadNode[];
  origin: string;
  /** Where the message sits in a patch series, if it is a patch or cover letter. */
  series?: MessageSeriesInfo | null;
}) {
  const message = variants[0]!;
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a>
      </div>
      {variantTotal > 1 ? (
        <p className="notice" role="note">
          {variantTotal} different messages use this Message-ID;{" "}
          {variants.length === variantTotal ? "all are shown below." : <>the first {variants.length} are shown below, all are in <a href="raw">raw</a>.</>}
        </p>
      ) : null}
      {series ? <MessageSeries list={list} series={series} /> : null}
      {variants.map((variant, i) => (
        <MessageView key={variant.id} message={variant} headingLevel={i === 0 ? 1 : 2} variant={i} />
      ))}
      <hr />
      <ReplyInstructions message={message} origin={origin} />
      <hr />
      <section aria-labelledby="thread-h">
        <h2 id="thread-h">
          Thread overview: {nodes.filter((n) => n.message).length} messages (<a href="T/">flat</a>, <a href="t/">nested</a>,{" "}
          <a href="t.mbox.gz">mbox.gz</a>, <a href="t.atom">Atom</a>)
        </h2>
        <ThreadSkeleton list={list} nodes={nodes} current={message.mid} linkTo="message" />
      </section>
    </main>
  );
}
