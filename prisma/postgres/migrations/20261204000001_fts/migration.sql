-- Full-text search on PostgreSQL. "Message"."fts" (created by the init
-- migration from schema.prisma) holds a tsvector the app builds when it writes
-- a message; it is not a GENERATED column, so the weights and the text that
-- go in stay the app's choice. The GIN index is written here by hand, like
-- SQLite's FTS5 table, rather than as @@index([fts], type: Gin) in
-- schema.prisma: the two schemas then declare the same indexes.
CREATE INDEX "Message_fts_idx" ON "Message" USING gin ("fts");
