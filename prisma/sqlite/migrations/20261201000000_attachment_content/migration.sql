-- Attachments keep their decoded bytes, so a download reads one row instead of
-- re-parsing the whole message. Rows from before stay NULL: served by parsing.
ALTER TABLE "Attachment" ADD COLUMN "content" BLOB;
