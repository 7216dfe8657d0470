-- The writer adds each copy's full-text row itself, from the values it holds
-- (lib/store/sqlite/archive-writer.ts), in key order at the end of its batch:
-- this trigger read each copy's text back from the rows just written, about a
-- third of the index's cost on ingest.
DROP TRIGGER "message_search_key_ai";
