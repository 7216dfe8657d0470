import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SearchResults } from "@/app/_components/search-results";
import { ThreadIndex } from "@/app/_components/thread-index";
import { midFromParam } from "@/lib/mid";
import { getList } from "@/lib/queries";
import { readSearchRequest, searchMessages } from "@/lib/search";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ list: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const list = midFromParam((await params).list);
  const req = readSearchRequest(await searchParams);
  return { title: req ? `${req.q} - search ${list}` : list };
}

// /<list>/ is the thread index; with ?q= it is lore's search (x=t, x=m, r, o).
// Unknown lists and searches without hits never get here: proxy.ts sends them
// to the 404 page (lib/page-check.ts); notFound() only covers a race with
// ingest. A malformed query renders a readable message with status 200: a
// page cannot choose its status (x=A/x=m answer 400).
export default async function ListPage({ params, searchParams }: Props) {
  const name = midFromParam((await params).list);
  const query = await searchParams;
  const list = await getList(name);
  if (!list) notFound();
  const req = readSearchRequest(query);
  if (req) {
    const result = await searchMessages({ list: list.name, q: req.q, offset: req.offset, order: req.order });
    if (result.error === undefined && result.hits.length === 0) notFound();
    return <SearchResults list={list.name} req={req} result={result} />;
  }
  return <ThreadIndex list={list} query={query} />;
}
