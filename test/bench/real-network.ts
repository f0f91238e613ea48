/**
 * The real DeiT-Ti on ImageNet sample photos: scan throughput, top-1 accuracy against the
 * WordNet id that starts each file name, and inference alone at the same batch size.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';

import type { Library } from '../../electron/core/library.js';
import { preprocessingForSize } from '../../electron/core/model/resolve.js';
import {
  CACHE_DIR,
  IMAGENET_PHOTOS_DIR,
  REAL_DEIT_TINY,
  REPO_ROOT,
  SHARED_DIR,
} from './fixtures.js';
import {
  cpuBatchSize,
  decodeOnly,
  inferenceOnly,
  packBatches,
  readPhotos,
  round,
  RoundSamples,
  sharedCpuBound,
  timedScan,
} from './measure.js';

/** Returns the WordNet ids in the network's class order. */
async function classWnids(): Promise<string[]> {
  const local = join(REPO_ROOT, 'models/imagenet-1k-wnids.txt');
  const path = existsSync(local) ? local : join(SHARED_DIR, 'data/imagenet-1k-classes.tsv');
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .map((line) => line.split('\t')[0].trim())
    .filter((wnid) => wnid !== '');
}

/** Reads the top-1 model label of every photo in a library: file name to class index. */
function topLabels(library: Library): Map<string, number> {
  const rows = library.db
    .prepare<[], { name: string; classIndex: number }>(
      `SELECT p.name, l.class_index AS classIndex FROM photos p
       JOIN labels l ON l.photo_id = p.id WHERE l.source = 'model' AND l.rank = 1`,
    )
    .all();
  return new Map(rows.map((row) => [row.name, row.classIndex]));
}

/** Returns a folder of symbolic links to the first `count` ImageNet photos, by name. */
async function firstPhotos(names: readonly string[], count: number): Promise<string> {
  const folder = join(CACHE_DIR, `imagenet-first-${count}`);
  await mkdir(folder, { recursive: true });
  for (const name of names.slice(0, count)) {
    const link = join(folder, name);
    if (!existsSync(link)) await symlink(join(IMAGENET_PHOTOS_DIR, name), link);
  }
  return folder;
}

/**
 * Runs the section on every ImageNet photo, or on the first `limit` of them, alternating the
 * scan and the two stages alone for `rounds` rounds. Returns null when the real network or the
 * photos are absent.
 */
export async function runRealNetworkBench(
  limit: number | null,
  rounds: number,
): Promise<Record<string, number> | null> {
  if (!existsSync(REAL_DEIT_TINY) || !existsSync(IMAGENET_PHOTOS_DIR)) return null;
  const wnids = await classWnids();
  const names = (await readdir(IMAGENET_PHOTOS_DIR)).filter((name) => /^n\d{8}_/.test(name)).sort();
  const folder =
    limit !== null && names.length > limit ? await firstPhotos(names, limit) : IMAGENET_PHOTOS_DIR;
  if (folder !== IMAGENET_PHOTOS_DIR) names.length = limit!;
  const batchSize = await cpuBatchSize(REAL_DEIT_TINY);
  const buffers = await readPhotos(folder);

  let labels = new Map<string, number>();
  const samples = new RoundSamples();
  for (let index = 0; index < rounds; index++) {
    const scan = await timedScan(folder, REAL_DEIT_TINY, {
      inspect: (library) => {
        labels = topLabels(library);
      },
    });
    const decoded = await decodeOnly(buffers, preprocessingForSize(224), batchSize);
    const batches = packBatches(decoded.tensors, batchSize);
    const inference = await inferenceOnly(REAL_DEIT_TINY, batches);
    const bound = sharedCpuBound(decoded.perSecond, inference.perSecond);
    samples.add('end-to-end photos/s', scan.perSecond);
    samples.add('end-to-end steady photos/s', scan.steadyPerSecond);
    samples.add('decode-only photos/s', decoded.perSecond);
    samples.add('inference-only photos/s', inference.perSecond);
    samples.add('bound photos/s', bound);
    samples.add('end-to-end / bound', scan.perSecond / bound);
    if (scan.steadyPerSecond !== null) samples.add('steady / bound', scan.steadyPerSecond / bound);
  }

  let correct = 0;
  for (const name of names) {
    const truth = wnids.indexOf(name.slice(0, 9));
    if (truth < 0) {
      throw new Error(`${name}: WordNet id ${name.slice(0, 9)} is not an ImageNet-1k class`);
    }
    if (labels.get(name) === truth) correct++;
  }

  const results: Record<string, number> = { photos: names.length, 'batch size': batchSize };
  for (const name of [
    'end-to-end photos/s',
    'end-to-end steady photos/s',
    'decode-only photos/s',
    'inference-only photos/s',
    'bound photos/s',
    'end-to-end / bound',
    'steady / bound',
  ]) {
    results[name] = round(samples.median(name) ?? NaN);
  }
  results['top-1 accuracy %'] = round((100 * correct) / names.length, 1);
  return results;
}
