// /r/<mid> and /all/<mid>/: find a Message-ID in any list. One list:
// redirect there; several: let the reader choose (lore answers 300 here).
import { notFound, redirect } from "next/navigation";
import { ListsWithMid } from "@/app/_components/lists-with-mid";
import { findListsWithMid } from "@/lib/message-queries";
import { midToUrl } from "@/lib/mid";

export async function MidLookup({ mid }: { mid: string }) {
  const lists = await findListsWithMid(mid);
  if (lists.length === 0) notFound();
  if (lists.length === 1) redirect(`/${lists[0]}/${midToUrl(mid)}/`);
  return (
    <main>
      <h1>&lt;{mid}&gt; is in several lists</h1>
      <ListsWithMid mid={mid} lists={lists} />
    </main>
  );
}
