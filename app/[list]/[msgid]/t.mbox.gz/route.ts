// /<list>/<mid>/t.mbox.gz: the whole thread as gzipped mboxrd, the file
// `b4 am` fetches after following the message URL redirect.
import { cacheHeaders, isNotModified, notModified, textResponse } from "@/lib/http-cache";
import { gzipMboxrd } from "@/lib/mbox-gzip";
import { getThreadOfMessage, getThreadRawBytes, listThreadRaws, MAX_THREAD_MESSAGES } from "@/lib/message-queries";

type Context = { params: Promise<{ list: string; msgid: string }> };

// The thread is built in memory: a cap keeps one request from holding
// gigabytes (a hostile sender can reply to one thread with big attachments).
// Kernel threads, patch series included, stay far below it.
const MAX_THREAD_MBOX_BYTES = 32 * 1024 * 1024;

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { list, msgid } = await params;
  const thread = await getThreadOfMessage(list, msgid);
  if (!thread) return textResponse(404, `Message-ID <${msgid}> not found in ${list}\n`);
  const validators = {
    etag: `"t${thread.id}-${thread.messageCount}-${thread.lastDate?.getTime() ?? 0}"`,
    lastModified: thread.lastDate,
  };
  if (isNotModified(request, validators)) return notModified(validators);
  // Never a silently short mbox: say what is over and what to do instead.
  const bytes = await getThreadRawBytes(thread.id);
  if (thread.messageCount > MAX_THREAD_MESSAGES || bytes > MAX_THREAD_MBOX_BYTES) {
    const mb = (n: number) => `${Math.ceil(n / 1048576).toLocaleString("en-US")} MB`;
    return textResponse(
      413,
      `This thread has ${thread.messageCount.toLocaleString("en-US")} messages (${mb(bytes)}); t.mbox.gz is limited to ` +
        `${MAX_THREAD_MESSAGES.toLocaleString("en-US")} messages and ${mb(MAX_THREAD_MBOX_BYTES)}.\n` +
        `Fetch messages one at a time (<mid>/raw), or search with d: ranges and download the hits (?q=...&x=m).\n`,
    );
  }
  const body = await gzipMboxrd((await listThreadRaws(thread.id)).map((m) => m.raw));
  return new Response(new Uint8Array(body), {
    headers: {
      ...cacheHeaders(validators),
      "Content-Type": "application/gzip",
      "Content-Disposition": `inline; filename="t.mbox.gz"`,
    },
  });
}
