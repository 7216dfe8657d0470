// The messages of a few threads as the review walk (lib/series/review.ts)
// needs them, on PostgreSQL: the same ThreadMail values as the SQLite loader
// (lib/store/sqlite/thread-mails.ts), in the same order (thread by thread as
// given, then by date and id, the order SQLite's (threadId, date) index gives),
// but in two statements for all the threads instead of two per thread.
import type { ThreadMail } from "../../series/review";
import type { Trailer } from "../../series/trailers";
import { directParent } from "../../threading/merge-guard";

/** Runs one statement: the reader's counted runner, or a writer's transaction client wrapped. */
export type RunRows = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

const MEMBERS = `SELECT m.id, m."messageId" AS mid, m."inReplyTo", m."references", m.date, (p."messageId" IS NOT NULL) AS "isPatchMail"
   FROM "Message" m LEFT JOIN "PatchMail" p ON p."messageId" = m.id
  WHERE m."threadId" = ANY($1::int[])
  ORDER BY array_position($1::int[], m."threadId"), m.date, m.id`;

const TRAILERS = `SELECT r."messageId", r.name, r.value FROM "Message" m JOIN "ReplyTrailer" r ON r."messageId" = m.id
  WHERE m."threadId" = ANY($1::int[]) ORDER BY r."messageId", r.position`;

export class PostgresThreadMailLoader {
  constructor(private readonly run: RunRows) {}

  async load(threadIds: Iterable<number>): Promise<ThreadMail[]> {
    const ids = [...new Set(threadIds)];
    if (ids.length === 0) return [];
    const given = new Map<number, Trailer[]>();
    for (const t of await this.run(TRAILERS, [ids])) {
      const messageId = t.messageId as number;
      const trailer = { name: t.name as string, value: t.value as string };
      const list = given.get(messageId);
      if (list) list.push(trailer);
      else given.set(messageId, [trailer]);
    }
    return (await this.run(MEMBERS, [ids])).map((row) => {
      const mid = row.mid as string;
      const references = row.references === "" ? [] : (row.references as string).split(" ");
      return {
        id: row.id as number,
        mid,
        parentMid: directParent(references, (row.inReplyTo as string | null) ?? null, mid),
        date: row.date as Date,
        isPatchMail: row.isPatchMail === true,
        trailers: given.get(row.id as number) ?? [],
      };
    });
  }
}
