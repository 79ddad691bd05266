CREATE TABLE `paper_terms` (
	`paper_id` integer NOT NULL,
	`term` text NOT NULL,
	`weight` real NOT NULL,
	PRIMARY KEY(`paper_id`, `term`),
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `paper_terms_term_weight_idx` ON `paper_terms` (`term`,"weight" DESC,`paper_id`);--> statement-breakpoint
CREATE TABLE `term_stats` (
	`term` text PRIMARY KEY NOT NULL,
	`df` integer NOT NULL,
	`surface` text NOT NULL
);
