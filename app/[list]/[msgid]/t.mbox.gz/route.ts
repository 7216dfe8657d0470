// /<list>/<mid>/t.mbox.gz: the whole thread as gzipped mboxrd, the file
// `b4 am` fetches after following the message URL redirect.
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { gzipMboxrd } from "@/lib/mbox-gzip";
import { getMessage, getThreadInfo, listThreadRaws } from "@/lib/message-queries";

type Context = { params: Promise<{ list: string; msgid: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list, msgid } = await params;
  const message = await getMessage(list, msgid);
  const thread = message ? await getThreadInfo(message.threadId) : null;
  if (!message || !thread) return textResponse(404, `Message-ID <${msgid}> not found in ${list}\n`);
  const validators = {
    etag: `"t${thread.id}-${thread.messageCount}-${thread.lastDate?.getTime() ?? 0}"`,
    lastModified: thread.lastDate,
  };
  if (isNotModified(request, validators)) return notModified(validators);
  const body = gzipMboxrd((await listThreadRaws(thread.id)).map((m) => m.raw));
  return new Response(new Uint8Array(body), {
    headers: {
      ...cacheHeaders(validators),
      "Content-Type": "application/gzip",
      "Content-Disposition": `inline; filename="t.mbox.gz"`,
    },
  });
}
