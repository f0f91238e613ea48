import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { catalogEntry, catalogFile } from '../../electron/core/model/catalog.js';
import {
  downloadModel,
  DownloadError,
  transferToFile,
  type DownloadProgress,
} from '../../electron/core/model/download.js';
import { getInstalledModel, PARTIAL_DIR } from '../../electron/core/model/store.js';
import { buildDeitOnnx, TINY_TEST_SPEC } from '../fixtures/deit-onnx.js';
import { temporaryFolder } from '../helpers/tmp.js';
import { startFileServer, type FileServer } from './file-server.js';

const MODEL_ID = 'deit-tiny-distilled-224';
const network = Buffer.from(buildDeitOnnx(TINY_TEST_SPEC));
const networkSha256 = createHash('sha256').update(network).digest('hex');

/** Returns the path the catalogue downloads MODEL_ID from, relative to the hub endpoint. */
function hubPath(variant: 'fp32' | 'quantized' = 'fp32'): string {
  const file = catalogFile(catalogEntry(MODEL_ID)!, variant)!;
  return `/${file.repo}/resolve/${file.revision ?? 'main'}/${file.path}`;
}

let server: FileServer;
let root: string;
let modelsDir: string;
let testIndex = 0;

beforeAll(async () => {
  server = await startFileServer();
  root = await temporaryFolder('download');
});
afterAll(() => server.close());

beforeEach(async () => {
  modelsDir = join(root, `models-${testIndex++}`);
  await mkdir(modelsDir, { recursive: true });
  server.reset();
});

/** Lists what is left in the models folder and in its partial folder. */
async function leftovers(): Promise<{ models: string[]; partial: string[] }> {
  const models = (await readdir(modelsDir)).filter((name) => name !== PARTIAL_DIR);
  const partial = await readdir(join(modelsDir, PARTIAL_DIR)).catch(() => []);
  return { models, partial };
}

/** Returns a loopback port that nothing listens on: one a server just released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('downloadModel', () => {
  it('downloads, verifies and installs a model', async () => {
    server.routes.set(hubPath(), { body: network });
    const progress: DownloadProgress[] = [];

    const model = await downloadModel(MODEL_ID, {
      modelsDir,
      endpoint: server.baseUrl,
      onProgress: (p) => progress.push(p),
    });

    expect(model.id).toBe(MODEL_ID);
    expect(model.origin).toBe('catalog');
    expect(model.sha256).toBe(networkSha256);
    expect(model.sha256Verified).toBe(false);
    expect(model.resumed).toBe(false);
    expect(model.signature?.numClasses).toBe(1000);
    expect(model.preprocessing?.inputSize).toBe(224);
    expect(sha256(await readFile(join(modelsDir, `${MODEL_ID}.onnx`)))).toBe(networkSha256);
    expect((await getInstalledModel(modelsDir, MODEL_ID))?.sha256).toBe(networkSha256);
    expect((await leftovers()).partial).toEqual([]);

    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    expect(last.bytes).toBe(network.length);
    expect(last.total).toBe(network.length);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].bytes).toBeGreaterThanOrEqual(progress[i - 1].bytes);
    }
  });

  it('resumes with Range after a cut connection', async () => {
    const cutAt = 100_000;
    server.routes.set(hubPath(), { body: network, cutAfterBytes: cutAt, etag: '"v1"' });

    const first = downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl });
    await expect(first).rejects.toThrow(/interrupted after \d+ bytes.*run the download again/);
    await expect(first).rejects.toMatchObject({ keptPartial: true });

    const partPath = join(modelsDir, PARTIAL_DIR, `${MODEL_ID}.onnx.part`);
    const kept = (await stat(partPath)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cutAt);
    expect((await leftovers()).models).toEqual([]);

    const model = await downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl });

    expect(model.resumed).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].range).toBeNull();
    expect(server.requests[1].range).toBe(`bytes=${kept}-`);
    expect(server.requests[1].ifRange).toBe('"v1"');
    expect(model.sha256).toBe(networkSha256);
    expect(sha256(await readFile(model.path))).toBe(networkSha256);
    expect((await leftovers()).partial).toEqual([]);
  });

  it('starts over when the server ignores Range', async () => {
    server.routes.set(hubPath(), { body: network, cutAfterBytes: 50_000, ignoreRange: true });

    await expect(downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl })).rejects.toThrow(
      DownloadError,
    );
    const model = await downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl });

    expect(server.requests[1].range).toMatch(/^bytes=\d+-$/);
    expect(model.resumed).toBe(false);
    expect(sha256(await readFile(model.path))).toBe(networkSha256);
  });

  it('rejects a wrong SHA-256 and leaves nothing behind', async () => {
    server.routes.set(hubPath(), { body: network });
    const wrong = '0'.repeat(64);

    const attempt = downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl, sha256: wrong });

    await expect(attempt).rejects.toThrow(
      `SHA-256 mismatch: expected ${wrong}, got ${networkSha256}`,
    );
    await expect(attempt).rejects.toMatchObject({ keptPartial: false });
    expect(await leftovers()).toEqual({ models: [], partial: [] });
  });

  it('reports HTTP 404 with the URL', async () => {
    const url = `${server.baseUrl}${hubPath()}`;

    await expect(downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl })).rejects.toThrow(
      `HTTP 404 Not Found for ${url}`,
    );
    expect(await leftovers()).toEqual({ models: [], partial: [] });
  });

  it('reports an unreachable host', async () => {
    const port = await closedPort();

    const attempt = downloadModel(MODEL_ID, { modelsDir, endpoint: `http://127.0.0.1:${port}` });

    await expect(attempt).rejects.toThrow(`cannot reach 127.0.0.1:${port}: connect ECONNREFUSED`);
  });

  it('rejects a network with 10 classes and deletes it', async () => {
    const tenClasses = Buffer.from(buildDeitOnnx({ ...TINY_TEST_SPEC, numClasses: 10 }));
    server.routes.set(hubPath(), { body: tenClasses });

    const attempt = downloadModel(MODEL_ID, { modelsDir, endpoint: server.baseUrl });

    await expect(attempt).rejects.toThrow(/not a usable model .*shape \[batch,10\]/);
    expect(await leftovers()).toEqual({ models: [], partial: [] });
  });

  it('keeps the partial file when cancelled', async () => {
    server.routes.set(hubPath(), { body: network, stallAfterBytes: 60_000 });
    const controller = new AbortController();

    const attempt = downloadModel(MODEL_ID, {
      modelsDir,
      endpoint: server.baseUrl,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytes >= 60_000) controller.abort();
      },
    });

    await expect(attempt).rejects.toThrow(/cancelled after 60000 bytes/);
    await expect(attempt).rejects.toMatchObject({ keptPartial: true });
    const part = join(modelsDir, PARTIAL_DIR, `${MODEL_ID}.onnx.part`);
    expect((await stat(part)).size).toBe(60_000);
  });

  it('installs the quantized variant under its own id', async () => {
    server.routes.set(hubPath('quantized'), { body: network });

    const model = await downloadModel(MODEL_ID, {
      modelsDir,
      endpoint: server.baseUrl,
      variant: 'quantized',
    });

    expect(model.id).toBe(`${MODEL_ID}-quantized`);
    expect(model.variant).toBe('quantized');
  });

  it('rejects a catalogue model without a published export', async () => {
    await expect(downloadModel('deit-small-224', { modelsDir })).rejects.toThrow(
      /has no published ONNX export/,
    );
    expect(server.requests).toEqual([]);
  });
});

describe('transferToFile', () => {
  it('finishes a complete part without a transfer', async () => {
    const partPath = join(modelsDir, 'complete.part');
    const url = `${server.baseUrl}/complete.onnx`;
    await writeFile(partPath, network);
    await writeFile(`${partPath}.json`, JSON.stringify({ url, etag: null }));

    const result = await transferToFile(url, partPath, { expectedSize: network.length });

    expect(result.sha256).toBe(networkSha256);
    expect(server.requests).toEqual([]);
  });

  it('accepts 416 for a part that is already whole', async () => {
    server.routes.set('/whole.onnx', { body: network });
    const partPath = join(modelsDir, 'whole.part');
    const url = `${server.baseUrl}/whole.onnx`;
    await writeFile(partPath, network);
    await writeFile(`${partPath}.json`, JSON.stringify({ url, etag: null }));

    const result = await transferToFile(url, partPath);

    expect(server.requests.map((r) => r.range)).toEqual([`bytes=${network.length}-`]);
    expect(result.sha256).toBe(networkSha256);
    expect(result.resumed).toBe(true);
  });

  // Writing to /dev/full fails with ENOSPC, like a full disk; the link keeps the device safe
  // from the cleanup, which deletes the link only.
  it.skipIf(!existsSync('/dev/full'))('reports a full disk and cleans up', async () => {
    server.routes.set('/big.onnx', { body: network });
    const partPath = join(modelsDir, 'full.part');
    await symlink('/dev/full', partPath);

    const attempt = transferToFile(`${server.baseUrl}/big.onnx`, partPath);

    await expect(attempt).rejects.toThrow(
      new RegExp(`^disk full while writing ${partPath}; freed \\d+ bytes`),
    );
    await expect(attempt).rejects.toMatchObject({ keptPartial: false });
    await expect(lstat(partPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync('/dev/full')).toBe(true);
  });

  it('discards a part fetched from another URL', async () => {
    server.routes.set('/new.onnx', { body: network });
    const partPath = join(modelsDir, 'other.part');
    await writeFile(partPath, network.subarray(0, 1000));
    await writeFile(
      `${partPath}.json`,
      JSON.stringify({ url: 'http://127.0.0.1/old', etag: null }),
    );

    const result = await transferToFile(`${server.baseUrl}/new.onnx`, partPath);

    expect(server.requests.map((r) => r.range)).toEqual([null]);
    expect(result.sha256).toBe(networkSha256);
  });
});
