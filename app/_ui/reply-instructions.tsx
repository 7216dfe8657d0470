import { midToUrl } from "@/lib/mail/mid";
import { replyInstructions } from "@/lib/mail/reply";
import type { MessageView } from "@/lib/types";

export function ReplyInstructions({ message, origin }: { message: MessageView; origin: string }) {
  const reply = replyInstructions({
    mid: message.mid, subject: message.subject, fromAddr: message.fromAddr,
    to: message.to, cc: message.cc, listAddress: message.listAddress,
  });
  return (
    <section className="reply" id="R" aria-labelledby="R-h">
      <h2 id="R-h">Reply instructions</h2>
      <p>
        You may reply publicly to this message via plain-text email using any one of the following methods: save the
        message as mbox (<a href={`${origin}/${message.list}/${midToUrl(message.mid)}/raw`}>raw</a>), import it into your mail client, and reply-to-all from there; or use{" "}
        <code>git send-email</code>:
      </p>
      <pre>{reply.sendEmail}</pre>
      <p>
        or <a href={reply.mailto}>reply by mail</a> (mailto: link with In-Reply-To and Cc).
      </p>
    </section>
  );
}
