import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { listVariantsOnce } from "@/app/_components/cached-queries";
import { MessageView } from "@/app/_components/message-view";
import { ReplyInstructions } from "@/app/_components/reply-instructions";
import { ThreadSkeleton } from "@/app/_components/thread-skeleton";
import { listThreadMembers } from "@/lib/message-queries";
import { midToUrl } from "@/lib/mid";
import { decodePageParams } from "@/lib/route-params";
import { buildThreadTree, flattenThread } from "@/lib/thread";

// Archived mail does not change: the rendered page is cached and re-rendered
// at most once a minute (the thread overview picks up new replies then).
// proxy.ts answers missing messages and conditional requests before this.
export const revalidate = 60;

// No page is built ahead of time; each is rendered on first request, then cached.
export function generateStaticParams(): never[] {
  return [];
}

type Props = { params: Promise<{ list: string; msgid: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { list, mid } = decodePageParams(await params);
  const [message] = await listVariantsOnce(list, mid);
  return { title: message ? `${message.subject || "(no subject)"} - ${list}` : "Message not found" };
}

export default async function MessagePage({ params }: Props) {
  const { list, mid } = decodePageParams(await params);
  const variants = await listVariantsOnce(list, mid);
  const message = variants[0];
  if (!message) notFound();
  const nodes = flattenThread(buildThreadTree(await listThreadMembers(message.threadId)));
  const base = `/${list}/${midToUrl(mid)}/`;
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a>
      </div>
      {variants.length > 1 ? (
        <p className="notice" role="note">
          {variants.length} different messages use this Message-ID; all are shown below.
        </p>
      ) : null}
      {variants.map((variant, i) => (
        <MessageView key={variant.id} message={variant} headingLevel={i === 0 ? 1 : 2} variant={i} />
      ))}
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
