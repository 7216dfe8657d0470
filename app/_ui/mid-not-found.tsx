// "Message not found, maybe:" for unknown Message-IDs: close matches by
// prefix, the lists that do have it, and a search link. Never a dead end.
import { ListsWithMid } from "@/app/_ui/lists-with-mid";
import { midToUrl } from "@/lib/mail/mid";
import type { MidSuggestion } from "@/lib/types";

export function MidNotFound({ list, mid, elsewhere, maybe }: { list: string | null; mid: string; elsewhere: string[]; maybe: MidSuggestion[] }) {
  const searchBase = list ? `/${list}/` : "/all/";
  const words = mid.split("@")[0]?.replace(/[^A-Za-z0-9]+/g, " ").trim() ?? "";
  return (
    <main>
      <h1>Message not found</h1>
      <p>
        {mid ? <>Message-ID &lt;{mid}&gt; is not {list ? <>in <a href={`/${list}/`}>{list}</a></> : "in any list"}.</> : "No such message."}
      </p>
      {elsewhere.length > 0 ? (
        <>
          <h2>It is in</h2>
          <ListsWithMid mid={mid} lists={elsewhere} />
        </>
      ) : null}
      {maybe.length > 0 ? (
        <>
          <h2>Maybe you meant</h2>
          <ul>
            {maybe.map((s) => (
              <li key={`${s.list}/${s.mid}`}>
                <a href={`/${s.list}/${midToUrl(s.mid)}/`}>&lt;{s.mid}&gt;</a> <span className="muted">{s.subject} ({s.list})</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p>
        {words ? <><a href={`${searchBase}?q=${encodeURIComponent(words)}`}>Search for &quot;{words}&quot;</a> · </> : null}
        <a href={list ? `/${list}/` : "/"}>{list ? `back to ${list}` : "all lists"}</a>
      </p>
    </main>
  );
}
