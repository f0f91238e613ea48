/**
 * Child process of the memory benchmark: scans one folder and prints resident set sizes as
 * JSON. It runs alone in a fresh process so that earlier benchmark sections leave nothing in
 * its heap. The scan's worker thread shares this process, so its memory is in the RSS too.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { Library } from '../../electron/core/library.js';
import { scratchFolder } from './fixtures.js';

const SAMPLE_INTERVAL_MS = 50;
const MB = 1024 * 1024;

const [folder, modelPath] = process.argv.slice(2);
if (!folder || !modelPath) throw new Error('usage: memory-child.ts FOLDER MODEL');

const scratch = await scratchFolder('memory');
const library = Library.open({ database: join(scratch, 'library.sqlite') });
let peak = 0;
let peakAfterFirstTenth = 0;
let afterFirstTenth: number | null = null;
let total = 0;
const sample = (): number => {
  const rss = process.memoryUsage.rss();
  peak = Math.max(peak, rss);
  if (afterFirstTenth !== null) peakAfterFirstTenth = Math.max(peakAfterFirstTenth, rss);
  return rss;
};

const start = sample();
const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
try {
  const job = library.startScan({ folders: [folder], modelPath, provider: 'cpu' });
  job.onProgress((progress) => {
    if (progress.phase !== 'tagging') return;
    total = progress.total;
    if (afterFirstTenth === null && progress.done >= progress.total / 10) {
      afterFirstTenth = sample();
      peakAfterFirstTenth = afterFirstTenth;
    }
  });
  const summary = await job.done;
  const end = sample();
  clearInterval(timer);
  if (summary.tagged !== total || summary.failed > 0) {
    throw new Error(`memory scan tagged ${summary.tagged} of ${total} photos`);
  }
  console.log(
    JSON.stringify({
      photos: summary.tagged,
      seconds: summary.durationMs / 1000,
      startMb: start / MB,
      afterFirstTenthMb: (afterFirstTenth ?? end) / MB,
      peakMb: peak / MB,
      peakAfterFirstTenthMb: peakAfterFirstTenth / MB,
      endMb: end / MB,
    }),
  );
} finally {
  clearInterval(timer);
  await library.close();
  await rm(scratch, { recursive: true, force: true });
}
