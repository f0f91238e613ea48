import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, test } from 'vitest';

import { runCli, spawnCli } from '../helpers/cli.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deit-tagger-serve-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('serve prints the URL first and stops on SIGTERM', async () => {
  const database = join(root, 'library.sqlite');
  const child = spawnCli(['serve', '--db', database, '--port', '0']);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
    });
    child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
  });
  expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);

  const url = new URL(firstLine);
  const token = url.searchParams.get('token')!;
  const reply = await fetch(new URL('/api/library.stats', url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  expect(await reply.json()).toMatchObject({ ok: true, value: { photos: 0 } });

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  expect(stderr).toContain('SIGTERM received');
});

test('serve rejects an invalid port', async () => {
  const result = await runCli(['serve', '--db', join(root, 'other.sqlite'), '--port', '70000']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--port must be an integer from 0 to 65535');
});
