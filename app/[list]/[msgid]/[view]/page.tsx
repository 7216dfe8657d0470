import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ThreadPage } from "@/app/_components/thread-page";
import { getMessageOnce as getMessage } from "@/app/_components/cached-queries";
import { decodePageParams } from "@/lib/route-params";

// Cached like the message page (see there); proxy.ts answers missing messages.
export const revalidate = 60;

// No page is built ahead of time; each is rendered on first request, then cached.
export function generateStaticParams(): never[] {
  return [];
}

// lore's /T/ (flat) and /t/ (nested) share one dynamic folder: two folders
// differing only in case break TypeScript's program on some file systems.
const VIEWS: Record<string, boolean> = { T: false, t: true };

type Props = { params: Promise<{ list: string; msgid: string; view: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { list, mid } = decodePageParams(await params);
  const message = await getMessage(list, mid);
  return { title: message ? `${message.subject || "(no subject)"} - thread - ${list}` : "Thread not found" };
}

export default async function Page({ params }: Props) {
  const raw = await params;
  const nested = VIEWS[raw.view];
  if (nested === undefined) notFound();
  const { list, mid } = decodePageParams(raw);
  return <ThreadPage list={list} mid={mid} nested={nested} />;
}
