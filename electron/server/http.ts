import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { isRequestName, type Dispatch, type MediaKind, type Result } from '../api.js';
import { hasValidToken, hostAllowed, isLoopback, tokenCookie } from './auth.js';
import type { EventHub } from './events.js';
import type { MediaFile } from './media.js';
import { sendFile, serveStatic, setSecurityHeaders } from './static.js';

/**
 * Largest accepted request body. The largest input is a labelling request for MAX_SELECTION
 * (100,000) photo ids, about 1.1 MB of JSON with 10-digit ids.
 */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** SSE comment interval, so proxies and browsers keep an idle stream open. */
const HEARTBEAT_MS = 15_000;

export interface HttpServerOptions {
  dispatch: Dispatch;
  events: EventHub;
  /** Returns the file behind a photo id, or null when there is none. */
  media(kind: MediaKind, id: number): MediaFile | null;
  /** Streams a prepared download (an export) into the response; false when the id is unknown. */
  download(id: string, res: ServerResponse): Promise<boolean>;
  /** Folder of the built renderer (index.html and assets/). */
  staticDir: string;
  token: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  log(line: string): void;
}

export interface RunningServer {
  server: Server;
  /** The URL to open, with the access token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the HTTP transport of the API: the renderer's static files, POST /api/<request>,
 * GET /api/events (Server-Sent Events), photo media by id and export downloads. Every route
 * needs the access token.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const sockets = new Set<ServerResponse>();
  const loopback = isLoopback(options.host);
  let port = options.port;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log(`request ${req.method ?? '?'} failed: ${String(error)}`);
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    if (loopback && !hostAllowed(req.headers.host, port)) {
      sendText(res, 421, 'This server only answers requests addressed to 127.0.0.1 or localhost.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = req.method ?? 'GET';

    if (!hasValidToken(req, url, options.token)) {
      if (url.pathname.startsWith('/api/')) {
        sendJson(res, 401, failure('unauthorized', 'missing or invalid access token'));
      } else {
        sendText(res, 401, 'Open the URL with ?token= that `deit-tagger serve` printed.');
      }
      return;
    }

    // The first page load carries the token in the URL: keep it in a cookie and drop it from
    // the address bar, so it does not end up in history or bookmarks.
    if (url.searchParams.has('token') && (method === 'GET' || method === 'HEAD')) {
      if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/photos/')) {
        url.searchParams.delete('token');
        res.setHeader('Set-Cookie', tokenCookie(options.token));
        res.statusCode = 303;
        res.setHeader('Location', url.pathname + url.search);
        res.end();
        return;
      }
    }

    if (url.pathname === '/api/events' && method === 'GET') return streamEvents(req, res);
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url, method);

    const media = /^\/photos\/(\d{1,15})\/(thumbnail|original)$/.exec(url.pathname);
    if (media && (method === 'GET' || method === 'HEAD')) {
      const found = options.media(media[2] as MediaKind, Number(media[1]));
      const cache = 'private, max-age=60';
      if (!found || !(await sendFile(res, found.file, { ...found, cache, method }))) {
        sendText(res, 404, 'no such photo');
      }
      return;
    }

    const download = /^\/downloads\/([A-Za-z0-9_-]{8,64})$/.exec(url.pathname);
    if (download && method === 'GET') {
      if (!(await options.download(download[1] ?? '', res))) sendText(res, 404, 'no such download');
      return;
    }
    // A malformed media or download URL is an error, not a page of the single-page app.
    if (url.pathname.startsWith('/photos/') || url.pathname.startsWith('/downloads/')) {
      sendText(res, 404, 'not found');
      return;
    }

    if (method !== 'GET' && method !== 'HEAD') {
      sendText(res, 405, 'method not allowed');
      return;
    }
    if (!(await serveStatic(res, options.staticDir, url.pathname, method))) {
      sendText(res, 404, 'not found');
    }
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<void> {
    if (method !== 'POST') {
      sendJson(res, 405, failure('invalid-input', 'API requests use POST'));
      return;
    }
    // A JSON content type cannot be sent cross-origin without a CORS preflight, which this
    // server never grants: together with the SameSite cookie this stops cross-site requests.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      sendJson(
        res,
        415,
        failure('invalid-input', 'API requests need Content-Type: application/json'),
      );
      return;
    }
    let input: unknown;
    try {
      const body = await readBody(req);
      input = body.trim() === '' ? {} : JSON.parse(body);
    } catch (error) {
      sendJson(res, 400, failure('invalid-input', `invalid JSON body: ${String(error)}`));
      return;
    }
    const name = url.pathname.slice('/api/'.length);
    if (!isRequestName(name)) {
      sendJson(res, 404, failure('not-found', `unknown request: ${name}`));
      return;
    }
    // Errors travel as data in a 200 response: the HTTP status only describes the transport.
    sendJson(res, 200, await options.dispatch(name, input));
  }

  function streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    res.write(': connected\n\n');
    sockets.add(res);
    const unsubscribe = options.events.subscribe((name, payload) => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      sockets.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    server,
    port,
    url: `http://${hostForUrl}:${port}/?token=${options.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Event streams never end on their own; end them so close() can finish.
        for (const res of sockets) res.end();
        server.closeIdleConnections();
        server.close(() => resolve());
      }),
  };
}

function failure(
  code: 'unauthorized' | 'invalid-input' | 'not-found',
  message: string,
): Result<never> {
  return { ok: false, error: { code, message } };
}
