// /r/<mid> and /all/<mid>/ when several lists hold the message: let the
// reader choose (lore answers 300 Multiple Choices here).
import { ListsWithMid } from "@/app/_ui/lists-with-mid";

export function MidChoice({ mid, lists }: { mid: string; lists: string[] }) {
  return (
    <main>
      <h1>&lt;{mid}&gt; is in several lists</h1>
      <ListsWithMid mid={mid} lists={lists} />
    </main>
  );
}
