import Link from "next/link";
import { formatDate, plural } from "@/lib/format";
import { listLists } from "@/lib/queries";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const lists = await listLists();
  return (
    <main>
      <h1>Mailing lists</h1>
      {lists.length === 0 ? (
        <p>No lists yet. Ingest an mbox with <code>npm run ingest -- --list NAME FILE</code>.</p>
      ) : (
        <ul className="plain lists">
          {lists.map((list) => (
            <li key={list.name}>
              <Link href={`/${list.name}/`}>{list.name}</Link>
              {list.description ? ` - ${list.description}` : null}
              <span className="muted">
                {" "}
                ({plural(list.messageCount, "message")}
                {list.lastDate ? `, latest ${formatDate(list.lastDate)}` : ""})
              </span>
              {list.address ? <div className="muted">{list.address}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
