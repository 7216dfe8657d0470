-- Each message's vector in "Message"."fts" gains the lexeme of its date's
-- month (UTC), without positions: 'd:202612'. A page of the newest hits of a
-- common word then reads, through GIN, only the months its window of the
-- date index spans (lib/store/postgres/search.ts), not every hit of the word
-- in the archive; lib/store/postgres/search-vector.ts builds the same lexeme
-- for new mail.
--
-- Every row gets one, a row never given a vector too (an empty one then), so
-- that no message in a window is missed for lacking its month. On a large
-- archive this rewrites every row once; the GIN index is rebuilt after, which
-- is faster than updating it row by row.
DROP INDEX "Message_fts_idx";

UPDATE "Message" SET "fts" = coalesce("fts", ''::tsvector)
  || array_to_tsvector(ARRAY['d:' || to_char("date" AT TIME ZONE 'UTC', 'YYYYMM')]);

CREATE INDEX "Message_fts_idx" ON "Message" USING gin ("fts");
