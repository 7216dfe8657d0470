-- CreateTable
CREATE TABLE "List" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT,
    "description" TEXT,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "lastDate" TIMESTAMPTZ(3),

    CONSTRAINT "List_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Message" (
    "id" SERIAL NOT NULL,
    "listId" INTEGER NOT NULL,
    "messageId" TEXT NOT NULL,
    "rawHash" TEXT NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "fromName" TEXT NOT NULL DEFAULT '',
    "fromAddr" TEXT NOT NULL DEFAULT '',
    "toAddrs" TEXT NOT NULL DEFAULT '',
    "ccAddrs" TEXT NOT NULL DEFAULT '',
    "date" TIMESTAMPTZ(3) NOT NULL,
    "inReplyTo" TEXT,
    "references" TEXT NOT NULL DEFAULT '',
    "threadId" INTEGER NOT NULL,
    "bodyText" TEXT NOT NULL DEFAULT '',
    "hasPatch" BOOLEAN NOT NULL DEFAULT false,
    "raw" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "mergeGuarded" BOOLEAN NOT NULL DEFAULT false,
    "fts" tsvector,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" SERIAL NOT NULL,
    "messageId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "filename" TEXT,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA,

    CONSTRAINT "Attachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Thread" (
    "id" SERIAL NOT NULL,
    "listId" INTEGER NOT NULL,
    "rootMid" TEXT NOT NULL DEFAULT '',
    "subject" TEXT NOT NULL DEFAULT '',
    "fromName" TEXT NOT NULL DEFAULT '',
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "firstDate" TIMESTAMPTZ(3),
    "lastDate" TIMESTAMPTZ(3),

    CONSTRAINT "Thread_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ThreadRef" (
    "listId" INTEGER NOT NULL,
    "mid" TEXT NOT NULL,
    "threadId" INTEGER NOT NULL,

    CONSTRAINT "ThreadRef_pkey" PRIMARY KEY ("listId","mid")
);

-- CreateTable
CREATE TABLE "GuardedRef" (
    "messageId" INTEGER NOT NULL,
    "listId" INTEGER NOT NULL,
    "mid" TEXT NOT NULL,

    CONSTRAINT "GuardedRef_pkey" PRIMARY KEY ("messageId","mid")
);

-- CreateTable
CREATE TABLE "PatchMail" (
    "messageId" INTEGER NOT NULL,
    "listId" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "counter" INTEGER,
    "total" INTEGER,
    "rfc" BOOLEAN NOT NULL DEFAULT false,
    "resend" BOOLEAN NOT NULL DEFAULT false,
    "isPullRequest" BOOLEAN NOT NULL DEFAULT false,
    "prefixes" TEXT NOT NULL DEFAULT '',
    "normalizedTitle" TEXT NOT NULL,
    "changeId" TEXT,
    "versionId" INTEGER,

    CONSTRAINT "PatchMail_pkey" PRIMARY KEY ("messageId")
);

-- CreateTable
CREATE TABLE "ReplyTrailer" (
    "messageId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "ReplyTrailer_pkey" PRIMARY KEY ("messageId","position")
);

-- CreateTable
CREATE TABLE "Series" (
    "id" SERIAL NOT NULL,
    "listId" INTEGER NOT NULL,
    "latestVersionId" INTEGER,
    "versionCount" INTEGER NOT NULL,
    "firstDate" TIMESTAMPTZ(3) NOT NULL,
    "lastDate" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Series_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SeriesVersion" (
    "id" SERIAL NOT NULL,
    "seriesId" INTEGER NOT NULL,
    "listId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "present" INTEGER NOT NULL,
    "rootMessageId" INTEGER NOT NULL,
    "rootMid" TEXT NOT NULL,
    "coverMessageId" INTEGER,
    "title" TEXT NOT NULL,
    "fromAddr" TEXT NOT NULL,
    "date" TIMESTAMPTZ(3) NOT NULL,
    "lastDate" TIMESTAMPTZ(3) NOT NULL,
    "replyCount" INTEGER NOT NULL DEFAULT 0,
    "rfc" BOOLEAN NOT NULL DEFAULT false,
    "resend" BOOLEAN NOT NULL DEFAULT false,
    "isPullRequest" BOOLEAN NOT NULL DEFAULT false,
    "superseded" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "SeriesVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SeriesPatch" (
    "versionId" INTEGER NOT NULL,
    "counter" INTEGER NOT NULL,
    "messageId" INTEGER NOT NULL,
    "reviewed" INTEGER NOT NULL DEFAULT 0,
    "acked" INTEGER NOT NULL DEFAULT 0,
    "tested" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SeriesPatch_pkey" PRIMARY KEY ("versionId","counter")
);

-- CreateTable
CREATE TABLE "SeriesDirty" (
    "threadId" INTEGER NOT NULL,

    CONSTRAINT "SeriesDirty_pkey" PRIMARY KEY ("threadId")
);

-- CreateTable
CREATE TABLE "SeriesBackfill" (
    "upToId" INTEGER NOT NULL,

    CONSTRAINT "SeriesBackfill_pkey" PRIMARY KEY ("upToId")
);

-- CreateIndex
CREATE UNIQUE INDEX "List_name_key" ON "List"("name");

-- CreateIndex
CREATE INDEX "Message_listId_messageId_idx" ON "Message"("listId", "messageId");

-- CreateIndex
CREATE INDEX "Message_messageId_idx" ON "Message"("messageId");

-- CreateIndex
CREATE INDEX "Message_threadId_date_idx" ON "Message"("threadId", "date");

-- CreateIndex
CREATE INDEX "Message_listId_date_idx" ON "Message"("listId", "date");

-- CreateIndex
CREATE UNIQUE INDEX "Message_listId_rawHash_key" ON "Message"("listId", "rawHash");

-- CreateIndex
CREATE UNIQUE INDEX "Attachment_messageId_position_key" ON "Attachment"("messageId", "position");

-- CreateIndex
CREATE INDEX "Thread_listId_lastDate_idx" ON "Thread"("listId", "lastDate");

-- CreateIndex
CREATE INDEX "ThreadRef_threadId_idx" ON "ThreadRef"("threadId");

-- CreateIndex
CREATE INDEX "GuardedRef_listId_mid_idx" ON "GuardedRef"("listId", "mid");

-- CreateIndex
CREATE INDEX "PatchMail_listId_normalizedTitle_idx" ON "PatchMail"("listId", "normalizedTitle");

-- CreateIndex
CREATE INDEX "PatchMail_listId_changeId_idx" ON "PatchMail"("listId", "changeId");

-- CreateIndex
CREATE INDEX "PatchMail_versionId_idx" ON "PatchMail"("versionId");

-- CreateIndex
CREATE INDEX "Series_listId_lastDate_idx" ON "Series"("listId", "lastDate");

-- CreateIndex
CREATE INDEX "SeriesVersion_seriesId_idx" ON "SeriesVersion"("seriesId");

-- CreateIndex
CREATE INDEX "SeriesVersion_listId_rootMid_idx" ON "SeriesVersion"("listId", "rootMid");

-- CreateIndex
CREATE INDEX "SeriesVersion_listId_date_idx" ON "SeriesVersion"("listId", "date");

-- CreateIndex
CREATE INDEX "SeriesPatch_messageId_idx" ON "SeriesPatch"("messageId");

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_listId_fkey" FOREIGN KEY ("listId") REFERENCES "List"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Thread" ADD CONSTRAINT "Thread_listId_fkey" FOREIGN KEY ("listId") REFERENCES "List"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ThreadRef" ADD CONSTRAINT "ThreadRef_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuardedRef" ADD CONSTRAINT "GuardedRef_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PatchMail" ADD CONSTRAINT "PatchMail_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReplyTrailer" ADD CONSTRAINT "ReplyTrailer_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SeriesVersion" ADD CONSTRAINT "SeriesVersion_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "Series"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SeriesPatch" ADD CONSTRAINT "SeriesPatch_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "SeriesVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
