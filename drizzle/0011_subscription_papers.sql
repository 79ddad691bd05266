CREATE TABLE `subscription_papers` (
	`subscription_id` integer NOT NULL,
	`paper_id` integer NOT NULL,
	`opinion` text NOT NULL,
	PRIMARY KEY(`subscription_id`, `paper_id`),
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`paper_id`) REFERENCES `papers`(`id`) ON UPDATE no action ON DELETE cascade
);
