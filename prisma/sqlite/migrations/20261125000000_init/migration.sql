-- CreateTable
CREATE TABLE "List" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "address" TEXT,
    "description" TEXT,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "lastDate" DATETIME
);

-- CreateTable
CREATE TABLE "Message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "listId" INTEGER NOT NULL,
    "messageId" TEXT NOT NULL,
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
    "bodyText" TEXT NOT NULL DEFAULT '',
    "hasPatch" BOOLEAN NOT NULL DEFAULT false,
    "raw" BLOB NOT NULL,
    "size" INTEGER NOT NULL,
    CONSTRAINT "Message_listId_fkey" FOREIGN KEY ("listId") REFERENCES "List" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Message_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "messageId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "filename" TEXT,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    CONSTRAINT "Attachment_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Thread" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "listId" INTEGER NOT NULL,
    "rootMid" TEXT NOT NULL DEFAULT '',
    "subject" TEXT NOT NULL DEFAULT '',
    "fromName" TEXT NOT NULL DEFAULT '',
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "firstDate" DATETIME,
    "lastDate" DATETIME,
    CONSTRAINT "Thread_listId_fkey" FOREIGN KEY ("listId") REFERENCES "List" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ThreadRef" (
    "listId" INTEGER NOT NULL,
    "mid" TEXT NOT NULL,
    "threadId" INTEGER NOT NULL,

    PRIMARY KEY ("listId", "mid"),
    CONSTRAINT "ThreadRef_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
