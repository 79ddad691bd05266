// A real SMTP server on 127.0.0.1 for the tests, keeping what it accepted,
// parsed by mailparser.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtp {
  port: number;
  url: string;
  /** Mail accepted so far, in order. */
  received: ParsedMail[];
  /** Called with each message before it is accepted; throw to refuse it. */
  onMessage: (mail: ParsedMail) => void | Promise<void>;
  /** Resolves when `count` mails have been accepted (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<ParsedMail[]>;
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
  let server: SMTPServer;
  const smtp: TestSmtp = {
    port,
    url: '',
    received: [],
    onMessage: () => {},
    async waitFor(count, ms = 10_000) {
      const until = Date.now() + ms;
      while (smtp.received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} mails within ${ms} ms, got ${smtp.received.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return smtp.received;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, _session, callback) {
          simpleParser(stream)
            .then(async (mail) => {
              await smtp.onMessage(mail);
              smtp.received.push(mail);
              callback();
            })
            .catch((error: Error) => callback(Object.assign(error, { responseCode: 451 })));
        },
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(smtp.port, '127.0.0.1', () => resolve());
      });
      smtp.port = (server.server.address() as { port: number }).port;
      smtp.url = `smtp://127.0.0.1:${smtp.port}`;
    },
  };
  await smtp.start();
  return smtp;
}
