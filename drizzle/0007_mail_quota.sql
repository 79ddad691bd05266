CREATE TABLE `mail_quota` (
	`id` integer PRIMARY KEY NOT NULL,
	`bucket` text NOT NULL,
	`key_hash` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `mail_quota_key_idx` ON `mail_quota` (`bucket`,`key_hash`,`at`);