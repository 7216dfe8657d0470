-- Each mail stored once (Mail), each list's copy a membership row (Message).
-- Hand-written, because Prisma's diff would drop the columns it moves: the
-- mail's bytes, text and attachments move to "Mail" first. A Mail row takes
-- the id of the lowest Message row holding those bytes; the attachments of the
-- other copies are byte-identical and go. Full text stays per Message row, now
-- contentless and in date order (below), rebuilt here.
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;

DROP TRIGGER "message_fts_ai";
DROP TRIGGER "message_fts_ad";
DROP TRIGGER "message_fts_au";
DROP TABLE "message_fts";

CREATE TABLE "Mail" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "rawHash" TEXT NOT NULL,
    "bodyText" TEXT NOT NULL DEFAULT '',
    "raw" BLOB NOT NULL,
    "size" INTEGER NOT NULL
);
INSERT INTO "Mail" ("id", "rawHash", "bodyText", "raw", "size")
  SELECT "id", "rawHash", "bodyText", "raw", "size" FROM "Message"
   WHERE "id" IN (SELECT min("id") FROM "Message" GROUP BY "rawHash")
   ORDER BY "id";
CREATE UNIQUE INDEX "Mail_rawHash_key" ON "Mail"("rawHash");

CREATE TABLE "new_Attachment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mailId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "filename" TEXT,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BLOB,
    CONSTRAINT "Attachment_mailId_fkey" FOREIGN KEY ("mailId") REFERENCES "Mail" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Attachment" ("id", "mailId", "position", "filename", "contentType", "size", "content")
  SELECT "id", "messageId", "position", "filename", "contentType", "size", "content" FROM "Attachment"
   WHERE "messageId" IN (SELECT "id" FROM "Mail");
DROP TABLE "Attachment";
ALTER TABLE "new_Attachment" RENAME TO "Attachment";
CREATE UNIQUE INDEX "Attachment_mailId_position_key" ON "Attachment"("mailId", "position");

CREATE TABLE "new_Message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "listId" INTEGER NOT NULL,
    "messageId" TEXT NOT NULL,
    "mailId" INTEGER NOT NULL,
    "rawHash" TEXT NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "fromName" TEXT NOT NULL DEFAULT '',
    "fromAddr" TEXT NOT NULL DEFAULT '',
    "toAddrs" TEXT NOT NULL DEFAULT '',
    "ccAddrs" TEXT NOT NULL DEFAULT '',
    "date" DATETIME NOT NULL,
    "inReplyTo" TEXT,
    "references" TEXT NOT NULL DEFAULT '',
    "threadId" INTEGER NOT NULL,
    "hasPatch" BOOLEAN NOT NULL DEFAULT false,
    "mergeGuarded" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "Message_listId_fkey" FOREIGN KEY ("listId") REFERENCES "List" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Message_mailId_fkey" FOREIGN KEY ("mailId") REFERENCES "Mail" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Message_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Message" ("id", "listId", "messageId", "mailId", "rawHash", "subject", "fromName", "fromAddr", "toAddrs",
    "ccAddrs", "date", "inReplyTo", "references", "threadId", "hasPatch", "mergeGuarded")
  SELECT m."id", m."listId", m."messageId", mail."id", m."rawHash", m."subject", m."fromName", m."fromAddr", m."toAddrs",
         m."ccAddrs", m."date", m."inReplyTo", m."references", m."threadId", m."hasPatch", m."mergeGuarded"
    FROM "Message" m JOIN "Mail" mail ON mail."rawHash" = m."rawHash"
   ORDER BY m."id";
DROP TABLE "Message";
ALTER TABLE "new_Message" RENAME TO "Message";
CREATE INDEX "Message_listId_messageId_idx" ON "Message"("listId", "messageId");
CREATE INDEX "Message_messageId_idx" ON "Message"("messageId");
CREATE INDEX "Message_threadId_date_idx" ON "Message"("threadId", "date");
CREATE INDEX "Message_listId_date_idx" ON "Message"("listId", "date");
CREATE INDEX "Message_mailId_idx" ON "Message"("mailId");
CREATE UNIQUE INDEX "Message_listId_rawHash_key" ON "Message"("listId", "rawHash");

CREATE INDEX "ThreadRef_mid_idx" ON "ThreadRef"("mid");

-- Full text, per list copy, in date order. Each copy's full-text row has the
-- rowid message_search_key gives it: minus (date in ms × 32768 + its place
-- among the copies of that millisecond, in id order), so rowids ascend from
-- the newest message. A page of hits newest first is then the first rows of
-- a MATCH, and a count the first 10,001: their cost does not grow with the
-- archive (lib/store/sqlite/search.ts). The list is a token of its own
-- (l<id>), so a list's search is the MATCH and that token; the first list's
-- copy of a mail also has "all", so /all/ finds each mail once. Contentless: the
-- text lives in "Message" and "Mail"; snippets come from "Mail"."bodyText".
CREATE TABLE "message_search_key" (
    sortKey INTEGER NOT NULL PRIMARY KEY,
    "messageId" INTEGER NOT NULL
);
CREATE UNIQUE INDEX "message_search_key_messageId_key" ON "message_search_key"("messageId");

CREATE VIRTUAL TABLE "message_fts" USING fts5(
  subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText, list,
  content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2'
);

-- The writer gives each new copy its key (lib/store/sqlite/archive-writer.ts);
-- the key's row brings the copy into the index.
CREATE TRIGGER "message_search_key_ai" AFTER INSERT ON "message_search_key" BEGIN
  INSERT INTO message_fts(rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText, list)
  SELECT new.sortKey, m."subject", m."fromName", m."fromAddr", m."toAddrs", m."ccAddrs", mail."bodyText",
         'l' || m."listId" || CASE WHEN m."id" = (SELECT min("id") FROM "Message" WHERE "mailId" = m."mailId") THEN ' all' ELSE '' END
    FROM "Message" m JOIN "Mail" mail ON mail."id" = m."mailId" WHERE m."id" = new."messageId";
END;

CREATE TRIGGER "message_fts_ad" AFTER DELETE ON "Message" BEGIN
  DELETE FROM message_fts WHERE rowid = (SELECT sortKey FROM "message_search_key" WHERE "messageId" = old.id);
  DELETE FROM "message_search_key" WHERE "messageId" = old.id;
END;

-- Place n in (date, id) order takes the next free position at or after its
-- millisecond's first: n + max over earlier rows of (position base - their n).
INSERT INTO "message_search_key" (sortKey, messageId)
  SELECT -(rn + max(base - rn) OVER (ORDER BY base, id ROWS UNBOUNDED PRECEDING)), id
    FROM (SELECT id, base, row_number() OVER (ORDER BY base, id) AS rn
            FROM (SELECT "id" AS id, CAST(round(unixepoch("date", 'subsec') * 1000) AS INTEGER) * 32768 AS base FROM "Message"))
   ORDER BY base, id;

PRAGMA foreign_key_check;
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
