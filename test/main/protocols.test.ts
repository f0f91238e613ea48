import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../electron/main/log.js';
import {
  createAppHandler,
  createPhotoHandler,
  PRIVILEGED_SCHEMES,
  type MediaFile,
  type ProtocolHandler,
} from '../../electron/main/protocols.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/urls.js';
import { temporaryFolder } from '../helpers/tmp.js';

const silent = createLogger({ console: null });
const INDEX_HTML = '<!doctype html><title>DeiT Tagger</title>';
const SCRIPT = 'console.log("gallery");';

function get(url: string, method = 'GET'): Request {
  return new Request(url, { method });
}

describe('privileged schemes', () => {
  it('are standard and secure, without CSP bypass', () => {
    expect(PRIVILEGED_SCHEMES.map((entry) => entry.scheme)).toEqual(['app', 'photo']);
    for (const { privileges } of PRIVILEGED_SCHEMES) {
      expect(privileges?.standard).toBe(true);
      expect(privileges?.secure).toBe(true);
      expect(privileges?.bypassCSP).toBeUndefined();
    }
  });
});

describe('app protocol', () => {
  let handle: ProtocolHandler;
  let root: string;

  beforeAll(async () => {
    const dir = await temporaryFolder('app-protocol');
    root = join(dir, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), INDEX_HTML);
    await writeFile(join(root, 'assets', 'index-abc123.js'), SCRIPT);
    // A file beside the renderer folder that no URL may reach.
    await writeFile(join(dir, 'secret.txt'), 'secret');
    handle = createAppHandler(root);
  });

  it('serves index.html with the CSP', async () => {
    const response = await handle(get('app://deit-tagger/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it('serves index.html for the root', async () => {
    const response = await handle(get('app://deit-tagger/'));
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it('serves scripts with their MIME type', async () => {
    const response = await handle(get('app://deit-tagger/assets/index-abc123.js'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(SCRIPT.length));
    expect(await response.text()).toBe(SCRIPT);
  });

  it('answers HEAD without a body', async () => {
    const response = await handle(get('app://deit-tagger/index.html', 'HEAD'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('falls back to index.html for routes', async () => {
    const response = await handle(get('app://deit-tagger/settings'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it.each([
    'app://deit-tagger/missing.js',
    'app://deit-tagger/assets/missing.css',
    'app://deit-tagger/%2e%2e/secret.txt',
    'app://deit-tagger/..%2fsecret.txt',
    'app://deit-tagger/assets/..%2f..%2fsecret.txt',
    'app://deit-tagger/%00index.html',
    'app://other-host/index.html',
  ])('answers 404 for %s', async (url) => {
    const response = await handle(get(url));
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('secret');
  });

  it('rejects other methods', async () => {
    const response = await handle(get('app://deit-tagger/index.html', 'POST'));
    expect(response.status).toBe(405);
  });
});

describe('photo protocol', () => {
  let handle: ProtocolHandler;
  const requested: Array<[string, number]> = [];
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

  beforeAll(async () => {
    const dir = await temporaryFolder('photo-protocol');
    const thumbnail = join(dir, 'ab', 'abcdef.jpg');
    await mkdir(join(dir, 'ab'));
    await writeFile(thumbnail, jpeg);
    const files = new Map<string, MediaFile>([
      ['thumbnail/12', { file: thumbnail, contentType: 'image/jpeg' }],
      ['original/12', { file: join(dir, 'IMG_0001.png') }],
      ['original/13', { file: dir }],
    ]);
    await writeFile(join(dir, 'IMG_0001.png'), 'png bytes');
    handle = createPhotoHandler((kind, id) => {
      requested.push([kind, id]);
      return files.get(`${kind}/${id}`) ?? null;
    }, silent);
  });

  it('serves a thumbnail by id', async () => {
    const response = await handle(get('photo://thumbnail/12'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(jpeg);
    expect(requested.at(-1)).toEqual(['thumbnail', 12]);
  });

  it('types an original by its extension', async () => {
    const response = await handle(get('photo://original/12'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(await response.text()).toBe('png bytes');
  });

  it('answers 404 for unknown ids', async () => {
    const response = await handle(get('photo://thumbnail/99'));
    expect(response.status).toBe(404);
  });

  it('answers 404 when the file is a folder', async () => {
    const response = await handle(get('photo://original/13'));
    expect(response.status).toBe(404);
  });

  it.each([
    'photo://thumbnail/../etc/passwd',
    'photo://thumbnail/abc',
    'photo://original/12?x=1',
    'photo://preview/12',
  ])('answers 400 for %s without a lookup', async (url) => {
    const before = requested.length;
    const response = await handle(get(url));
    expect(response.status).toBe(400);
    expect(requested.length).toBe(before);
  });

  it('rejects other methods', async () => {
    const response = await handle(get('photo://thumbnail/12', 'DELETE'));
    expect(response.status).toBe(405);
  });
});
