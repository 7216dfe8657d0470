// Who reviewed what in one version of a series, from the replies in its
// thread: the trailers given anywhere under a patch belong to that patch, the
// ones given on the cover letter to every patch of the version (b4's rule).
//
// A reply is "under" a patch when following In-Reply-To upwards reaches the
// patch before any other patch mail: with git send-email's --chain-reply-to,
// patch 2 replies to patch 1, and patch 2's reviews are not patch 1's. The
// walk keeps a visited set, so a reference loop in hostile mail ends it.
import type { Trailer } from "./trailers";

export interface ThreadMail {
  id: number;
  mid: string;
  /** The message it replies to (lib/threading/merge-guard.ts directParent). */
  parentMid: string | null;
  date: Date;
  /** A patch, cover letter or pull request of any version: replies under it are its own. */
  isPatchMail: boolean;
  /** Trailers the message gives in its own words (extractReplyTrailers). */
  trailers: readonly Trailer[];
}

export interface GivenTrailer extends Trailer {
  /** Message-ID of the reply that gave it. */
  by: string;
}

export interface VersionReview {
  /** Given on the cover letter (or under it, outside every patch). */
  cover: GivenTrailer[];
  /** Per patch (index 0 is patch 1): given under it, then the cover's, in arrival order; null for a missing patch. */
  patches: (GivenTrailer[] | null)[];
  /** Replies under the version's mails that are not patch mails. */
  replyCount: number;
  /** The newest of those replies, null without any. */
  lastReplyDate: Date | null;
}

export interface VersionMids {
  coverMid: string | null;
  patchMids: readonly (string | null)[];
}

export type ReviewMark = "reviewed" | "acked" | "tested";

const MARKS: ReadonlyMap<string, ReviewMark> = new Map([
  ["reviewed-by", "reviewed"],
  ["acked-by", "acked"],
  ["tested-by", "tested"],
]);

/** The review mark a trailer stands for, if any. */
export function reviewMark(trailer: Trailer): ReviewMark | null {
  return MARKS.get(trailer.name.toLowerCase()) ?? null;
}

export function collectReview(version: VersionMids, mails: readonly ThreadMail[]): VersionReview {
  const children = new Map<string, ThreadMail[]>();
  for (const mail of mails) {
    if (mail.parentMid === null || mail.parentMid === mail.mid) continue;
    const siblings = children.get(mail.parentMid);
    if (siblings) siblings.push(mail);
    else children.set(mail.parentMid, [mail]);
  }
  const replies = (rootMid: string): ThreadMail[] => {
    const found: ThreadMail[] = [];
    const seen = new Set<string>([rootMid]);
    const stack = [rootMid];
    while (stack.length > 0) {
      for (const child of children.get(stack.pop() as string) ?? []) {
        if (child.isPatchMail || seen.has(child.mid)) continue;
        seen.add(child.mid);
        found.push(child);
        stack.push(child.mid);
      }
    }
    return found;
  };
  const counted = new Set<number>();
  let lastReplyDate: Date | null = null;
  const given = (rootMid: string | null): { at: ThreadMail; trailer: GivenTrailer }[] => {
    if (rootMid === null) return [];
    const out: { at: ThreadMail; trailer: GivenTrailer }[] = [];
    for (const reply of replies(rootMid)) {
      counted.add(reply.id);
      if (lastReplyDate === null || reply.date > lastReplyDate) lastReplyDate = reply.date;
      for (const trailer of reply.trailers) out.push({ at: reply, trailer: { name: trailer.name, value: trailer.value, by: reply.mid } });
    }
    return out;
  };
  const cover = given(version.coverMid);
  const patches = version.patchMids.map((mid) => (mid === null ? null : inArrivalOrder([...given(mid), ...cover])));
  return { cover: inArrivalOrder(cover), patches, replyCount: counted.size, lastReplyDate };
}

// Arrival order is the replies' dates; a reply's own trailers keep their order.
function inArrivalOrder(items: { at: ThreadMail; trailer: GivenTrailer }[]): GivenTrailer[] {
  return items
    .map((item, index) => ({ ...item, index }))
    .sort((a, b) => a.at.date.getTime() - b.at.date.getTime() || a.at.id - b.at.id || a.index - b.index)
    .map((item) => item.trailer);
}
