import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Creates a temporary folder that is removed after the test file's last test. */
export async function temporaryFolder(prefix: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), `deit-tagger-${prefix}-`));
  afterAll(() => rm(folder, { recursive: true, force: true }));
  return folder;
}
