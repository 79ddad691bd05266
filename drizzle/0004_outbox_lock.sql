ALTER TABLE `outbox` ADD `locked_by` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `locked_until` text;