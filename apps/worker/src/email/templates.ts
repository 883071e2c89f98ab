import type { EmailDataByKind, EmailKind } from '@simple-shop/db';
import { escapeHtml, type RenderedEmail } from './html';
import { ORDER_TEMPLATES } from './order-templates';

export { escapeHtml, type RenderedEmail };

/**
 * Email templates: pure functions from the outbox document's data to what is sent. Every value
 * that goes into HTML is escaped. One template per kind (`EmailKind` in @simple-shop/db); adding
 * a kind is adding its data type there and its template here.
 */
/** Thrown when an outbox document cannot be rendered: retrying cannot help. */
export class EmailTemplateError extends Error {
  override name = 'EmailTemplateError';
}

function layout(title: string, bodyHtml: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>',
    escapeHtml(title),
    '</title></head>',
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222">',
    bodyHtml,
    '<p style="color: #777; font-size: 12px">Simple Shop</p>',
    '</body></html>',
  ].join('');
}

type Template<K extends EmailKind> = {
  /** Checks the stored data has the shape the template needs (it comes from the database). */
  accepts(data: Record<string, unknown>): boolean;
  render(data: EmailDataByKind[K]): RenderedEmail;
};

const isString = (value: unknown): value is string => typeof value === 'string';

export const TEMPLATES: { [K in EmailKind]: Template<K> } = {
  ...ORDER_TEMPLATES,
  password_reset: {
    accepts: (data) => isString(data.name) && isString(data.resetUrl) && /^https?:\/\//.test(data.resetUrl),
    render: ({ name, resetUrl }) => {
      const subject = 'Reset your Simple Shop password';
      const text = [
        `Hello ${name},`,
        '',
        'Someone (hopefully you) asked to reset the password of your Simple Shop account.',
        'Open this link within 30 minutes to choose a new one:',
        '',
        resetUrl,
        '',
        'The link works once. If you did not ask for it, ignore this email: your password stays as it is.',
        '',
      ].join('\n');
      const html = layout(
        subject,
        [
          `<p>Hello ${escapeHtml(name)},</p>`,
          '<p>Someone (hopefully you) asked to reset the password of your Simple Shop account.',
          ' Open this link within 30 minutes to choose a new one:</p>',
          `<p><a href="${escapeHtml(resetUrl)}">Choose a new password</a></p>`,
          `<p style="font-size: 12px; word-break: break-all">${escapeHtml(resetUrl)}</p>`,
          '<p>The link works once. If you did not ask for it, ignore this email: your password stays as it is.</p>',
        ].join(''),
      );
      return { subject, text, html };
    },
  },
};

export function isEmailKind(kind: string): kind is EmailKind {
  return Object.hasOwn(TEMPLATES, kind);
}

/** Renders an outbox document's `kind` and `data`; throws EmailTemplateError when it cannot. */
export function renderEmail(kind: string, data: Record<string, unknown>): RenderedEmail {
  if (!isEmailKind(kind)) throw new EmailTemplateError(`no template for email kind '${kind}'`);
  const template = TEMPLATES[kind] as Template<EmailKind>;
  if (!template.accepts(data)) throw new EmailTemplateError(`data of a '${kind}' email does not fit its template`);
  return template.render(data as EmailDataByKind[EmailKind]);
}
