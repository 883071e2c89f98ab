import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the catcher received it. */
export interface CapturedMail {
  /** Address of the `From` header (envelope sender when the header has none), e.g. `shop@localhost`. */
  from: string;
  /** Envelope recipients (RCPT TO), in order: who the message was actually delivered to (Bcc included). */
  to: string[];
  subject: string;
  /** Plain-text part ('' when the message has none). */
  text: string;
  /** HTML part ('' when the message has none). */
  html: string;
  /** `Message-ID` header, with its angle brackets (e.g. `<order-paid:abc@simple-shop>`); '' when absent. */
  messageId: string;
  /** Every header, lower-case name → unfolded raw value (repeated headers joined with ', '). */
  headers: Record<string, string>;
  /** SMTP envelope as sent by the client. */
  envelope: { from: string; to: string[] };
  /** The whole message source (RFC 5322). */
  raw: string;
  receivedAt: Date;
}

export interface SmtpCatcher {
  /** `smtp://127.0.0.1:PORT`: use it as SMTP_URL. */
  url: string;
  port: number;
  /** Messages received so far, in arrival order (a copy). */
  messages(): CapturedMail[];
  /** Resolves once at least `n` messages arrived (all of them); rejects after `timeoutMs` naming how many did. */
  waitForMessages(n: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /** Forgets the messages received so far. */
  clear(): void;
  stop(): Promise<void>;
}

function firstAddress(value: AddressObject | AddressObject[] | undefined): string | undefined {
  const objects = Array.isArray(value) ? value : value ? [value] : [];
  for (const object of objects) {
    for (const entry of object.value) if (entry.address) return entry.address;
  }
  return undefined;
}

function headerRecord(lines: readonly { key: string; line: string }[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return headers;
}

/**
 * An in-process SMTP server for tests: plain SMTP on 127.0.0.1 and a free port, no TLS (STARTTLS is
 * not offered), any or no AUTH accepted. Every message is parsed with mailparser and kept in memory.
 *
 *   const smtp = await startSmtpCatcher();
 *   // ... run the worker with SMTP_URL: smtp.url ...
 *   const [mail] = await smtp.waitForMessages(1, 5_000);
 *   await smtp.stop();
 */
export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  let received: CapturedMail[] = [];
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    // stop(): clients still connected (pooled transports) are cut after 1 s instead of 30 s.
    closeTimeout: 1000,
    banner: 'simple-shop smtp catcher',
    onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
            received.push({
              from: firstAddress(parsed.from) ?? envelopeFrom,
              to: envelopeTo,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              headers: headerRecord(parsed.headerLines),
              envelope: { from: envelopeFrom, to: envelopeTo },
              raw: raw.toString('utf8'),
              receivedAt: new Date(),
            });
            for (const wake of waiters) wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors after start-up (a client dropping the connection) must not crash the test process.
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages: () => [...received],
    waitForMessages(n, timeoutMs = 5_000) {
      if (received.length >= n) return Promise.resolve([...received]);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve([...received]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `startSmtpCatcher: expected ${n} message(s) within ${timeoutMs} ms, got ${received.length}` +
                (received.length ? ` (subjects: ${received.map((m) => JSON.stringify(m.subject)).join(', ')})` : ''),
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    clear() {
      received = [];
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
