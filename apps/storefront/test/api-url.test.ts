import { describe, expect, it } from 'vitest';
import { resolveApiUrl } from '../src/api-url';

describe('config.json apiUrl', () => {
  it('keeps an absolute API URL on another origin, without a trailing slash', () => {
    expect(resolveApiUrl('http://localhost:5000/', 'http://localhost:3000/cart')).toBe('http://localhost:5000');
    expect(resolveApiUrl('https://api.shop.example.com', 'https://shop.example.com/')).toBe(
      'https://api.shop.example.com',
    );
  });

  it('resolves a path against the page: "/" is the API on the same origin (the storefront image)', () => {
    expect(resolveApiUrl('/', 'http://127.0.0.1:8080/checkout/success?session_id=cs_1')).toBe('http://127.0.0.1:8080');
    expect(resolveApiUrl('/shop-api/', 'https://shop.example.com/products/1')).toBe(
      'https://shop.example.com/shop-api',
    );
  });

  it('refuses a missing or non-http value', () => {
    for (const value of [undefined, '', 'localhost:5000', 'javascript:alert(1)', '//evil.example.com', 42]) {
      expect(() => resolveApiUrl(value, 'http://127.0.0.1:8080/')).toThrow('config.json: apiUrl missing');
    }
  });
});
