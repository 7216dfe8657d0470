// The messages of a few threads as the review walk (lib/series/review.ts)
// needs them: parent links, dates, which are patch mails, and the trailers
// each reply gave. Shared by the series rebuild at ingest and the series page.
import type Database from "better-sqlite3";
import type { ThreadMail } from "../../series/review";
import type { Trailer } from "../../series/trailers";
import { directParent } from "../../threading/merge-guard";
import { fromSqlDate } from "./sql-date";

interface MemberRow {
  id: number;
  mid: string;
  inReplyTo: string | null;
  references: string;
  date: string | number;
  isPatchMail: number;
}

export class ThreadMailLoader {
  private readonly members: Pick<Database.Statement, "all">;
  private readonly trailers: Pick<Database.Statement, "all">;

  constructor(db: Database.Database, prepare: (sql: string) => Pick<Database.Statement, "all"> = (sql) => db.prepare(sql)) {
    this.members = prepare(
      `SELECT m.id, m.messageId AS mid, m.inReplyTo, m."references", m.date, (p.messageId IS NOT NULL) AS isPatchMail
         FROM "Message" m LEFT JOIN "PatchMail" p ON p.messageId = m.id WHERE m.threadId = ?`,
    );
    this.trailers = prepare(
      `SELECT r.messageId, r.name, r.value FROM "Message" m JOIN "ReplyTrailer" r ON r.messageId = m.id
        WHERE m.threadId = ? ORDER BY r.messageId, r.position`,
    );
  }

  load(threadIds: Iterable<number>): ThreadMail[] {
    const out: ThreadMail[] = [];
    for (const threadId of new Set(threadIds)) {
      const given = new Map<number, Trailer[]>();
      for (const t of this.trailers.all(threadId) as { messageId: number; name: string; value: string }[]) {
        const list = given.get(t.messageId);
        if (list) list.push({ name: t.name, value: t.value });
        else given.set(t.messageId, [{ name: t.name, value: t.value }]);
      }
      for (const row of this.members.all(threadId) as MemberRow[]) {
        const references = row.references === "" ? [] : row.references.split(" ");
        out.push({
          id: row.id,
          mid: row.mid,
          parentMid: directParent(references, row.inReplyTo, row.mid),
          date: fromSqlDate(row.date) as Date,
          isPatchMail: row.isPatchMail === 1,
          trailers: given.get(row.id) ?? [],
        });
      }
    }
    return out;
  }
}
