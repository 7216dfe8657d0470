import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ThreadIndex } from "@/app/_components/thread-index";
import { midFromParam } from "@/lib/mid";
import { getList } from "@/lib/queries";

// The first page of /<list>/ (no query string), which proxy.ts rewrites here:
// the busiest page of the archive, so it is rendered once and cached, and
// re-rendered at most every 30 seconds while mail arrives.
export const revalidate = 30;

export function generateStaticParams(): never[] {
  return [];
}

type Props = { params: Promise<{ list: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: midFromParam((await params).list) };
}

export default async function NewestThreads({ params }: Props) {
  const list = await getList(midFromParam((await params).list));
  if (!list) notFound();
  return <ThreadIndex list={list} query={{}} />;
}
