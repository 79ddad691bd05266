// Delivering the outbox: each due mail is sent, then marked sent; a mail that
// cannot be delivered stays queued and is tried again later, with backoff.
import { hostname } from 'node:os';
import type { QueuedMail } from '../catalogue/outbox.ts';
import { log } from '../log.ts';
import type { MailStore } from './mail-store.ts';
import type { MailTransport } from './transport.ts';

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 3_600_000;

/** 5 s, 10 s, 20 s… up to an hour between attempts. */
export const retryDelay = (attempts: number): number => Math.min(FIRST_RETRY_MS * 2 ** attempts, MAX_RETRY_MS);

/** How long a sender may hold a mail: well above the transport's own time-outs. */
export const LEASE_MS = 90_000;

/** This process, as it marks the mail it is sending. */
export const SENDER = `${hostname()}:${process.pid}`;

export interface DeliveryReport {
  sent: number[];
  failed: number[];
  /** Being sent by another process right now. */
  busy: number[];
}

/**
 * Sends every mail that is due now and that no other sender holds, each taken
 * just before it is sent (a lease covers one mail's sending, never a queue's);
 * returns the ids sent and the ids that failed.
 */
export async function deliverDueMail(store: MailStore, transport: MailTransport, now: () => Date = () => new Date()): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: [], failed: [], busy: [] };
  for (;;) {
    const [mail] = await store.claimDueMail(SENDER, now(), LEASE_MS, 1);
    if (!mail) return report;
    await sendClaimed(store, transport, mail, report, now);
  }
}

/** Sends these mails one by one, each once this sender has taken it, marking each sent, or failed with its next attempt. */
export async function deliverMail(
  store: MailStore,
  transport: MailTransport,
  mails: QueuedMail[],
  now: () => Date = () => new Date(),
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: [], failed: [], busy: [] };
  for (const mail of mails) {
    if (await store.claimMail(mail.id, SENDER, now(), LEASE_MS)) await sendClaimed(store, transport, mail, report, now);
    else report.busy.push(mail.id);
  }
  return report;
}

async function sendClaimed(store: MailStore, transport: MailTransport, mail: QueuedMail, report: DeliveryReport, now: () => Date): Promise<void> {
  try {
    await transport.send(mail);
  } catch (error) {
    // The server's reply may quote the address: it never reaches the log or the database.
    const reason = String((error as Error).message ?? error).replaceAll(mail.recipient, '<recipient>');
    const retryAt = new Date(now().getTime() + retryDelay(mail.attempts));
    await store.markFailed(mail.id, reason, retryAt);
    report.failed.push(mail.id);
    log.warn('mail not delivered, will retry', { mail: mail.id, kind: mail.kind, attempt: mail.attempts + 1, retryAt, reason });
    return;
  }
  await store.markSent(mail.id, now());
  report.sent.push(mail.id);
}

export interface OutboxWorker {
  /** Look for due mail now rather than at the next tick. */
  nudge(): void;
  /** Stops polling and waits for a delivery in progress. */
  stop(): Promise<void>;
}

/** Delivers the queue in the background every `intervalMs`, one run at a time. */
export function startOutboxWorker(store: MailStore, transport: MailTransport, intervalMs: number): OutboxWorker {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = (): void => {
    if (running || stopped) return;
    running = deliverDueMail(store, transport)
      .then(() => undefined)
      .catch((error: unknown) => log.error('outbox delivery failed', { error }))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  run();
  return {
    nudge: () => setImmediate(run),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
