-- Full-text search (SQLite FTS5), kept in sync by triggers so that a paper is
-- findable the moment its import commits and never after it is gone. The one
-- exception is the authors column of papers_fts: a trigger per author link
-- would rewrite the paper's index entry once per author (ten times slower
-- imports), so the importer sets it once per paper, in the same transaction
-- (refreshSearchAuthors in src/catalogue/store.ts).
-- Rebuild from scratch with `npm run reindex`.
--
-- papers_fts: one row per paper (rowid = papers.id): title, abstract, the
-- authors' names and the organization's name, stemmed (porter) so that
-- "reasoning" finds "reason". Ranked by bm25 with the title weighing most.
CREATE VIRTUAL TABLE `papers_fts` USING fts5(
  title, abstract, authors, organization,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO `papers_fts` (`papers_fts`, `rank`) VALUES ('rank', 'bm25(10.0, 1.0, 3.0, 2.0)');
--> statement-breakpoint
-- authors_fts / organizations_fts: names, for type-ahead by word prefixes.
CREATE VIRTUAL TABLE `authors_fts` USING fts5(name, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
--> statement-breakpoint
CREATE VIRTUAL TABLE `organizations_fts` USING fts5(name, slug, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
--> statement-breakpoint
CREATE TRIGGER `papers_fts_insert` AFTER INSERT ON `papers` BEGIN
  INSERT INTO `papers_fts` (rowid, title, abstract, authors, organization)
  VALUES (new.id, new.title, new.abstract, '', (SELECT name FROM organizations WHERE id = new.organization_id));
END;
--> statement-breakpoint
CREATE TRIGGER `papers_fts_update` AFTER UPDATE OF title, abstract, organization_id ON `papers` BEGIN
  UPDATE `papers_fts` SET title = new.title, abstract = new.abstract,
    organization = (SELECT name FROM organizations WHERE id = new.organization_id)
  WHERE rowid = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `papers_fts_delete` AFTER DELETE ON `papers` BEGIN
  DELETE FROM `papers_fts` WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `organizations_fts_insert` AFTER INSERT ON `organizations` BEGIN
  INSERT INTO `organizations_fts` (rowid, name, slug) VALUES (new.id, new.name, new.slug);
END;
--> statement-breakpoint
CREATE TRIGGER `organizations_fts_update` AFTER UPDATE OF name, slug ON `organizations` BEGIN
  UPDATE `organizations_fts` SET name = new.name, slug = new.slug WHERE rowid = new.id;
  UPDATE `papers_fts` SET organization = new.name WHERE rowid IN (SELECT id FROM papers WHERE organization_id = new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `organizations_fts_delete` AFTER DELETE ON `organizations` BEGIN
  DELETE FROM `organizations_fts` WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `authors_fts_insert` AFTER INSERT ON `authors` BEGIN
  INSERT INTO `authors_fts` (rowid, name) VALUES (new.id, new.name);
END;
--> statement-breakpoint
CREATE TRIGGER `authors_fts_update` AFTER UPDATE OF name ON `authors` BEGIN
  UPDATE `authors_fts` SET name = new.name WHERE rowid = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `authors_fts_delete` AFTER DELETE ON `authors` BEGIN
  DELETE FROM `authors_fts` WHERE rowid = old.id;
END;
--> statement-breakpoint
-- Index what an existing catalogue already holds.
INSERT INTO `papers_fts` (rowid, title, abstract, authors, organization)
SELECT p.id, p.title, p.abstract,
  coalesce((SELECT group_concat(name, ' ') FROM (
    SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = p.id ORDER BY pa.position)), ''),
  o.name
FROM papers p LEFT JOIN organizations o ON o.id = p.organization_id;
--> statement-breakpoint
INSERT INTO `authors_fts` (rowid, name) SELECT id, name FROM authors;
--> statement-breakpoint
INSERT INTO `organizations_fts` (rowid, name, slug) SELECT id, name, slug FROM organizations;
