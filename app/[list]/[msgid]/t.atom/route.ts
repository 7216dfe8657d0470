// /<list>/<mid>/t.atom: the messages of one thread, newest first.
import { atomResponse, messagesToAtom } from "@/lib/feed";
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { getThreadOfMessage, listThreadMessages } from "@/lib/message-queries";
import { midToUrl } from "@/lib/mid";

type Context = { params: Promise<{ list: string; msgid: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list, msgid } = await params;
  const thread = await getThreadOfMessage(list, msgid);
  if (!thread) return textResponse(404, `Message-ID <${msgid}> not found in ${list}\n`);
  const validators = { etag: `"a${thread.id}-${thread.messageCount}-${thread.lastDate?.getTime() ?? 0}"`, lastModified: thread.lastDate };
  if (isNotModified(request, validators)) return notModified(validators);
  const messages = [...(await listThreadMessages(thread.id)).values()].sort((a, b) => b.date.getTime() - a.date.getTime());
  const base = `/${list}/${midToUrl(msgid)}/`;
  const xml = messagesToAtom(
    new URL(request.url).origin,
    { id: `${base}t.atom`, title: thread.subject || "(no subject)", selfPath: `${base}t.atom`, alternatePath: `${base}T/` },
    messages,
  );
  return atomResponse(xml, cacheHeaders(validators));
}
