import { describe, expect, it } from 'vitest';
import { EmailTemplateError, escapeHtml, renderEmail } from './templates';

describe('email templates', () => {
  it('renders the password reset email with the link in text and HTML', () => {
    const url = 'https://shop.example/reset-password?token=abc_DEF-123';
    const email = renderEmail('password_reset', { name: 'Ada', resetUrl: url });
    expect(email.subject).toBe('Reset your Simple Shop password');
    expect(email.text).toContain('Hello Ada,');
    expect(email.text).toContain(url);
    expect(email.text).toMatch(/30 minutes/);
    expect(email.html).toContain(`<a href="${url}">`);
    expect(email.html).toMatch(/^<!doctype html>/);
  });

  it('escapes everything it puts into HTML', () => {
    const email = renderEmail('password_reset', {
      name: '<script>alert("x")</script> & Co',
      resetUrl: 'https://shop.example/reset-password?token=a"><img src=x onerror=alert(1)>',
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(email.html).toContain('token=a&quot;&gt;&lt;img');
    // Plain text is not HTML: it keeps the name as typed.
    expect(email.text).toContain('Hello <script>alert("x")</script> & Co,');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('refuses unknown kinds and data that does not fit', () => {
    expect(() => renderEmail('order_shipped', {})).toThrow(EmailTemplateError);
    expect(() => renderEmail('toString', {})).toThrow(EmailTemplateError);
    expect(() => renderEmail('password_reset', { name: 'A' })).toThrow(EmailTemplateError);
    expect(() => renderEmail('password_reset', { name: 'A', resetUrl: 'javascript:alert(1)' })).toThrow(
      EmailTemplateError,
    );
  });
});
