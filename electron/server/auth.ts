import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Name of the cookie that carries the access token after the first page load. */
export const TOKEN_COOKIE = 'deit_tagger_token';

/** Creates a random access token: 24 bytes, base64url (32 characters). */
export function createToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  // timingSafeEqual throws on different lengths; the length of a token is no secret.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses a Cookie header into name/value pairs. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      // A malformed escape in someone else's cookie is no reason to reject the request.
    }
  }
  return cookies;
}

/**
 * Checks the token of a request: `Authorization: Bearer`, the cookie set on the first page load,
 * or `?token=` in the URL (for media URLs and EventSource, which cannot set headers).
 */
export function hasValidToken(req: IncomingMessage, url: URL, token: string): boolean {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && sameToken(token, auth.slice('Bearer '.length).trim())) {
    return true;
  }
  if (sameToken(token, parseCookies(req.headers.cookie).get(TOKEN_COOKIE))) return true;
  return sameToken(token, url.searchParams.get('token'));
}

/** Returns the cookie that stores the token for later requests from the same page. */
export function tokenCookie(token: string): string {
  // SameSite=Strict keeps other sites from riding on the cookie (CSRF); HttpOnly keeps scripts
  // from reading it.
  return `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Tells whether a bind address is a loopback address. */
export function isLoopback(host: string): boolean {
  // Only a literal 127.x.y.z address: a name such as 127.0.0.1.example.com can resolve anywhere.
  return LOOPBACK_NAMES.has(host) || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);
}

/**
 * Guards against DNS rebinding: when the server listens on loopback only, a page on another
 * site could still reach it through a host name that resolves to 127.0.0.1. Its requests carry
 * that host name in the Host header, so only loopback names are accepted.
 */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!match) return false;
  const [, name = '', portText] = match;
  if (portText !== undefined && Number(portText) !== port) return false;
  return isLoopback(name);
}
