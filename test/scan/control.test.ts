import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/core/library.js';
import { openDatabase } from '../../electron/core/db/database.js';
import { runScan, type ScanControl } from '../../electron/core/scan/pipeline.js';
import type { ScanProgress } from '../../electron/core/scan/types.js';
import { thumbnailsDirFor } from '../../electron/core/paths.js';
import { scanLockPath } from '../../electron/core/scan/lock.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { writeSeededPhotos } from '../helpers/photos.js';
import { temporaryFolder } from '../helpers/tmp.js';

let root: string;
let modelPath: string;

beforeAll(async () => {
  root = await temporaryFolder('control');
  modelPath = join(root, 'tiny.onnx');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
});

function countPhotos(database: string): number {
  const db = openDatabase(database);
  try {
    return db.prepare('SELECT count(*) FROM photos').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('scan control', () => {
  it('cancel keeps the stored batches', async () => {
    const folder = join(root, 'cancel');
    await writeSeededPhotos(folder, 300);
    const database = join(root, 'cancel.sqlite');
    const library = Library.open({ database });
    const job = library.startScan({ folders: [folder], modelPath, batchSize: 2 });
    job.onProgress((progress) => {
      if (progress.phase === 'tagging' && progress.done >= 4) job.cancel();
    });

    const summary = await job.done;
    await library.close();

    expect(summary.cancelled).toBe(true);
    expect(summary.tagged).toBeGreaterThanOrEqual(4);
    expect(summary.tagged).toBeLessThan(300);
    expect(countPhotos(database)).toBe(summary.tagged);
  });

  it('pause stops tagging until resume', async () => {
    const folder = join(root, 'pause');
    await writeSeededPhotos(folder, 60);
    const database = join(root, 'pause.sqlite');
    const library = Library.open({ database });
    const job = library.startScan({ folders: [folder], modelPath, batchSize: 2 });
    let latest = 0;
    let doneAtPause: number | null = null;
    let doneAtResume: number | null = null;
    job.onProgress((progress: ScanProgress) => {
      if (progress.phase !== 'tagging') return;
      latest = progress.done;
      if (doneAtPause === null && progress.done >= 2 && progress.done < progress.total) {
        doneAtPause = progress.done;
        job.pause();
        setTimeout(() => {
          doneAtResume = latest;
          job.resume();
        }, 400);
      }
    });

    const summary = await job.done;
    await library.close();

    expect(summary.tagged).toBe(60);
    expect(summary.cancelled).toBe(false);
    // The pause message reaches the worker asynchronously: at most the batches already in
    // flight (two of two photos each) may finish after it.
    expect(doneAtPause).not.toBeNull();
    expect(doneAtResume).not.toBeNull();
    expect(doneAtResume as unknown as number).toBeLessThanOrEqual(
      (doneAtPause as unknown as number) + 4,
    );
    expect(doneAtResume as unknown as number).toBeLessThan(60);
  });

  it('file deleted before decoding counts as missing', async () => {
    const folder = join(root, 'gone');
    const paths = await writeSeededPhotos(folder, 4);
    const database = join(root, 'gone.sqlite');
    const last = paths[3];
    let deleted = false;
    // The first batch is read before the control is asked; the last file is deleted then.
    const control: ScanControl = {
      cancelled: false,
      paused: false,
      async whenResumed() {
        if (!deleted) {
          deleted = true;
          await rm(last);
        }
      },
    };

    const summary = await runScan(
      {
        database,
        thumbnailsDir: thumbnailsDirFor(database),
        folders: [folder],
        model: { id: 'tiny', path: modelPath },
        provider: 'cpu',
        retag: false,
        batchSize: 2,
      },
      control,
      () => undefined,
    );

    expect(summary.tagged).toBe(3);
    expect(summary.failed).toBe(0);
    expect(summary.missing).toBe(1);
    expect(countPhotos(database)).toBe(3);
  });

  it.skipIf(process.getuid?.() === 0)('unreadable folder is a warning', async () => {
    const folder = join(root, 'locked');
    await writeSeededPhotos(folder, 2);
    await writeSeededPhotos(join(folder, 'private'), 1, 10);
    await chmod(join(folder, 'private'), 0o000);
    const library = Library.open({ database: join(root, 'locked.sqlite') });
    try {
      const summary = await library.startScan({ folders: [folder], modelPath }).done;
      expect(summary.tagged).toBe(2);
      expect(summary.warnings.join('\n')).toMatch(/private: permission denied/);
    } finally {
      await chmod(join(folder, 'private'), 0o755);
      await library.close();
    }
  });
});

describe('scan lock', () => {
  it('refuses a library another process scans', async () => {
    const folder = join(root, 'locked-by-other');
    await writeSeededPhotos(folder, 1);
    const database = join(root, 'locked-by-other.sqlite');
    // The parent of this test process is alive and is not this process.
    await writeFile(scanLockPath(database), String(process.ppid));
    const library = Library.open({ database });
    try {
      expect(() => library.startScan({ folders: [folder], modelPath })).toThrow(
        new RegExp(`another process \\(pid ${process.ppid}\\)`),
      );
    } finally {
      await library.close();
    }
  });

  it('takes over a lock left by a dead process', async () => {
    const folder = join(root, 'stale-lock');
    await writeSeededPhotos(folder, 2);
    const database = join(root, 'stale-lock.sqlite');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(scanLockPath(database), String(dead));
    const library = Library.open({ database });
    try {
      const summary = await library.startScan({ folders: [folder], modelPath }).done;

      expect(summary.tagged).toBe(2);
      expect(existsSync(scanLockPath(database))).toBe(false);
    } finally {
      await library.close();
    }
  });
});
