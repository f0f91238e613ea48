import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

/**
 * Content-Security-Policy of every response: scripts and styles from this origin only, images
 * also from blob: and data: URLs, requests to this origin only, no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.heic': 'image/heic',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Returns the MIME type for a file name, `application/octet-stream` when unknown. */
export function mimeType(fileName: string): string {
  return MIME_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** Sets the headers every response carries. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/**
 * Resolves a URL path inside `root`, or returns null when it would leave it (`..`, encoded
 * slashes, NUL bytes) or cannot be decoded.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rootDir = resolve(root);
  const full = resolve(join(rootDir, normalize(decoded)));
  if (full !== rootDir && !full.startsWith(rootDir + sep)) return null;
  return full;
}

/** Returns the size of a regular file in bytes, or null when it is missing or not a file. */
export async function regularFileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

/** Streams a file with its MIME type; returns false when it is not a readable regular file. */
export async function sendFile(
  res: ServerResponse,
  file: string,
  options: { cache?: string; contentType?: string; method?: string } = {},
): Promise<boolean> {
  const size = await regularFileSize(file);
  if (size === null) return false;

  res.statusCode = 200;
  res.setHeader('Content-Type', options.contentType ?? mimeType(file));
  res.setHeader('Content-Length', size);
  res.setHeader('Cache-Control', options.cache ?? 'no-cache');
  if (options.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', done);
    stream.pipe(res);
  });
  return true;
}

/**
 * Serves the built renderer: a file under `root`, or index.html for paths without an extension
 * (client-side routes). Returns false when nothing matched.
 */
export async function serveStatic(
  res: ServerResponse,
  root: string,
  urlPath: string,
  method: string,
): Promise<boolean> {
  const path = urlPath === '/' ? '/index.html' : urlPath;
  const file = resolveInside(root, path);
  if (!file) return false;
  // Vite puts content-hashed bundles under assets/: they never change under the same name.
  const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  if (await sendFile(res, file, { cache, method })) return true;
  if (extname(path) === '') {
    return sendFile(res, join(resolve(root), 'index.html'), { method });
  }
  return false;
}
