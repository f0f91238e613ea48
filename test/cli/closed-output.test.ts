import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupClass } from '../../electron/core/labels/classes.js';
import { spawnCli } from '../helpers/cli.js';
import { addPhoto, createLibrary, type TestLibrary } from '../search/library.js';

const [BEAGLE] = lookupClass('beagle');
const [TABBY] = lookupClass('tabby');

// Enough output to overflow a pipe's buffer (64 KiB on Linux) several times.
const PHOTOS = 4000;

let library: TestLibrary;
let database: string;

beforeAll(() => {
  library = createLibrary();
  database = join(library.dir, 'library.sqlite');
  library.db.transaction(() => {
    for (let i = 0; i < PHOTOS; i++) {
      const path = `/photos/${'long-folder-name/'.repeat(4)}dog-${String(i).padStart(5, '0')}.jpg`;
      addPhoto(library.db, {
        path,
        labels: [
          [BEAGLE, 0.9],
          [TABBY, 0.05],
        ],
      });
    }
  })();
});
afterAll(() => library.close());

/** Runs the CLI, closes its standard output after the first chunk, and waits for the exit. */
function runAndCloseEarly(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.once('data', () => child.stdout?.destroy());
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('closed standard output', () => {
  it('ends search quietly', async () => {
    const result = await runAndCloseEarly(['search', 'dog', '--db', database, '--limit', '100000']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('ends export to standard output quietly', async () => {
    const result = await runAndCloseEarly(['export', '--out', '-', '--db', database]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
