// /<list>/<mid>/raw: the original message as mboxrd, exactly as lore serves
// it (b4 and lei read it): one message, or every message that reuses the
// Message-ID, in the order they were stored. Route handlers get params decoded.
import { createHash } from "node:crypto";
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { formatMboxrd } from "@/lib/mbox";
import { listRawVariants } from "@/lib/message-queries";

type Context = { params: Promise<{ list: string; msgid: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list, msgid } = await params;
  const messages = await listRawVariants(list, msgid);
  const first = messages[0];
  if (!first) return textResponse(404, `Message-ID <${msgid}> not found in ${list}\n`);
  const tag = messages.length === 1 ? first.rawHash : createHash("sha256").update(messages.map((m) => m.rawHash).join()).digest("hex");
  const validators = { etag: `"${tag}"`, lastModified: first.date };
  if (isNotModified(request, validators)) return notModified(validators);
  const body = Buffer.concat(messages.map((m) => formatMboxrd(m.raw)));
  return new Response(new Uint8Array(body), {
    headers: { ...cacheHeaders(validators), "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" },
  });
}
