// `/`: every list with its size and latest activity.
import { formatDate, plural } from "@/lib/format";
import type { ListSummary } from "@/lib/types";

export function HomePage({ lists }: { lists: ListSummary[] }) {
  return (
    <main>
      <h1>Mailing lists</h1>
      {lists.length === 0 ? (
        <p>No lists yet. Ingest an mbox with <code>npm run ingest -- --list NAME FILE</code>.</p>
      ) : (
        <ul className="plain lists">
          {lists.map((list) => (
            <li key={list.name}>
              <a href={`/${list.name}/`}>{list.name}</a>
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
