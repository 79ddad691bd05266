CREATE TABLE `authors` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`account_name` text,
	`paper_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `authors_name_key_unique` ON `authors` (`name_key`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY NOT NULL,
	`file` text NOT NULL,
	`checksum` text NOT NULL,
	`imported_at` text NOT NULL,
	`items` integer NOT NULL,
	`papers_added` integer NOT NULL,
	`papers_updated` integer NOT NULL,
	`papers_unchanged` integer NOT NULL,
	`authors_added` integer NOT NULL,
	`organizations_added` integer NOT NULL,
	`items_skipped` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `imports_checksum_unique` ON `imports` (`checksum`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` integer PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`avatar_url` text,
	`paper_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_slug_unique` ON `organizations` (`slug`);--> statement-breakpoint
CREATE INDEX `organizations_name_key_idx` ON `organizations` (`name_key`,`slug`);--> statement-breakpoint
CREATE INDEX `organizations_paper_count_idx` ON `organizations` (`paper_count`,`slug`);--> statement-breakpoint
CREATE TABLE `paper_authors` (
	`paper_id` integer NOT NULL,
	`author_id` integer NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`paper_id`, `author_id`),
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `authors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `paper_authors_author_idx` ON `paper_authors` (`author_id`,`paper_id`);--> statement-breakpoint
CREATE TABLE `papers` (
	`id` integer PRIMARY KEY NOT NULL,
	`arxiv_id` text NOT NULL,
	`title` text NOT NULL,
	`abstract` text NOT NULL,
	`published_at` text NOT NULL,
	`listed_on` text NOT NULL,
	`listed` integer DEFAULT false NOT NULL,
	`upvotes` integer DEFAULT 0 NOT NULL,
	`author_count` integer NOT NULL,
	`github_url` text,
	`github_stars` integer,
	`project_url` text,
	`thumbnail_url` text,
	`ai_summary` text,
	`ai_keywords` text,
	`comment_count` integer,
	`organization_id` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `papers_arxiv_id_unique` ON `papers` (`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_published_at_idx` ON `papers` (`published_at`,`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_listed_on_idx` ON `papers` (`listed_on`,`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_upvotes_idx` ON `papers` (`upvotes`,`arxiv_id`);--> statement-breakpoint
CREATE INDEX `papers_organization_idx` ON `papers` (`organization_id`,`published_at`);--> statement-breakpoint
CREATE INDEX `papers_has_code_idx` ON `papers` (("github_url" IS NOT NULL),`published_at`);