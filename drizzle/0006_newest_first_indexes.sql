DROP INDEX `papers_published_at_idx`;--> statement-breakpoint
DROP INDEX `papers_listed_on_idx`;--> statement-breakpoint
DROP INDEX `papers_upvotes_idx`;--> statement-breakpoint
DROP INDEX `papers_organization_idx`;--> statement-breakpoint
CREATE INDEX `papers_published_at_desc_idx` ON `papers` ("published_at" DESC,`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_listed_on_desc_idx` ON `papers` ("listed_on" DESC,`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_upvotes_desc_idx` ON `papers` ("upvotes" DESC,`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_organization_published_idx` ON `papers` (`organization_id`,"published_at" DESC,`arxiv_id`);