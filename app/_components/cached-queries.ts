// Per-request memoised reads: generateMetadata and the page ask for the same
// message, and React's cache() makes that one database read, not two.
import { cache } from "react";
import { listMessageVariants } from "@/lib/message-queries";

export const listVariantsOnce = cache(listMessageVariants);

export async function getMessageOnce(list: string, mid: string) {
  return (await listVariantsOnce(list, mid))[0] ?? null;
}
