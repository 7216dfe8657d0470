// Builds the Atom feeds of a list (new.atom) and of a thread (t.atom) from
// stored messages, in lore's shape: one entry per message, newest first.
import { renderAtom } from "./atom";
import { midToUrl } from "../mail/mid";
import type { MessageView } from "../types";

const SUMMARY_CHARS = 2000;

export function messagesToAtom(origin: string, feed: { id: string; title: string; selfPath: string; alternatePath: string }, messages: MessageView[]): string {
  const newest = messages.reduce<Date>((max, m) => (m.date > max ? m.date : max), new Date(0));
  return renderAtom({
    id: `${origin}${feed.id}`,
    title: feed.title,
    selfUrl: `${origin}${feed.selfPath}`,
    alternateUrl: `${origin}${feed.alternatePath}`,
    updated: newest,
    entries: messages.map((m) => {
      const url = `${origin}/${m.list}/${midToUrl(m.mid)}/`;
      return {
        id: url,
        title: m.subject || "(no subject)",
        url,
        updated: m.date,
        authorName: m.fromName || m.fromAddr,
        authorEmail: m.fromAddr,
        summary: m.bodyText.length > SUMMARY_CHARS ? `${m.bodyText.slice(0, SUMMARY_CHARS)}\n[...]` : m.bodyText,
      };
    }),
  });
}
