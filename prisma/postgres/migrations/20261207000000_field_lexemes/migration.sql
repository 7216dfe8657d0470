-- Each field's words under their own lexemes in "Message"."fts": the subject's
-- as 's:word' (weight A), From's as 'f:word' (B), To's as 't:word' (C), Cc's
-- as 'cc:word' (C, already so), the body's as 'word' (D). Before, subject,
-- From, To and body shared the bare lexeme and only the weight told them
-- apart, so every field search made PostgreSQL recheck each hit's vector
-- (lib/store/postgres/search-vector.ts explains the layout).
--
-- The vectors are rewritten from themselves, position by position: a
-- position's weight says which field it came from. Positions and weights do
-- not change. A prefixed lexeme is cut to 2046 bytes as the app cuts it (the
-- bare one held at most 2046 bytes, so at most the last two characters go).
-- On a large archive this rewrites every row once; the GIN index is rebuilt
-- after, which is faster than updating it row by row.
DROP INDEX "Message_fts_idx";

UPDATE "Message" m SET "fts" = (
  SELECT coalesce(string_agg('''' || replace(replace(g.lexeme, '\', '\\'), '''', '''''') || ''':' || g.positions, ' '), '')::tsvector
    FROM (
      SELECT CASE
               WHEN octet_length(p.lexeme) <= 2046 THEN p.lexeme
               WHEN octet_length(left(p.lexeme, -1)) <= 2046 THEN left(p.lexeme, -1)
               ELSE left(p.lexeme, -2)
             END AS lexeme,
             p.positions
        FROM (
          SELECT CASE
                   WHEN u.lexeme LIKE 'cc:%' THEN u.lexeme
                   WHEN x.weight = 'A' THEN 's:' || u.lexeme
                   WHEN x.weight = 'B' THEN 'f:' || u.lexeme
                   WHEN x.weight = 'C' THEN 't:' || u.lexeme
                   ELSE u.lexeme
                 END AS lexeme,
                 string_agg(x.position::text || x.weight, ',' ORDER BY x.position) AS positions
            FROM unnest(m."fts") u, unnest(u.positions, u.weights) AS x(position, weight)
           GROUP BY 1
        ) p
    ) g
)
WHERE m."fts" IS NOT NULL;

CREATE INDEX "Message_fts_idx" ON "Message" USING gin ("fts");
