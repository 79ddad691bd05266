-- What reading the catalogue needs on PostgreSQL beyond its tables
-- (src/catalogue/pg-catalogue.ts).
--
-- Keys that lists are sorted and paged by compare by code point, as SQLite
-- compares them, whatever locale the database was created with: a cursor then
-- means the same on both engines, and "Zeta" sorts before "alpha" on both.
ALTER TABLE papers ALTER COLUMN arxiv_id TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE papers ALTER COLUMN published_at TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE papers ALTER COLUMN listed_on TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE authors ALTER COLUMN name_key TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE organizations ALTER COLUMN name_key TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE organizations ALTER COLUMN slug TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE upvote_history ALTER COLUMN date TYPE text COLLATE "C";
--> statement-breakpoint
-- The trending score, as src/catalogue/trending.ts computes it on SQLite (in
-- JavaScript there): each gain halved every half window of its age.
CREATE FUNCTION day_start_ms(day text) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT extract(epoch FROM make_date(substr(day, 1, 4)::int, substr(day, 6, 2)::int, substr(day, 9, 2)::int))::double precision * 1000;
$$;
--> statement-breakpoint
CREATE FUNCTION trending_weight(age_ms double precision, window_hours double precision) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN age_ms / 3600000 < 0 OR age_ms / 3600000 > window_hours THEN 0
    WHEN window_hours = 'Infinity' THEN 1
    ELSE power(2::double precision, -(age_ms / 3600000) / (window_hours / 2))
  END;
$$;
--> statement-breakpoint
-- Without history: upvotes + 1 gained at the start of the listing day.
CREATE FUNCTION trending_score(upvotes integer, listed_on text, as_of_ms double precision, window_hours double precision) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (upvotes + 1) * trending_weight(as_of_ms - day_start_ms(listed_on), window_hours);
$$;
--> statement-breakpoint
-- With history: the gains between the recorded counts, the first on the listing
-- day, summed oldest first as momentum() sums them; NULL without history.
CREATE FUNCTION trending_momentum(paper integer, listed_on text, as_of_ms double precision, window_hours double precision) RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sum(gain * trending_weight(as_of_ms - at_ms, window_hours) ORDER BY date)
  FROM (
    SELECT h.date,
      h.upvotes + 1 - coalesce(lag(h.upvotes + 1) OVER by_date, 0) AS gain,
      CASE WHEN row_number() OVER by_date = 1 THEN day_start_ms(listed_on) ELSE greatest(day_start_ms(listed_on), day_start_ms(h.date)) END AS at_ms
    FROM upvote_history h
    WHERE h.paper_id = paper
    WINDOW by_date AS (ORDER BY h.date)
  ) gains;
$$;
--> statement-breakpoint
CREATE FUNCTION trending(paper integer, upvotes integer, listed_on text, as_of_ms double precision, window_hours double precision) RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(trending_momentum(paper, listed_on, as_of_ms, window_hours), trending_score(upvotes, listed_on, as_of_ms, window_hours));
$$;
--> statement-breakpoint
-- Names for type-ahead (Query.authors, Query.organizations): every word of the
-- query starts a word of the name, accents and case ignored, as FTS5's prefix
-- queries over authors_fts and organizations_fts find them on SQLite.
-- IMMUTABLE for the index: unaccent's rules do not change under a catalogue.
CREATE FUNCTION name_words(name text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple', search_fold(name));
$$;
--> statement-breakpoint
CREATE FUNCTION name_prefixes(words text[]) RETURNS tsquery LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_tsquery('simple', coalesce(string_agg(quote_literal(trim(search_fold(w))) || ':*', ' & '), ''))
  FROM unnest(words) AS w
  WHERE trim(search_fold(w)) <> '';
$$;
--> statement-breakpoint
CREATE INDEX authors_name_words_idx ON authors USING gin (name_words(name));
--> statement-breakpoint
CREATE INDEX organizations_name_words_idx ON organizations USING gin ((name_words(name) || name_words(slug)));
