import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher';

/** A plain SMTP client conversation over node:net: send each command once the reply to the previous one arrived. */
async function smtpConversation(port: number, commands: string[]): Promise<string[]> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  const replies: string[] = [];
  let buffer = '';
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply is complete at a line "NNN text" (a "NNN-text" line continues it).
    for (let match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer); match; match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer)) {
      const end = match.index + match[0].length;
      replies.push(buffer.slice(0, end));
      buffer = buffer.slice(end);
      wake?.();
    }
  });
  const nextReply = async (count: number) => {
    while (replies.length < count) await new Promise<void>((resolve) => (wake = resolve));
  };
  await nextReply(1); // greeting
  for (const [index, command] of commands.entries()) {
    socket.write(`${command}\r\n`);
    await nextReply(index + 2);
  }
  socket.end();
  return replies;
}

const MESSAGE = [
  'From: "Simple Shop" <shop@localhost>',
  'To: Customer <customer@example.com>',
  'Subject: =?UTF-8?Q?Your_order_=E2=9C=93?=',
  'Message-ID: <order-paid:abc123@simple-shop>',
  'X-Simple-Shop-Kind: order-paid',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Thanks for your order.',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Thanks for your <b>order</b>.</p>',
  '--b1--',
  '.',
].join('\r\n');

describe('startSmtpCatcher', () => {
  let smtp: SmtpCatcher;
  beforeAll(async () => {
    smtp = await startSmtpCatcher();
  });
  afterAll(async () => {
    await smtp?.stop();
  });

  it('listens on 127.0.0.1 without STARTTLS and captures a parsed message', async () => {
    expect(smtp.url).toBe(`smtp://127.0.0.1:${smtp.port}`);
    const waiting = smtp.waitForMessages(1, 5_000);
    const replies = await smtpConversation(smtp.port, [
      'EHLO client.test',
      'MAIL FROM:<bounce@localhost>',
      'RCPT TO:<customer@example.com>',
      'RCPT TO:<audit@example.com>',
      'DATA',
      MESSAGE,
      'QUIT',
    ]);
    expect(replies[0]).toMatch(/^220 /);
    expect(replies[1]).toMatch(/^250/);
    expect(replies[1]).not.toContain('STARTTLS');
    expect(replies.slice(2, 5).map((r) => r.slice(0, 3))).toEqual(['250', '250', '250']);
    expect(replies[5]).toMatch(/^354 /);
    expect(replies[6]).toMatch(/^250 /); // message accepted only after it was parsed and stored

    const [mail] = await waiting;
    expect(mail).toMatchObject({
      from: 'shop@localhost',
      to: ['customer@example.com', 'audit@example.com'],
      subject: 'Your order ✓',
      text: 'Thanks for your order.',
      html: '<p>Thanks for your <b>order</b>.</p>',
      messageId: '<order-paid:abc123@simple-shop>',
      envelope: { from: 'bounce@localhost', to: ['customer@example.com', 'audit@example.com'] },
    });
    expect(mail!.headers['x-simple-shop-kind']).toBe('order-paid');
    expect(mail!.headers['from']).toBe('"Simple Shop" <shop@localhost>');
    expect(mail!.raw).toContain('X-Simple-Shop-Kind: order-paid');
    expect(smtp.messages()).toHaveLength(1);
  });

  it('waitForMessages times out naming what arrived; clear() forgets', async () => {
    await expect(smtp.waitForMessages(3, 200)).rejects.toThrow(/expected 3 message\(s\) within 200 ms, got 1/);
    smtp.clear();
    expect(smtp.messages()).toEqual([]);
    await expect(smtp.waitForMessages(1, 100)).rejects.toThrow(/got 0/);
  });
});
