// /<list>/_/series/<newer>/vs/<older>/: what changed between two versions of
// a patch series, patch by patch, like `git range-diff`. Unchanged patches
// collapse into one line of links so a 300-patch rebase stays a small page;
// each changed patch gets its interdiff as coloured text (mail only ever as
// React text children, no client JS).
import { Fragment, type ReactNode } from "react";
import { messageHref, seriesHref } from "@/app/_ui/series-index";
import { formatDay } from "@/lib/format";
import { midToUrl } from "@/lib/mail/mid";
import { parsePatchSubject } from "@/lib/series/subject";
import type { InterdiffPairView, InterdiffPatchView, SeriesInterdiffView, SeriesVersionView } from "@/lib/types";

/** More unchanged patches than this fold into a <details>, closed. */
const OPEN_UNCHANGED = 20;

export function interdiffHref(list: string, newerRootMid: string, olderRootMid: string): string {
  return `${seriesHref(list, newerRootMid)}vs/${midToUrl(olderRootMid)}/`;
}

/** "v2", or "v2 (2024-01-05)" when a resend shares the revision number. */
function versionLabel(versions: readonly SeriesVersionView[], index: number): string {
  const v = versions[index]!;
  const shared = versions.some((other, i) => i !== index && other.revision === v.revision);
  return shared ? `v${v.revision} (${formatDay(v.date)})` : `v${v.revision}`;
}

/** The subject without "[PATCH v2 2/3]": the counter is shown from the view. */
function titleOf(patch: InterdiffPatchView): string {
  return parsePatchSubject(patch.subject).title || patch.subject || "(no subject)";
}

interface Side {
  label: string;
  total: number;
}

function PatchLink({ list, side, patch }: { list: string; side: Side; patch: InterdiffPatchView }) {
  return <a href={messageHref(list, patch.mid)}>{`${side.label} ${patch.counter}/${side.total}`}</a>;
}

const HOW_NOTE: Partial<Record<InterdiffPairView["how"], string>> = {
  title: "matched by title: the diff changed",
  position: "matched by position: title and diff changed",
};

/** One <pre>, plain lines merged into single text nodes so big diffs stay small markup. */
function DiffText({ lines }: { lines: NonNullable<InterdiffPairView["diff"]>["lines"] }) {
  const children: ReactNode[] = [];
  let plain = "";
  const span = (className: string, text: string) => {
    if (plain !== "") children.push(plain);
    plain = "\n";
    children.push(
      <span key={children.length} className={className}>
        {text}
      </span>,
    );
  };
  for (const line of lines) {
    if (line.kind === "del") span("del", `-${line.text}`);
    else if (line.kind === "add") span("add", `+${line.text}`);
    else if (line.kind === "skip") span("muted", line.text);
    else if (line.text.startsWith("@@")) span("hunk", ` ${line.text}`);
    else plain += ` ${line.text}\n`;
  }
  if (plain !== "") children.push(plain);
  return <pre className="interdiff">{children}</pre>;
}

function PairSection({ list, pair, from, to }: { list: string; pair: InterdiffPairView; from: Side; to: Side }) {
  const shown = pair.new ?? pair.old;
  if (shown === null) return null;
  const total = pair.new ? to.total : from.total;
  const note = pair.old && pair.new ? HOW_NOTE[pair.how] : undefined;
  let body: ReactNode;
  if (pair.old === null) body = <p>new in {to.label}</p>;
  else if (pair.new === null) body = <p>dropped in {to.label}</p>;
  else if (pair.diff === null) body = <p className="muted">not compared (page limit)</p>;
  else {
    body = (
      <>
        <DiffText lines={pair.diff.lines} />
        {pair.diff.truncated ? <p className="muted">the comparison was cut short; open both messages to compare</p> : null}
      </>
    );
  }
  return (
    <section className="interdiff-pair">
      <h2>
        [{shown.counter}/{total}] {titleOf(shown)}
      </h2>
      <p className="muted">
        {pair.old ? <PatchLink list={list} side={from} patch={pair.old} /> : "—"}
        {" → "}
        {pair.new ? <PatchLink list={list} side={to} patch={pair.new} /> : "—"}
        {note ? ` · ${note}` : null}
      </p>
      {body}
    </section>
  );
}

function UnchangedList({ list, pairs, from, to }: { list: string; pairs: InterdiffPairView[]; from: Side; to: Side }) {
  if (pairs.length === 0) return null;
  const links = pairs.map((pair, i) => (
    <Fragment key={i}>
      {i > 0 ? ", " : null}
      <a href={messageHref(list, pair.new!.mid)}>{`${pair.new!.counter}/${to.total}`}</a>
      {pair.old!.counter !== pair.new!.counter ? ` (was ${from.label} ${pair.old!.counter}/${from.total})` : null}
    </Fragment>
  ));
  if (pairs.length <= OPEN_UNCHANGED) return <p className="interdiff-unchanged">unchanged: {links}</p>;
  return (
    <details className="interdiff-unchanged">
      <summary>unchanged: {pairs.length} patches</summary>
      {links}
    </details>
  );
}

function isIdentical(pair: InterdiffPairView): boolean {
  return pair.old !== null && pair.new !== null && pair.diff !== null && pair.diff.identical;
}

export function SeriesInterdiff({ list, view }: { list: string; view: SeriesInterdiffView }) {
  const older = view.versions[view.from];
  const newer = view.versions[view.to];
  if (!older || !newer) return null;
  const from: Side = { label: versionLabel(view.versions, view.from), total: older.total };
  const to: Side = { label: versionLabel(view.versions, view.to), total: newer.total };
  const title = view.title || "(no title)";

  const unchanged = view.pairs.filter(isIdentical);
  const rest = view.pairs.filter((pair) => !isIdentical(pair));
  let changed = 0, added = 0, dropped = 0, uncompared = 0;
  for (const pair of rest) {
    if (pair.old === null) added++;
    else if (pair.new === null) dropped++;
    else if (pair.diff === null) uncompared++;
    else changed++;
  }
  // Versions are oldest first: every one before the newer can be compared with it.
  const choices = view.versions.map((v, i) => ({ v, i })).filter(({ i }) => i < view.to);

  return (
    <main className="series-interdiff">
      <div className="crumbs">
        <a href="/">all lists</a> / <a href={`/${list}/`}>{list}</a> / <a href={`/${list}/_/series/`}>series</a> /{" "}
        <a href={seriesHref(list, newer.rootMid)}>{title}</a>
      </div>
      <h1>
        v{older.revision} → v{newer.revision}: {title}
      </h1>
      <p>
        <a href={seriesHref(list, older.rootMid)}>{from.label}</a>
        {` (${formatDay(older.date)}, ${older.present}/${older.total} patches) → `}
        <a href={seriesHref(list, newer.rootMid)}>{to.label}</a>
        {` (${formatDay(newer.date)}, ${newer.present}/${newer.total} patches)`}
      </p>
      {choices.length > 1 ? (
        <p className="interdiff-picker">
          compare {to.label} with:{" "}
          {choices.map(({ v, i }, n) => (
            <Fragment key={i}>
              {n > 0 ? " · " : null}
              {i === view.from ? (
                <strong aria-current="page">{versionLabel(view.versions, i)}</strong>
              ) : (
                <a href={interdiffHref(list, newer.rootMid, v.rootMid)}>{versionLabel(view.versions, i)}</a>
              )}
            </Fragment>
          ))}
        </p>
      ) : null}
      <p>
        {`${unchanged.length} ${unchanged.length === 1 ? "patch" : "patches"} unchanged, ${changed} changed, ${added} added, ${dropped} dropped`}
        {uncompared > 0 ? `, ${uncompared} not compared` : null}
      </p>
      {view.capped ? <p className="notice">Only the first patches were compared; the rest are linked.</p> : null}
      <UnchangedList list={list} pairs={unchanged} from={from} to={to} />
      {rest.map((pair, i) => (
        <PairSection key={i} list={list} pair={pair} from={from} to={to} />
      ))}
    </main>
  );
}
