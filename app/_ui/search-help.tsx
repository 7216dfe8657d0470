// The short search help shown next to every search box: the prefixes with an
// example each, folded in a <details> so it costs no space (and no JS).
import { SEARCH_PREFIXES } from "@/lib/search/search-help";

export function SearchHelp({ list, open = false }: { list: string | null; open?: boolean }) {
  return (
    <details className="search-help" open={open}>
      <summary className="muted">search syntax</summary>
      <ul className="plain">
        {SEARCH_PREFIXES.map((p) => (
          <li key={p.prefix}>
            <code>{p.prefix}</code> {p.meaning}, e.g. <code>{p.example}</code>
          </li>
        ))}
        <li>
          <code>&quot;a phrase&quot;</code>, <code>AND</code> <code>OR</code> <code>NOT</code> <code>-word</code>,
          parentheses; bare words match subject and body.
        </li>
        <li>
          <code>d:2019-06-01..2019-07-01</code>, <code>d:20190623..</code>, <code>d:..2.weeks.ago</code>
        </li>
      </ul>
      <a href={`/${encodeURIComponent(list ?? "all")}/_/text/help/`}>full search help</a>
    </details>
  );
}
