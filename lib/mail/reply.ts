// How to reply to an archived message without subscribing, like lore's
// "Reply instructions": a git send-email line and a mailto: link that keep
// the thread (In-Reply-To) and everyone on Cc. Pure.

export interface ReplyTarget {
  mid: string;
  subject: string;
  fromAddr: string;
  to: string;
  cc: string;
  listAddress: string | null;
}

export interface ReplyInstructions {
  to: string;
  cc: string[];
  subject: string;
  sendEmail: string;
  mailto: string;
}

// Addresses as stored ("Name <a@b>, c@d"): names may hold commas, so take the
// bracketed addresses, and bare ones only outside brackets.
export function extractAddresses(field: string): string[] {
  const found = new Set<string>();
  for (const m of field.matchAll(/<([^<>\s]+@[^<>\s]+)>|(?:^|[\s,])([^\s<>,"]+@[^\s<>,"]+)(?=$|[\s,])/g)) {
    const address = (m[1] ?? m[2] ?? "").toLowerCase();
    if (address) found.add(address);
  }
  return [...found];
}

export function replySubject(subject: string): string {
  return /^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`;
}

// Single quotes keep the shell from touching anything in an address or id.
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function replyInstructions(target: ReplyTarget): ReplyInstructions {
  const to = target.fromAddr || target.listAddress || "";
  const cc = [
    ...new Set([...extractAddresses(target.to), ...extractAddresses(target.cc), ...(target.listAddress ? [target.listAddress.toLowerCase()] : [])]),
  ].filter((address) => address !== to);
  const subject = replySubject(target.subject);
  const sendEmail = [
    "git send-email",
    `--in-reply-to=${shellQuote(`<${target.mid}>`)}`,
    ...(to ? [`--to=${shellQuote(to)}`] : []),
    ...cc.map((address) => `--cc=${shellQuote(address)}`),
    "--subject=" + shellQuote(subject),
    "/path/to/YOUR_REPLY",
  ].join(" \\\n    ");
  const query = new URLSearchParams({ "In-Reply-To": `<${target.mid}>`, Subject: subject });
  if (cc.length > 0) query.set("Cc", cc.join(","));
  // URLSearchParams writes spaces as "+", which mail clients show literally.
  const mailto = `mailto:${encodeURIComponent(to).replace(/%40/g, "@")}?${query.toString().replace(/\+/g, "%20")}`;
  return { to, cc, subject, sendEmail, mailto };
}
