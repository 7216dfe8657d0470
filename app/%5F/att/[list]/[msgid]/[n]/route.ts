// Attachment downloads. lore's URL is /<list>/<mid>/<N>-<name>; proxy.ts
// rewrites it to /_/att/<list>/<mid>/<N> (a route handler cannot share the
// dynamic folder of /T/ and /t/).
import { contentDisposition, extractAttachment, safeContentType } from "@/lib/attachment";
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { getRawMessage } from "@/lib/message-queries";

type Context = { params: Promise<{ list: string; msgid: string; n: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list, msgid: mid, n } = await params;
  const position = Number(n) - 1;
  const message = Number.isInteger(position) && position >= 0 ? await getRawMessage(list, mid) : null;
  if (!message) return textResponse(404, "No such attachment\n");
  const validators = { etag: `"${message.rawHash}-${position}"`, lastModified: message.date };
  if (isNotModified(request, validators)) return notModified(validators);
  const file = await extractAttachment(message.raw, position);
  if (!file) return textResponse(404, "No such attachment\n");
  return new Response(new Uint8Array(file.content), {
    headers: {
      ...cacheHeaders(validators),
      "Content-Type": safeContentType(file.contentType),
      "Content-Disposition": contentDisposition(file.filename),
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    },
  });
}
