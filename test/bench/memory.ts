/**
 * Resident set size over a scan of thousands of small photos, measured in a child process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { benchNetwork, REPO_ROOT, smallPhotos } from './fixtures.js';
import { round } from './measure.js';

const run = promisify(execFile);

interface ChildReport {
  photos: number;
  seconds: number;
  startMb: number;
  afterFirstTenthMb: number;
  peakMb: number;
  peakAfterFirstTenthMb: number;
  endMb: number;
}

/** Scans `photos` generated 320x240 JPEGs with a small 224 px network; returns RSS in MB. */
export async function runMemoryBench(photos: number): Promise<Record<string, number>> {
  const folder = await smallPhotos(photos);
  const network = await benchNetwork('small-224');
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test/bench/memory-child.ts'), folder, network.path],
    { cwd: REPO_ROOT, maxBuffer: 1024 * 1024 },
  );
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildReport;
  return {
    photos: report.photos,
    'scan s': round(report.seconds, 1),
    'photos/s': round(report.photos / report.seconds, 1),
    'RSS start MB': round(report.startMb, 1),
    'RSS after 10 % MB': round(report.afterFirstTenthMb, 1),
    'RSS peak MB': round(report.peakMb, 1),
    'RSS end MB': round(report.endMb, 1),
    'RSS growth, peak - start MB': round(report.peakMb - report.startMb, 1),
    'RSS growth, peak after 10 % - after 10 % MB': round(
      report.peakAfterFirstTenthMb - report.afterFirstTenthMb,
      1,
    ),
    'RSS growth, end - after 10 % MB': round(report.endMb - report.afterFirstTenthMb, 1),
  };
}
