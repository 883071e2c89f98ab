import { startSmtpCatcher, type SmtpCatcher } from '@simple-shop/testing';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The SMTP catcher of @simple-shop/testing against the SMTP client the worker uses (nodemailer over SMTP_URL). */
describe('startSmtpCatcher with nodemailer', () => {
  let smtp: SmtpCatcher;
  beforeAll(async () => {
    smtp = await startSmtpCatcher();
  });
  afterAll(async () => {
    await smtp?.stop();
  });

  it('captures what nodemailer sends to SMTP_URL, parsed', async () => {
    const transporter = nodemailer.createTransport(smtp.url);
    try {
      const info = await transporter.sendMail({
        from: 'Simple Shop <shop@localhost>',
        to: 'customer@example.com',
        bcc: 'audit@example.com',
        subject: 'Order confirmed – #42',
        text: 'Thanks! Total: 19.99 EUR',
        html: '<p>Thanks! Total: <b>19.99 EUR</b></p>',
        messageId: '<order-paid:42@simple-shop>',
        headers: { 'X-Outbox-Id': 'order-paid:42' },
      });
      expect(info.accepted).toEqual(['customer@example.com', 'audit@example.com']);
    } finally {
      transporter.close();
    }

    const [mail] = await smtp.waitForMessages(1, 5_000);
    expect(mail).toMatchObject({
      from: 'shop@localhost',
      to: ['customer@example.com', 'audit@example.com'],
      subject: 'Order confirmed – #42',
      text: 'Thanks! Total: 19.99 EUR',
      html: '<p>Thanks! Total: <b>19.99 EUR</b></p>',
      messageId: '<order-paid:42@simple-shop>',
    });
    expect(mail!.headers['x-outbox-id']).toBe('order-paid:42');
    expect(mail!.headers['to']).toBe('customer@example.com');
    expect(mail!.headers).not.toHaveProperty('bcc');
  });
});
