// The inverse of formatMboxrd for one message: what tests and e2e use to check
// that /raw gives back a stored message byte for byte. The archive itself never
// needs it (it splits whole files with splitMbox), so it lives with the tests.
import { splitMbox } from "../../lib/mail/mbox";

/** The one message in an mboxrd; throws unless there is exactly one, with its From_ line. */
export async function unwrapMboxrd(mbox: Buffer): Promise<Buffer> {
  const found = [];
  for await (const message of splitMbox([mbox])) found.push(message);
  const [message, extra] = found;
  if (message === undefined || extra !== undefined || message.fromLine === "") {
    throw new Error(`unwrapMboxrd: expected one mboxrd message, got ${found.length} (first From_ line ${JSON.stringify(message?.fromLine ?? "")})`);
  }
  return message.raw;
}
