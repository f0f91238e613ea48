import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopback } from '../../electron/server/auth.js';

describe('hostAllowed', () => {
  it.each(['127.0.0.1:8080', 'localhost:8080', '127.1.2.3:8080', '[::1]:8080'])(
    'accepts loopback host %s',
    (host) => {
      expect(hostAllowed(host, 8080)).toBe(true);
    },
  );

  it.each([
    '127.0.0.1.evil.example:8080',
    '127.0.0.1.evil.example',
    'evil.example:8080',
    '127.0.0.256:8080',
    '1270.0.0.1:8080',
  ])('rejects host %s', (host) => {
    expect(hostAllowed(host, 8080)).toBe(false);
  });
});

describe('isLoopback', () => {
  it('accepts only literal addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.0.0.1.nip.io')).toBe(false);
  });
});
