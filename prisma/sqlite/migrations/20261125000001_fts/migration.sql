-- Full-text index over subject, addresses and body (SQLite FTS5, external
-- content: the text lives once, in "Message"). Prisma cannot model virtual
-- tables, so this migration is hand-written; lib/store/sqlite/search.ts queries it.
CREATE VIRTUAL TABLE "message_fts" USING fts5(
  subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText,
  content='Message', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2'
);

CREATE TRIGGER "message_fts_ai" AFTER INSERT ON "Message" BEGIN
  INSERT INTO message_fts(rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText)
  VALUES (new.id, new.subject, new.fromName, new.fromAddr, new.toAddrs, new.ccAddrs, new.bodyText);
END;

CREATE TRIGGER "message_fts_ad" AFTER DELETE ON "Message" BEGIN
  INSERT INTO message_fts(message_fts, rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText)
  VALUES ('delete', old.id, old.subject, old.fromName, old.fromAddr, old.toAddrs, old.ccAddrs, old.bodyText);
END;

CREATE TRIGGER "message_fts_au" AFTER UPDATE OF subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText ON "Message" BEGIN
  INSERT INTO message_fts(message_fts, rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText)
  VALUES ('delete', old.id, old.subject, old.fromName, old.fromAddr, old.toAddrs, old.ccAddrs, old.bodyText);
  INSERT INTO message_fts(rowid, subject, fromName, fromAddr, toAddrs, ccAddrs, bodyText)
  VALUES (new.id, new.subject, new.fromName, new.fromAddr, new.toAddrs, new.ccAddrs, new.bodyText);
END;
