CREATE TABLE `digest_schedule` (
	`period` text NOT NULL,
	`start` text NOT NULL,
	`queued_at` text NOT NULL,
	`mails` integer NOT NULL,
	PRIMARY KEY(`period`, `start`)
);
--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_days` (
	`date` text PRIMARY KEY NOT NULL,
	`fetched_at` text NOT NULL,
	`etag` text,
	`checksum` text,
	`items` integer DEFAULT 0 NOT NULL,
	`papers_added` integer DEFAULT 0 NOT NULL,
	`papers_updated` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`message` text
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text NOT NULL,
	`days` integer DEFAULT 0 NOT NULL,
	`papers_added` integer DEFAULT 0 NOT NULL,
	`papers_updated` integer DEFAULT 0 NOT NULL,
	`message` text
);
--> statement-breakpoint
CREATE INDEX `sync_runs_status_idx` ON `sync_runs` (`status`,`finished_at`);--> statement-breakpoint
CREATE TABLE `upvote_history` (
	`paper_id` integer NOT NULL,
	`date` text NOT NULL,
	`upvotes` integer NOT NULL,
	`github_stars` integer,
	PRIMARY KEY(`paper_id`, `date`),
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Papers already in the catalogue: their counts as of their listing day.
INSERT INTO `upvote_history` (`paper_id`, `date`, `upvotes`, `github_stars`) SELECT `id`, `listed_on`, `upvotes`, `github_stars` FROM `papers`;