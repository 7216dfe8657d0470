-- Patch series (lib/series/): what ingest learns from patch subjects and
-- review replies, and the series and versions grouped from it. Series and
-- versions are derived data: lib/store/sqlite/series-writer.ts rebuilds the
-- ones a batch touched from "PatchMail" and "ReplyTrailer", so arrival order
-- never shows in them.

-- A patch or cover letter: a mail whose subject says so and is not a reply.
CREATE TABLE "PatchMail" (
    "messageId" INTEGER NOT NULL PRIMARY KEY,
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
    CONSTRAINT "PatchMail_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "PatchMail_listId_normalizedTitle_idx" ON "PatchMail"("listId", "normalizedTitle");
CREATE INDEX "PatchMail_listId_changeId_idx" ON "PatchMail"("listId", "changeId");
CREATE INDEX "PatchMail_versionId_idx" ON "PatchMail"("versionId");

-- Trailers a reply gives in its own words (not quoted, not in a pasted patch).
CREATE TABLE "ReplyTrailer" (
    "messageId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    PRIMARY KEY ("messageId", "position"),
    CONSTRAINT "ReplyTrailer_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "Series" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "listId" INTEGER NOT NULL,
    "latestVersionId" INTEGER,
    "versionCount" INTEGER NOT NULL,
    "firstDate" DATETIME NOT NULL,
    "lastDate" DATETIME NOT NULL
);
CREATE INDEX "Series_listId_lastDate_idx" ON "Series"("listId", "lastDate");

CREATE TABLE "SeriesVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "date" DATETIME NOT NULL,
    "lastDate" DATETIME NOT NULL,
    "replyCount" INTEGER NOT NULL DEFAULT 0,
    "rfc" BOOLEAN NOT NULL DEFAULT false,
    "resend" BOOLEAN NOT NULL DEFAULT false,
    "isPullRequest" BOOLEAN NOT NULL DEFAULT false,
    "superseded" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "SeriesVersion_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "Series" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "SeriesVersion_seriesId_idx" ON "SeriesVersion"("seriesId");
CREATE INDEX "SeriesVersion_listId_rootMid_idx" ON "SeriesVersion"("listId", "rootMid");
CREATE INDEX "SeriesVersion_listId_date_idx" ON "SeriesVersion"("listId", "date");

-- The patches present in a version, with the review marks collected for each
-- (trailers given under the patch or on the cover letter).
CREATE TABLE "SeriesPatch" (
    "versionId" INTEGER NOT NULL,
    "counter" INTEGER NOT NULL,
    "messageId" INTEGER NOT NULL,
    "reviewed" INTEGER NOT NULL DEFAULT 0,
    "acked" INTEGER NOT NULL DEFAULT 0,
    "tested" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("versionId", "counter"),
    CONSTRAINT "SeriesPatch_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "SeriesVersion" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "SeriesPatch_messageId_idx" ON "SeriesPatch"("messageId");

-- Threads whose series must be rebuilt: written in the batch that touched
-- them, cleared by the rebuild, so an ingest killed in between leaves work
-- the next run finishes.
CREATE TABLE "SeriesDirty" (
    "threadId" INTEGER NOT NULL PRIMARY KEY
);

-- Messages stored before this migration have no "PatchMail" or "ReplyTrailer"
-- rows yet: the next ingest reads those up to this id, then sets it to 0.
CREATE TABLE "SeriesBackfill" (
    "upToId" INTEGER NOT NULL PRIMARY KEY
);
INSERT INTO "SeriesBackfill" ("upToId") SELECT coalesce(max("id"), 0) FROM "Message";
