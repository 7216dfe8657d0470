import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SearchForm } from "@/app/_components/search-form";
import { ThreadList } from "@/app/_components/thread-list";
import { parseCursor } from "@/lib/cursor";
import { plural } from "@/lib/format";
import { getList, listRecentThreads } from "@/lib/queries";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ list: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { list } = await params;
  return { title: decodeURIComponent(list) };
}

export default async function ListPage({ params, searchParams }: Props) {
  const name = decodeURIComponent((await params).list);
  const query = await searchParams;
  const list = await getList(name);
  if (!list) notFound();
  const before = parseCursor(typeof query.t === "string" ? query.t : null);
  const page = await listRecentThreads(list.id, before);
  return (
    <main>
      <div className="crumbs">
        <a href="/">all lists</a> / <strong>{list.name}</strong>
        <span className="muted"> · {plural(list.messageCount, "message")}</span>
      </div>
      {list.description ? <p>{list.description}</p> : null}
      <SearchForm list={list.name} query="" />
      <h1>{before ? "Older threads" : "Latest threads"}</h1>
      {page.threads.length === 0 ? <p>No threads here.</p> : <ThreadList list={list.name} threads={page.threads} />}
      <nav className="pager" aria-label="pages">
        {page.olderCursor ? <a href={`/${list.name}/?t=${page.olderCursor}`} rel="next">older</a> : null}
        {before ? <a href={`/${list.name}/`}>newest</a> : null}
      </nav>
    </main>
  );
}
