import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { SearchResults } from "@/app/_components/search-results";
import { readSearchRequest, searchMessages } from "@/lib/search";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const req = readSearchRequest(await searchParams);
  return { title: req ? `${req.q} - search all lists` : "all lists" };
}

// /all/?q= searches every list (as lore's /all/ does); /all/ alone has no
// index of its own, so it goes to the list of lists.
export default async function AllPage({ searchParams }: Props) {
  const req = readSearchRequest(await searchParams);
  if (!req) redirect("/");
  const result = await searchMessages({ list: null, q: req.q, offset: req.offset, order: req.order });
  if (result.error === undefined && result.hits.length === 0) notFound();
  return <SearchResults list={null} req={req} result={result} />;
}
