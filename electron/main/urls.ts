/**
 * The URLs the main process serves and trusts: the renderer under `app://`, photos under
 * `photo://`, and the Content-Security-Policy of the renderer. Pure functions, no Electron import.
 */
import type { MediaKind } from '../api.js';

/** Scheme and host of the renderer: every page of the app lives under `app://deit-tagger/`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'deit-tagger';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Scheme of photo media: `photo://thumbnail/<id>` and `photo://original/<id>`. */
export const PHOTO_SCHEME = 'photo';

const MEDIA_KINDS: readonly MediaKind[] = ['thumbnail', 'original'];

/**
 * Content-Security-Policy of every renderer page. Svelte 5 sets `style:` directives through
 * the CSSOM (`element.style`), which CSP does not govern, and Vite emits its CSS as files, so
 * styles need no 'unsafe-inline'.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' ${PHOTO_SCHEME}: data: blob:`,
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Returns the URL of a photo's media, the one form `parsePhotoUrl` accepts. */
export function photoUrl(kind: MediaKind, id: number): string {
  return `${PHOTO_SCHEME}://${kind}/${id}`;
}

export interface PhotoRequest {
  kind: MediaKind;
  id: number;
}

/**
 * Parses `photo://thumbnail/<id>` or `photo://original/<id>`, and returns null for anything
 * else. Rejected are: another scheme or kind, a credential, port, query or fragment, a path of
 * more than one segment (`..` included), and an id that is not a positive integer.
 */
export function parsePhotoUrl(text: string): PhotoRequest | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== `${PHOTO_SCHEME}:`) return null;
  if (url.username || url.password || url.port || url.search || url.hash) return null;

  const kind = MEDIA_KINDS.find((candidate) => candidate === url.hostname);
  if (!kind) return null;

  // Compare against the raw text too: URL parsing resolves `..` and percent-escapes, and a
  // request that needed either is not one the renderer makes.
  const match = /^\/([1-9]\d{0,14})$/.exec(url.pathname);
  if (!match || text !== photoUrl(kind, Number(match[1]))) return null;
  return { kind, id: Number(match[1]) };
}

/** Tells whether a URL belongs to the app's own renderer (`app://deit-tagger/...`). */
export function isAppUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Pages the app may open in the system browser: the DeiT project and its published weights. Any
 * other link does nothing: the renderer shows no remote content, and an unexpected link is more
 * likely a bug or an attack.
 */
export const EXTERNAL_LINK_PREFIXES: readonly string[] = [
  'https://github.com/facebookresearch/deit',
  'https://huggingface.co/facebook',
];

/** Tells whether a link may be handed to the system browser. */
export function isAllowedExternalLink(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  // A prefix matches whole path segments: `.../deit` allows `.../deit/README.md`, not `.../deit-x`.
  return EXTERNAL_LINK_PREFIXES.some(
    (prefix) => url.href === prefix || url.href.startsWith(`${prefix}/`),
  );
}
