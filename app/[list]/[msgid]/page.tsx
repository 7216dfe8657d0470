import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { MessageView } from "@/app/_components/message-view";
import { ReplyInstructions } from "@/app/_components/reply-instructions";
import { ThreadSkeleton } from "@/app/_components/thread-skeleton";
import { getMessageOnce as getMessage } from "@/app/_components/cached-queries";
import { listThreadMembers } from "@/lib/message-queries";
import { midToUrl } from "@/lib/mid";
import { decodePageParams } from "@/lib/route-params";
import { buildThreadTree, flattenThread } from "@/lib/thread";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ list: string; msgid: string }>;
  searchParams: Promise<{ v?: string }>;
};

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const { list, mid } = decodePageParams(await params);
  const message = await getMessage(list, mid, Number((await searchParams).v) || undefined);
  return { title: message ? `${message.subject || "(no subject)"} - ${list}` : "Message not found" };
}

export default async function MessagePage({ params, searchParams }: Props) {
  const { list, mid } = decodePageParams(await params);
  const variant = Number((await searchParams).v) || undefined;
  const message = await getMessage(list, mid, variant);
  if (!message) notFound();
  const nodes = flattenThread(buildThreadTree(await listThreadMembers(message.threadId)));
  const base = `/${list}/${midToUrl(mid)}/`;
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a>
      </div>
      {message.variantIds.length > 0 ? (
        <p className="notice">
          Another message uses this Message-ID too:{" "}
          {message.variantIds.map((id, i) => (
            <a key={id} href={`${base}?v=${id}`}>
              {`variant ${i + 2}`}{" "}
            </a>
          ))}
          {variant ? <a href={base}>first</a> : null}
        </p>
      ) : null}
      <MessageView message={message} />
      <hr />
      <ReplyInstructions message={message} />
      <hr />
      <section aria-labelledby="thread-h">
        <h2 id="thread-h">
          Thread overview: {nodes.filter((n) => n.message).length} messages (<a href={`${base}T/`}>flat</a>,{" "}
          <a href={`${base}t/`}>nested</a>, <a href={`${base}t.mbox.gz`}>mbox.gz</a>, <a href={`${base}t.atom`}>Atom</a>)
        </h2>
        <ThreadSkeleton list={list} nodes={nodes} current={message.mid} linkTo="message" />
      </section>
    </main>
  );
}
