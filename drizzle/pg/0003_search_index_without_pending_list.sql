-- The search index without GIN's pending list (fastupdate). With it, new
-- words wait in a list that is moved into the index later, a word at a time,
-- by whoever next cleans it (autovacuum, or the insert that fills the list);
-- cut short (an autovacuum ended by a lock it was in the way of, or by
-- CREATE DATABASE … TEMPLATE; a statement that timed out), the move leaves
-- a paper's first words in the index and the rest still in the list, until a
-- later cleanup completes. A search reads the two apart and does not recheck
-- the paper, so "diffusion -video" found the papers whose "diffusion" had
-- moved and whose "video" had not: 353 where 590 − 241 = 349. Without the
-- list, a paper's words enter the index in its own transaction. Rebuilt
-- rather than altered, so that no list is left behind.
DROP INDEX "papers_search_idx";--> statement-breakpoint
CREATE INDEX "papers_search_idx" ON "papers" USING gin ("search") WITH (fastupdate=false);
