// One message as lore shows it: headers, body, attachments. Used by the
// message page and by both thread views.
import { MessageBody } from "@/app/_ui/message-body";
import { formatDate } from "@/lib/format";
import { anchorId, midToUrl } from "@/lib/mail/mid";
import type { MessageView as Message } from "@/lib/types";

export function attachmentHref(list: string, mid: string, position: number, filename: string | null): string {
  const name = (filename ?? "").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || "attachment.bin";
  return `/${list}/${midToUrl(mid)}/${position + 1}-${name}`;
}

function HeaderLine({ name, value }: { name: string; value: string }) {
  if (!value) return null;
  return (
    <>
      <span className="hdr">{name}:</span> {value}
      {"\n"}
    </>
  );
}

export function MessageView({ message, headingLevel = 1, variant = 0 }: {
  message: Message;
  headingLevel?: 1 | 2;
  /** Position among messages sharing this Message-ID: keeps element ids unique. */
  variant?: number;
}) {
  const Heading = headingLevel === 1 ? "h1" : "h2";
  const anchor = variant === 0 ? anchorId(message.mid) : `${anchorId(message.mid)}-${variant + 1}`;
  const from = message.fromName ? `${message.fromName} <${message.fromAddr}>` : message.fromAddr;
  const base = `/${message.list}/${midToUrl(message.mid)}`;
  return (
    <article className="message" id={anchor} aria-labelledby={`${anchor}-s`}>
      <Heading className="subject" id={`${anchor}-s`}>
        {message.subject || "(no subject)"}
      </Heading>
      <pre className="headers">
        <HeaderLine name="From" value={from} />
        <HeaderLine name="To" value={message.to} />
        <HeaderLine name="Cc" value={message.cc} />
        <HeaderLine name="Date" value={formatDate(message.date)} />
        <HeaderLine name="Message-ID" value={`<${message.mid}>`} />
        <HeaderLine name="In-Reply-To" value={message.inReplyTo ? `<${message.inReplyTo}>` : ""} />
      </pre>
      <nav className="msg-links" aria-label="message links">
        <a href={`${base}/`}>permalink</a> <a href={`${base}/raw`}>raw</a> <a href={`${base}/#R`}>reply</a>{" "}
        <a href={`${base}/T/#${anchorId(message.mid)}`}>thread</a> <a href={`${base}/t.mbox.gz`}>mbox.gz</a>
      </nav>
      <MessageBody text={message.bodyText} />
      {message.attachments.length > 0 ? (
        <ul className="attachments" aria-label="attachments">
          {message.attachments.map((a) => (
            <li key={a.position}>
              <a href={attachmentHref(message.list, message.mid, a.position, a.filename)} download>
                {a.filename ?? `attachment ${a.position + 1}`}
              </a>{" "}
              <span className="muted">
                ({a.contentType}, {a.size.toLocaleString("en-US")} bytes)
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}
