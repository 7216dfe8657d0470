// /<list>/<mid>/raw: the original message as a one-message mboxrd, exactly as
// lore serves it (b4 and lei read it). Route handlers get params decoded.
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { formatMboxrd } from "@/lib/mbox";
import { getRawMessage } from "@/lib/message-queries";

type Context = { params: Promise<{ list: string; msgid: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list, msgid } = await params;
  const message = await getRawMessage(list, msgid);
  if (!message) return textResponse(404, `Message-ID <${msgid}> not found in ${list}\n`);
  const validators = { etag: `"${message.rawHash}"`, lastModified: message.date };
  if (isNotModified(request, validators)) return notModified(validators);
  return new Response(new Uint8Array(formatMboxrd(message.raw)), {
    headers: { ...cacheHeaders(validators), "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" },
  });
}
