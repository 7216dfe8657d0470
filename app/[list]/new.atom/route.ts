// /<list>/new.atom: the newest messages of a list (lore's feed URL).
import { atomResponse, messagesToAtom } from "@/lib/feed";
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { listNewestMessages } from "@/lib/message-queries";

const ENTRIES = 25;

type Context = { params: Promise<{ list: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list } = await params;
  const messages = await listNewestMessages(list, ENTRIES);
  if (!messages) return textResponse(404, `No list ${list}\n`);
  const newest = messages[0];
  const validators = { etag: `"n${newest?.id ?? 0}-${messages.length}"`, lastModified: newest?.date ?? null };
  if (isNotModified(request, validators)) return notModified(validators);
  const origin = new URL(request.url).origin;
  const xml = messagesToAtom(origin, { id: `/${list}/new.atom`, title: `${list} - newest messages`, selfPath: `/${list}/new.atom`, alternatePath: `/${list}/` }, messages);
  return atomResponse(xml, cacheHeaders(validators));
}
