import { formatDate, plural } from "@/lib/format";
import { midToUrl } from "@/lib/mail/mid";
import type { ThreadSummary } from "@/lib/types";

export function ThreadList({ list, threads }: { list: string; threads: ThreadSummary[] }) {
  return (
    <ul className="plain threads">
      {threads.map((thread) => (
        <li key={thread.id}>
          <a href={`/${list}/${midToUrl(thread.rootMid)}/T/#u`}>{thread.subject || "(no subject)"}</a>
          <span className="meta">
            {thread.fromName || "unknown"} · {formatDate(thread.firstDate)}
            {thread.messageCount > 1
              ? ` · ${plural(thread.messageCount - 1, "reply")}, last ${formatDate(thread.lastDate)}`
              : ""}
          </span>
        </li>
      ))}
    </ul>
  );
}
