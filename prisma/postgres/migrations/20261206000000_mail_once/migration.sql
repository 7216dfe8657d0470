-- Each mail stored once, a membership per list: the bytes, body text and
-- attachments move from "Message" (now one list's copy) to "Mail", one row
-- per distinct raw hash however many lists carry it.
--
-- Written by hand, not by `prisma migrate diff`: the diff would add
-- "Message"."mailId" NOT NULL to a filled table and drop raw, bodyText, size
-- and "Attachment"."messageId", losing every stored mail. Here the rows move
-- first; constraint and index names are those the diff gives, so the
-- migrations still match schema.prisma.
--
-- Each raw hash's Mail row is its copy with the lowest "Message".id, under
-- that same id (so for mail stored before this migration a Mail id is the id
-- of its first copy); the attachments of that copy become the mail's. The
-- other copies hold the same bytes, so their attachments (parsed from them)
-- are the same and are deleted.
--
-- PostgreSQL drops a column without rewriting the table: the old columns'
-- bytes keep their space in "Message" until it is rewritten
-- (VACUUM FULL "Message", outside this migration's transaction).

-- CreateTable
CREATE TABLE "Mail" (
    "id" SERIAL NOT NULL,
    "rawHash" TEXT NOT NULL,
    "bodyText" TEXT NOT NULL DEFAULT '',
    "raw" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,

    CONSTRAINT "Mail_pkey" PRIMARY KEY ("id")
);

INSERT INTO "Mail" ("id", "rawHash", "bodyText", "raw", "size")
SELECT m."id", m."rawHash", m."bodyText", m."raw", m."size"
  FROM "Message" m
 WHERE m."id" IN (SELECT min("id") FROM "Message" GROUP BY "rawHash")
 ORDER BY m."id";

-- The ids above were given, not drawn: the next one drawn comes after them.
SELECT setval(pg_get_serial_sequence('"Mail"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "Mail";

-- CreateIndex (before filling "mailId": the join below reads it)
CREATE UNIQUE INDEX "Mail_rawHash_key" ON "Mail"("rawHash");

-- AlterTable
ALTER TABLE "Message" ADD COLUMN "mailId" INTEGER;

UPDATE "Message" m SET "mailId" = c."id" FROM "Mail" c WHERE c."rawHash" = m."rawHash";

ALTER TABLE "Message" ALTER COLUMN "mailId" SET NOT NULL,
DROP COLUMN "bodyText",
DROP COLUMN "raw",
DROP COLUMN "size";

-- DropForeignKey
ALTER TABLE "Attachment" DROP CONSTRAINT "Attachment_messageId_fkey";

-- DropIndex
DROP INDEX "Attachment_messageId_position_key";

-- AlterTable
ALTER TABLE "Attachment" ADD COLUMN "mailId" INTEGER;

-- A chosen copy's Message id is its Mail's id.
UPDATE "Attachment" a SET "mailId" = a."messageId" FROM "Mail" c WHERE c."id" = a."messageId";

DELETE FROM "Attachment" WHERE "mailId" IS NULL;

ALTER TABLE "Attachment" ALTER COLUMN "mailId" SET NOT NULL,
DROP COLUMN "messageId";

-- CreateIndex
CREATE INDEX "Message_mailId_idx" ON "Message"("mailId");

-- CreateIndex
CREATE UNIQUE INDEX "Attachment_mailId_position_key" ON "Attachment"("mailId", "position");

-- CreateIndex
CREATE INDEX "ThreadRef_mid_idx" ON "ThreadRef"("mid");

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_mailId_fkey" FOREIGN KEY ("mailId") REFERENCES "Mail"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_mailId_fkey" FOREIGN KEY ("mailId") REFERENCES "Mail"("id") ON DELETE CASCADE ON UPDATE CASCADE;
