import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { CONTENT_SECURITY_POLICY } from '../../electron/server/static.js';
import { startServe, type ServeHandle } from '../../electron/server/app.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let root: string;
let server: ServeHandle;

/** Sends one request with full control of the headers (fetch forbids setting Host). */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function bearer(): Record<string, string> {
  return { Authorization: `Bearer ${server.token}` };
}

function post(name: string, input: unknown, headers = bearer()): Promise<Reply> {
  return send(`/api/${name}`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deit-tagger-http-'));
  const site = join(root, 'site');
  await mkdir(join(site, 'assets'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<!doctype html><title>gallery</title>');
  await writeFile(join(site, 'assets', 'app.js'), 'console.log(1);');
  await writeFile(join(site, 'assets', 'app.css'), 'body{}');
  await writeFile(join(root, 'secret.txt'), 'outside the site');
  await mkdir(join(root, 'photos'));
  server = await startServe({
    database: join(root, 'library.sqlite'),
    modelsDir: join(root, 'models'),
    host: '127.0.0.1',
    port: 0,
    staticDir: site,
    log: () => undefined,
  });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('access token', () => {
  test('URL carries a random 32-character token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect(server.url).toContain(server.token);
  });

  test('API request without token is rejected', async () => {
    const reply = await post('library.stats', {}, {});
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  test('wrong token is rejected', async () => {
    const reply = await post('library.stats', {}, { Authorization: 'Bearer x'.padEnd(39, 'x') });
    expect(reply.status).toBe(401);
  });

  test('page, media and events need the token', async () => {
    expect((await send('/')).status).toBe(401);
    expect((await send('/photos/1/thumbnail')).status).toBe(401);
    expect((await send('/api/events')).status).toBe(401);
  });

  test('bearer token is accepted', async () => {
    const reply = await post('library.stats', {});
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true, value: { photos: 0 } });
  });

  test('first page load sets a strict cookie', async () => {
    const reply = await send(`/?token=${server.token}`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    const cookie = String(reply.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');

    const cookieHeader = cookie.split(';')[0];
    const page = await send('/', { headers: { Cookie: cookieHeader } });
    expect(page.status).toBe(200);
    const api = await post('library.stats', {}, { Cookie: cookieHeader });
    expect(api.status).toBe(200);
  });

  test('token in the query works for media', async () => {
    const reply = await send(`/photos/99/thumbnail?token=${server.token}`);
    expect(reply.status).toBe(404);
  });
});

describe('host check', () => {
  test('foreign Host header is rejected', async () => {
    const reply = await send('/', {
      headers: { ...bearer(), Host: `attacker.example:${server.port}` },
    });
    expect(reply.status).toBe(421);
  });

  test('wrong port in Host is rejected', async () => {
    const reply = await send('/', {
      headers: { ...bearer(), Host: `127.0.0.1:${server.port + 1}` },
    });
    expect(reply.status).toBe(421);
  });

  test('localhost Host is accepted', async () => {
    const reply = await send('/', { headers: { ...bearer(), Host: `localhost:${server.port}` } });
    expect(reply.status).toBe(200);
  });
});

describe('static files', () => {
  test('index has the strict CSP', async () => {
    const reply = await send('/', { headers: bearer() });
    expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  test('MIME types follow the extension', async () => {
    const js = await send('/assets/app.js', { headers: bearer() });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const css = await send('/assets/app.css', { headers: bearer() });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  test.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
  ])('traversal %s is not served', async (path) => {
    const reply = await send(path, { headers: bearer() });
    expect(reply.body).not.toContain('outside the site');
    expect(reply.status).toBe(404);
  });

  test.each([
    '/photos/-1/thumbnail',
    '/photos/abc/original',
    '/photos/1/original/',
    '/downloads/x',
  ])('malformed media URL %s is 404', async (path) => {
    const reply = await send(path, { headers: bearer() });
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain('<!doctype html>');
  });

  test('client routes fall back to index', async () => {
    const reply = await send('/library/some-view', { headers: bearer() });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>gallery</title>');
  });
});

describe('API transport', () => {
  test('GET on a request is rejected', async () => {
    expect((await send('/api/library.stats', { headers: bearer() })).status).toBe(405);
  });

  test('non-JSON content type is rejected', async () => {
    const reply = await send('/api/library.stats', {
      method: 'POST',
      headers: { ...bearer(), 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(reply.status).toBe(415);
  });

  test('malformed JSON is rejected', async () => {
    const reply = await send('/api/library.stats', {
      method: 'POST',
      headers: { ...bearer(), 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'invalid-input' } });
  });

  test('unknown request is 404', async () => {
    const reply = await post('photos.delete', {});
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  test('invalid input comes back as data', async () => {
    const reply = await post('photos.get', { id: -1 });
    expect(reply.status).toBe(200);
    const result = JSON.parse(reply.body) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.message).toContain('photos.get');
  });

  test('extra input fields are rejected', async () => {
    const reply = await post('library.stats', { sql: 'DROP TABLE photos' });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  test('missing photo is not-found', async () => {
    const reply = await post('photos.get', { id: 12345 });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  test('missing folder is folder-invalid', async () => {
    const reply = await post('folders.add', { path: join(root, 'no-such-folder') });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'folder-invalid' } });
  });

  test('scan without folders is folder-invalid', async () => {
    const reply = await post('scan.start', {});
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'folder-invalid' } });
  });

  test('scan without a model is no-model', async () => {
    await post('folders.add', { path: join(root, 'photos') });
    const reply = await post('scan.start', {});
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'no-model' } });
  });

  test('pause without a scan is no-scan', async () => {
    const reply = await post('scan.pause', {});
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'no-scan' } });
  });

  test('folder picker is unsupported over HTTP', async () => {
    const reply = await post('folders.pick', {});
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  test('show in folder is unsupported over HTTP', async () => {
    const reply = await post('photos.reveal', { id: 1 });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  test('settings round-trip', async () => {
    const set = await post('settings.set', { theme: 'dark', language: 'ja' });
    const stored = { theme: 'dark', language: 'ja', provider: 'auto' };
    expect(JSON.parse(set.body)).toEqual({ ok: true, value: stored });
    const get = await post('settings.get', {});
    expect(JSON.parse(get.body)).toEqual({ ok: true, value: stored });
  });
});

describe('events and downloads', () => {
  test('SSE stream delivers library.changed', async () => {
    let contentType = '';
    let text = '';
    const received = new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: '/api/events', headers: bearer() },
        (res) => {
          contentType = String(res.headers['content-type']);
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (text.includes('event: library.changed')) {
              req.destroy();
              resolve();
            } else if (text.includes(': connected')) {
              void post('folders.add', { path: join(root, 'photos') });
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    await received;
    expect(contentType).toBe('text/event-stream; charset=utf-8');
    expect(text).toContain('event: library.changed\ndata: {"reason":"folders"}');
  });

  test('export download works once', async () => {
    const reply = await post('export', { format: 'csv', bom: true });
    const result = JSON.parse(reply.body) as { ok: true; value: { kind: string; url: string } };
    expect(result.value.kind).toBe('download');
    const download = await send(result.value.url, { headers: bearer() });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="deit-tagger-/);
    expect(download.body.startsWith('\uFEFFpath,')).toBe(true);
    const again = await send(result.value.url, { headers: bearer() });
    expect(again.status).toBe(404);
  });
});
