/**
 * A small HTTP server on 127.0.0.1 that serves files from memory, with byte ranges, for the
 * download tests. Each route can cut the connection after some bytes or ignore Range.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body: Buffer;
  /** On the first N requests, destroy the socket after this many body bytes. */
  cutAfterBytes?: number;
  cutRequests?: number;
  /** On the first request, send this many body bytes and then nothing more. */
  stallAfterBytes?: number;
  /** Sends the whole file (200) on every request, as a server without range support does. */
  ignoreRange?: boolean;
  etag?: string;
}

export interface RecordedRequest {
  path: string;
  range: string | null;
  ifRange: string | null;
}

export interface FileServer {
  baseUrl: string;
  requests: RecordedRequest[];
  routes: Map<string, Route>;
  /** Forgets the routes, the recorded requests and the per-route request counts. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFileServer(routes: Record<string, Route> = {}): Promise<FileServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const served = new Map<string, number>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const range = request.headers.range ?? null;
    const ifRange = (request.headers['if-range'] as string | undefined) ?? null;
    requests.push({ path, range, ifRange });

    const route = table.get(path);
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const count = (served.get(path) ?? 0) + 1;
    served.set(path, count);
    const headers: Record<string, string> = { 'accept-ranges': 'bytes' };
    if (route.etag) headers.etag = route.etag;

    const size = route.body.length;
    let start = 0;
    let status = 200;
    const match = range && !route.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (match) {
      start = Number(match[1]);
      if (start >= size) {
        response.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    }
    const slice = route.body.subarray(start);
    headers['content-length'] = String(slice.length);
    response.writeHead(status, headers);

    if (route.stallAfterBytes !== undefined && count === 1) {
      response.write(slice.subarray(0, route.stallAfterBytes));
      return;
    }
    const cut = route.cutAfterBytes !== undefined && count <= (route.cutRequests ?? 1);
    if (cut) {
      response.write(slice.subarray(0, route.cutAfterBytes), () => {
        // Give the client time to receive the bytes before the connection drops.
        setTimeout(() => request.socket.destroy(), 20);
      });
      return;
    }
    response.end(slice);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    routes: table,
    reset: () => {
      table.clear();
      requests.length = 0;
      served.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
