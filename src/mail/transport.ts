// Where mail goes: an SMTP server when SMTP_URL is set, otherwise .eml files
// in the outbox folder, so a new user can open what would have been sent.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Config } from '../config.ts';
import type { QueuedMail } from '../catalogue/outbox.ts';
import { isNormalisedAddress } from './address.ts';

export interface MailTransport {
  send(mail: QueuedMail): Promise<void>;
  close(): void;
  /** Where mail goes, for the start-up message (never with credentials). */
  describe: string;
}

export function createMailTransport(config: Config['mail']): MailTransport {
  const message = (mail: QueuedMail) => {
    // Rows written before addresses were checked (mail/address.ts) are not sent to whatever a mail library makes of them.
    if (!isNormalisedAddress(mail.recipient)) throw new Error('the recipient is not one plain, normalised address: not sent');
    return {
      from: config.from,
      to: mail.recipient,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: JSON.parse(mail.headers) as Record<string, string>,
    };
  };
  if (config.smtpUrl) {
    // Time-outs well inside the delivery lease (LEASE_MS), so a hung server cannot outlive a lock.
    const transport = nodemailer.createTransport({
      url: config.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } as SMTPTransport.Options);
    const url = new URL(config.smtpUrl);
    return {
      describe: `SMTP ${url.protocol}//${url.host}`,
      send: async (mail) => void (await transport.sendMail(message(mail))),
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    describe: `.eml files in ${config.outboxDir}`,
    send: async (mail) => {
      const info = await transport.sendMail(message(mail));
      mkdirSync(config.outboxDir, { recursive: true });
      const name = `${mail.createdAt.replace(/[:.]/gu, '-')}-${mail.id}-${mail.kind}.eml`;
      writeFileSync(path.join(config.outboxDir, name), info.message as Buffer);
    },
    close: () => transport.close(),
  };
}
