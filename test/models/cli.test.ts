import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runModels } from '../../electron/cli/commands/models.js';
import type { CliIO } from '../../electron/cli/io.js';
import { catalogEntry, catalogFile } from '../../electron/core/model/catalog.js';
import { buildDeitOnnx, TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/tmp.js';
import { startFileServer, type FileServer } from './file-server.js';

const SHARED_DEIT_TINY = fileURLToPath(
  new URL('../../../shared/models/deit-tiny-patch16-224.onnx', import.meta.url),
);

interface Captured {
  io: CliIO;
  stdout: () => string;
  stderr: () => string;
}

function capture(isTTY = false): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: (text) => (out += text), stderr: (text) => (err += text), isTTY },
    stdout: () => out,
    stderr: () => err,
  };
}

let root: string;
let server: FileServer;

beforeAll(async () => {
  root = await temporaryFolder('models-cli');
  server = await startFileServer();
});
afterAll(() => server.close());

/** Runs `models ARGS` against a models folder and a library database of the test. */
async function run(name: string, args: string[], isTTY = false) {
  const out = capture(isTTY);
  const dirs = ['--models-dir', join(root, name, 'models'), '--db', join(root, name, 'lib.sqlite')];
  const code = await runModels([...args, ...dirs], out.io);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

describe('deit-tagger models', () => {
  it('rejects an absurd image size', async () => {
    const file = join(root, 'dynamic.onnx');
    await writeDeitOnnx(file, { ...TINY_TEST_SPEC, dynamicImageSize: true });

    const tooLarge = await run('image-size', ['import', file, '--image-size', '100000']);
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toContain('--image-size must be a whole number from 16 to 1024');

    // A child process, so that what ONNX Runtime itself prints to stderr is captured too.
    const dirs = [
      '--models-dir',
      join(root, 'image-size', 'models'),
      '--db',
      join(root, 'image-size', 'lib.sqlite'),
    ];
    const wrong = await runCli(['models', 'import', file, '--image-size', '48', ...dirs]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('failed to run at image size 48');
    expect(wrong.stderr).not.toContain('\u001b');
    expect(wrong.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('lists the catalogue as JSON', async () => {
    const { code, stdout } = await run('list', ['list', '--json']);

    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as { models: Array<{ id: string; installed: boolean }> };
    expect(listed.models.map((m) => m.id)).toContain('deit-base-distilled-384');
    expect(listed.models.every((m) => !m.installed)).toBe(true);
    expect(existsSync(join(root, 'list', 'lib.sqlite'))).toBe(false);
  });

  it('imports, uses and removes a model', async () => {
    const file = join(root, 'import-net.onnx');
    await writeDeitOnnx(file, TINY_TEST_SPEC);

    const imported = await run('flow', ['import', file, '--id', 'tiny', '--use']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Imported');
    expect(imported.stdout).toContain('Active model: tiny');

    await run('flow', ['import', file, '--id', 'other']);
    const used = await run('flow', ['use', 'other']);
    expect(used.code).toBe(0);
    expect(used.stdout).toContain('Active model: other');
    expect(used.stdout).toContain('Photos tagged by tiny keep those labels');

    const listed = await run('flow', ['list']);
    expect(listed.stdout).toMatch(/^other\s+import-net\.onnx\s+-\s+\S+ KiB\s+active\s+0$/m);
    expect(listed.stdout).toMatch(/^tiny\s.*\simported\s+0$/m);

    const missing = await run('flow', ['use', 'deit-small-distilled-224']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('models download deit-small-distilled-224');

    const removed = await run('flow', ['remove', 'other']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('No model is active now');
  });

  it('rejects a 10-class network with exit code 1', async () => {
    const file = join(root, 'ten.onnx');
    await writeDeitOnnx(file, { ...TINY_TEST_SPEC, numClasses: 10 });

    const result = await run('ten', ['import', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: model output "logits" has shape [batch,10]`);
  });

  it('downloads from the hub endpoint with progress lines', async () => {
    const file = catalogFile(catalogEntry('deit-tiny-distilled-224')!)!;
    const body = Buffer.from(buildDeitOnnx(TINY_TEST_SPEC));
    server.routes.set(`/${file.repo}/resolve/${file.revision}/${file.path}`, { body });
    const previous = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = server.baseUrl;
    try {
      const result = await run('download', ['download', 'deit-tiny-distilled-224', '--use']);

      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Downloading DeiT-Ti distilled');
      expect(result.stdout).toMatch(/^100% 229\.4 KiB of 229\.4 KiB/m);
      expect(result.stdout).toContain('the catalogue pins no checksum');
      expect(result.stdout).toContain('Active model: deit-tiny-distilled-224');
      const installed = join(root, 'download', 'models', 'deit-tiny-distilled-224.onnx');
      expect((await readFile(installed)).equals(body)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = previous;
    }
  });

  it('draws a progress bar on a terminal', async () => {
    const file = catalogFile(catalogEntry('deit-tiny-distilled-224')!, 'quantized')!;
    const body = Buffer.from(buildDeitOnnx(TINY_TEST_SPEC));
    server.routes.set(`/${file.repo}/resolve/${file.revision}/${file.path}`, { body });
    const previous = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = server.baseUrl;
    try {
      const result = await run(
        'tty',
        ['download', 'deit-tiny-distilled-224', '--variant', 'quantized'],
        true,
      );

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`\r[${'#'.repeat(30)}] 100% 229.4 KiB of 229.4 KiB`);
      expect(result.stdout).toContain('Installed deit-tiny-distilled-224-quantized');
      expect(result.stdout).toContain('Make it the active model with');
    } finally {
      if (previous === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = previous;
    }
  });

  it('exits 2 on invalid usage', async () => {
    expect((await run('usage', ['use'])).code).toBe(2);
    expect((await run('usage', ['frobnicate'])).code).toBe(2);
    expect((await run('usage', ['download', '--variant', 'int4'])).code).toBe(2);
    expect((await run('usage', ['list', '--bogus'])).code).toBe(2);
  });

  it.skipIf(!existsSync(SHARED_DEIT_TINY))('imports the real DeiT-Ti export', async () => {
    const result = await run('real', ['import', SHARED_DEIT_TINY]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('as deit-tiny-patch16-224');
    expect(result.stdout).toContain('input "pixel_values" 224x224, one logits output');
    expect(result.stdout).toContain('crop ratio 0.875');
  });
});
