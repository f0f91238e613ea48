/**
 * The custom protocols of the main process: `app://deit-tagger/` serves the built renderer with
 * its Content-Security-Policy, and `photo://thumbnail/<id>` and `photo://original/<id>` serve a
 * photo by id. The renderer never names a file path.
 *
 * The handlers are plain functions from a fetch Request to a Response, so tests run them in
 * Node; `registerProtocols` hands them to Electron.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { CustomScheme, Protocol } from 'electron';

import type { MediaKind } from '../api.js';
import type { MediaFile } from '../server/media.js';
import { mimeType, regularFileSize, resolveInside } from '../server/static.js';
import type { Logger } from './log.js';
import {
  APP_HOST,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  PHOTO_SCHEME,
  parsePhotoUrl,
} from './urls.js';

/**
 * Privileges of both schemes, which Electron needs before the app is ready. `standard` gives
 * URLs a host and relative resolution, `secure` makes pages a secure context like https, and
 * `supportFetchAPI` lets the renderer `fetch` them. Vite marks its module script and stylesheet
 * `crossorigin`, so the app scheme also takes CORS-mode requests (`corsEnabled`). Neither scheme
 * bypasses the CSP.
 */
export const PRIVILEGED_SCHEMES: CustomScheme[] = [
  {
    scheme: APP_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      corsEnabled: true,
      codeCache: true,
    },
  },
  { scheme: PHOTO_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
];

/**
 * Headers of every response from either protocol. No Cross-Origin-Resource-Policy: `photo:`
 * and `app:` are different sites, and `same-site` would block every thumbnail.
 */
const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff' };

export type ProtocolHandler = (request: Request) => Promise<Response>;

/** Resolves a photo id to the file to serve, or null when there is none. */
export type MediaResolver = (kind: MediaKind, id: number) => MediaFile | null;

export type { MediaFile };

function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** Streams a regular file, or returns null when it is missing or not a file. */
async function fileResponse(
  file: string,
  headers: Record<string, string>,
  method: string,
): Promise<Response | null> {
  const size = await regularFileSize(file);
  if (size === null) return null;

  const allHeaders = { ...COMMON_HEADERS, ...headers, 'Content-Length': String(size) };
  if (method === 'HEAD') return new Response(null, { status: 200, headers: allHeaders });
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers: allHeaders });
}

/**
 * Creates the `app://` handler: files of the built renderer under `rendererDir`, each with the
 * CSP, and index.html for paths without an extension. Anything outside the folder is a 404.
 */
export function createAppHandler(rendererDir: string): ProtocolHandler {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse(405, 'method not allowed');
    }
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
      return textResponse(404, 'not found');
    }
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    const file = resolveInside(rendererDir, path);
    const headers = {
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
    };
    if (file) {
      const response = await fileResponse(
        file,
        { ...headers, 'Content-Type': mimeType(file) },
        request.method,
      );
      if (response) return response;
    }
    if (!/\.[^/]*$/.test(path)) {
      const index = resolveInside(rendererDir, '/index.html');
      const response =
        index &&
        (await fileResponse(
          index,
          { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
          request.method,
        ));
      if (response) return response;
    }
    return textResponse(404, 'not found');
  };
}

/**
 * Creates the `photo://` handler: 400 for a URL that is not `photo://<kind>/<id>`, 404 for an
 * id without a file. Photos may change under the same id after a rescan, so caching is short.
 */
export function createPhotoHandler(resolve: MediaResolver, log: Logger): ProtocolHandler {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse(405, 'method not allowed');
    }
    const parsed = parsePhotoUrl(request.url);
    if (!parsed) {
      log.warn('rejected a malformed photo URL', { url: request.url.slice(0, 200) });
      return textResponse(400, 'expected photo://thumbnail/<id> or photo://original/<id>');
    }
    const media = resolve(parsed.kind, parsed.id);
    const response =
      media &&
      (await fileResponse(
        media.file,
        {
          'Content-Type': media.contentType ?? mimeType(media.file),
          'Cache-Control': 'private, max-age=60',
        },
        request.method,
      ));
    if (!response) {
      log.debug('no file for photo', { kind: parsed.kind, id: parsed.id });
      return textResponse(404, `no ${parsed.kind} for photo ${parsed.id}`);
    }
    return response;
  };
}

/** Hands both handlers to Electron's protocol module of the app's session. */
export function registerProtocols(
  protocol: Pick<Protocol, 'handle'>,
  handlers: { app: ProtocolHandler; photo: ProtocolHandler },
): void {
  protocol.handle(APP_SCHEME, handlers.app);
  protocol.handle(PHOTO_SCHEME, handlers.photo);
}
