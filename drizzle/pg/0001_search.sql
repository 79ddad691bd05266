-- Full-text search on PostgreSQL: a paper's weighted tsvector (papers.search,
-- GIN-indexed), written by refresh_paper_search(ids) in the transaction that
-- changes the paper, its authors or its organization. Title A, authors B,
-- organization C, abstract D, English stemming and no stop words (FTS5 drops
-- none: "not" and "the" are words to find there too). Words are split where FTS5's
-- unicode61 tokenizer splits them on SQLite (at every punctuation mark:
-- "image/video" and "GPT-4.1" are two and three words, not a path and a
-- version) and lose their accents as with remove_diacritics, so that a query
-- finds the same papers on both engines.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE TEXT SEARCH DICTIONARY catalogue_stem (TEMPLATE = snowball, LANGUAGE = porter);
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION catalogue (COPY = english);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION catalogue ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart WITH catalogue_stem;
--> statement-breakpoint
-- A text as the index spells it (queries' words too, src/catalogue/pg-search.ts).
CREATE FUNCTION search_fold(body text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT regexp_replace(unaccent(coalesce(body, '')), '[[:punct:][:space:]]+', ' ', 'g');
$$;
--> statement-breakpoint
CREATE FUNCTION search_words_of(body text) RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT to_tsvector('catalogue', search_fold(body));
$$;
--> statement-breakpoint
CREATE FUNCTION refresh_paper_search(ids integer[]) RETURNS void LANGUAGE sql AS $$
  UPDATE papers p SET search =
    setweight(search_words_of(p.title), 'A') ||
    setweight(search_words_of((
      SELECT string_agg(a.name, ' ' ORDER BY pa.position)
      FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
      WHERE pa.paper_id = p.id)), 'B') ||
    setweight(search_words_of((SELECT o.name FROM organizations o WHERE o.id = p.organization_id)), 'C') ||
    setweight(search_words_of(p.abstract), 'D')
  WHERE p.id = ANY(ids);
$$;
