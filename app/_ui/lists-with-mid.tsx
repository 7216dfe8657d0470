import { midToUrl } from "@/lib/mail/mid";

/** Links to one Message-ID in each list that holds it. */
export function ListsWithMid({ mid, lists }: { mid: string; lists: string[] }) {
  return (
    <ul>
      {lists.map((name) => (
        <li key={name}>
          <a href={`/${name}/${midToUrl(mid)}/`}>{name}</a>
        </li>
      ))}
    </ul>
  );
}
