-- The merge guard (lib/threading/merge-guard.ts). ADD COLUMN rather than the
-- table rebuild Prisma's diff proposes: a rebuild would copy every raw
-- message and drop the full-text triggers defined on "Message".
ALTER TABLE "Message" ADD COLUMN "mergeGuarded" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "GuardedRef" (
    "messageId" INTEGER NOT NULL,
    "listId" INTEGER NOT NULL,
    "mid" TEXT NOT NULL,

    PRIMARY KEY ("messageId", "mid"),
    CONSTRAINT "GuardedRef_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "GuardedRef_listId_mid_idx" ON "GuardedRef"("listId", "mid");
