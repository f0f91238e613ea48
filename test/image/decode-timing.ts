/**
 * Measures decodePhoto (decode, DeiT preprocessing and thumbnail) per photo, with and without
 * shrink-on-load, on a 500x375 ImageNet photo from `../shared/photos` and on a 12-megapixel
 * JPEG made by upscaling it into the system temporary folder.
 *
 * Run: npx tsx test/image/decode-timing.ts
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { decodePhoto, DEIT_224 } from '../../electron/core/image/decode.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const photoPath = resolve(repoRoot, '../shared/photos/imagenet/n01440764_tench.JPEG');
const RUNS = 20;

/**
 * Returns wall-clock and CPU milliseconds per photo. CPU time covers every thread of the
 * process (libvips included) and is the steadier number on a shared machine.
 */
async function timePerPhoto(data: Buffer, shrinkOnLoad: boolean): Promise<[number, number]> {
  await decodePhoto(data, DEIT_224, { shrinkOnLoad }); // warm-up
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) await decodePhoto(data, DEIT_224, { shrinkOnLoad });
  const cpu = process.cpuUsage(cpuBefore);
  return [(performance.now() - started) / RUNS, (cpu.user + cpu.system) / 1000 / RUNS];
}

async function main(): Promise<void> {
  if (!existsSync(photoPath)) {
    console.log(`skipped: ${photoPath} is missing`);
    return;
  }
  // One libvips thread per decode, as a scanner worker on a 2-core machine would run.
  sharp.concurrency(1);

  const small = readFileSync(photoPath);
  const large = await sharp(small)
    .resize(4000, 3000, { kernel: 'cubic' })
    .jpeg({ quality: 90 })
    .toBuffer();
  for (const [label, data] of [
    ['500x375 JPEG', small],
    ['4000x3000 JPEG', large],
  ] as const) {
    for (const shrinkOnLoad of [true, false]) {
      const [wall, cpu] = await timePerPhoto(data, shrinkOnLoad);
      console.log(
        `${label}, shrink-on-load ${shrinkOnLoad ? 'on ' : 'off'}: ` +
          `${wall.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU per photo`,
      );
    }
  }
}

await main();
