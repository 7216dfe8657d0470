// /r/<mid> and /all/<mid>/ send the reader to one list's copy of a message. A
// reader who followed the link from a list's page stays in that list when it
// holds the message; anyone else gets the list that stored it first.
import { midFromParam } from "../mail/mid";

/** `lists` oldest first; `referer` the request's Referer header; only a page of this archive (`origin`) counts. */
export function preferredList(lists: readonly string[], referer: string | undefined, origin: string): string | undefined {
  const from = referringList(referer, origin);
  return from !== null && lists.includes(from) ? from : lists[0];
}

function referringList(referer: string | undefined, origin: string): string | null {
  if (referer === undefined) return null;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  const first = url.pathname.split("/")[1];
  return first === undefined || first === "" ? null : midFromParam(first);
}
