/**
 * Measurements shared by the benchmark sections: a timed scan through the engine's Library, the
 * decode stage alone and the inference stage alone.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { Library, type ScanSummary } from '../../electron/core/library.js';
import { decodePhoto, type Preprocessing } from '../../electron/core/image/decode.js';
import { Classifier } from '../../electron/core/model/classifier.js';
import { scratchFolder } from './fixtures.js';

export interface TimedScan {
  summary: ScanSummary;
  /** From startScan to the summary, as the caller sees it (includes the worker's start). */
  wallMs: number;
  /** Photos per second over the whole scan: tagged / summary.durationMs. */
  perSecond: number;
  /**
   * Photos per second from the first stored batch to the last but one, or null for a scan of
   * fewer than three batches. It leaves out the walk, the model load and the first batch's
   * decode, which nothing overlaps, and the last batch, whose inference overlaps no decode.
   */
  steadyPerSecond: number | null;
}

/**
 * Runs one scan of `folder` into a fresh library, passes the library to `inspect` when the
 * scan has finished, and removes it afterwards.
 */
export async function timedScan(
  folder: string,
  modelPath: string,
  options: { batchSize?: number; inspect?: (library: Library) => void } = {},
): Promise<TimedScan> {
  const scratch = await scratchFolder('scan');
  const database = join(scratch, 'library.sqlite');
  const library = Library.open({ database, modelsDir: join(scratch, 'models') });
  try {
    const stored: Array<{ at: number; done: number }> = [];
    const started = performance.now();
    const job = library.startScan({
      folders: [folder],
      modelPath,
      provider: 'cpu',
      batchSize: options.batchSize,
    });
    job.onProgress((progress) => {
      if (progress.phase === 'tagging' && progress.done > 0) {
        stored.push({ at: performance.now(), done: progress.done });
      }
    });
    const summary = await job.done;
    const wallMs = performance.now() - started;
    if (summary.failed > 0) {
      throw new Error(`benchmark scan of ${folder} failed on ${summary.failed} photos`);
    }
    options.inspect?.(library);

    const first = stored[0];
    const last = stored.length >= 3 ? stored[stored.length - 2] : undefined;
    const steadyPerSecond =
      first && last && last.at > first.at
        ? ((last.done - first.done) * 1000) / (last.at - first.at)
        : null;
    return {
      summary,
      wallMs,
      perSecond: (summary.tagged * 1000) / summary.durationMs,
      steadyPerSecond,
    };
  } finally {
    await library.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Reads every photo file of a folder (not recursive), sorted by name. */
export async function readPhotos(folder: string): Promise<Buffer[]> {
  const names = (await readdir(folder)).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort();
  return Promise.all(names.map((name) => readFile(join(folder, name))));
}

/** Runs `work` on the items in batches of `batchSize`, each batch with Promise.all. */
export async function inBatches<T, R>(
  items: readonly T[],
  batchSize: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    results.push(...(await Promise.all(items.slice(start, start + batchSize).map(work))));
  }
  return results;
}

/**
 * Decodes and preprocesses the buffers the way the scan pipeline does (a batch at a time, the
 * photos of a batch concurrently) and returns photos per second and the model tensors.
 */
export async function decodeOnly(
  buffers: readonly Buffer[],
  preprocessing: Preprocessing,
  batchSize: number,
): Promise<{ perSecond: number; tensors: Float32Array[] }> {
  const started = performance.now();
  const decoded = await inBatches(buffers, batchSize, (data) => decodePhoto(data, preprocessing));
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: buffers.length / seconds, tensors: decoded.map((photo) => photo.tensor) };
}

/** Packs tensors into batches of `batchSize` images (the last one may be shorter). */
export function packBatches(
  tensors: readonly Float32Array[],
  batchSize: number,
): Array<{ data: Float32Array; count: number }> {
  const batches: Array<{ data: Float32Array; count: number }> = [];
  for (let start = 0; start < tensors.length; start += batchSize) {
    const part = tensors.slice(start, start + batchSize);
    const stride = part[0].length;
    const data = new Float32Array(part.length * stride);
    part.forEach((tensor, index) => data.set(tensor, index * stride));
    batches.push({ data, count: part.length });
  }
  return batches;
}

/**
 * Classifies pre-made batches on the CPU provider, the session the scan would open, after one
 * warm-up batch. Returns photos per second and the session's load time.
 */
export async function inferenceOnly(
  modelPath: string,
  batches: ReadonlyArray<{ data: Float32Array; count: number }>,
): Promise<{ perSecond: number; loadMs: number; batchSize: number }> {
  const loadStarted = performance.now();
  const classifier = await Classifier.load({ modelPath, provider: 'cpu' });
  const loadMs = performance.now() - loadStarted;
  try {
    const warmUp = batches[0];
    if (warmUp) await classifier.classify(warmUp.data, warmUp.count, 5);
    let photos = 0;
    const started = performance.now();
    for (const batch of batches) {
      await classifier.classify(batch.data, batch.count, 5);
      photos += batch.count;
    }
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: photos / seconds, loadMs, batchSize: classifier.preferredBatchSize };
  } finally {
    await classifier.close();
  }
}

/** Returns the batch size a CPU scan uses with this network. */
export async function cpuBatchSize(modelPath: string): Promise<number> {
  const classifier = await Classifier.load({ modelPath, provider: 'cpu' });
  const size = classifier.preferredBatchSize;
  await classifier.close();
  return size;
}

/** Returns the throughput two stages that share the CPU can reach together: 1 / (1/a + 1/b). */
export function sharedCpuBound(a: number, b: number): number {
  return 1 / (1 / a + 1 / b);
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Figures collected over the rounds of a section. A ratio is computed within each round, from
 * figures measured a few seconds apart, and the section reports the median of the rounds.
 */
export class RoundSamples {
  private readonly values = new Map<string, number[]>();

  add(name: string, value: number | null): void {
    if (value === null || !Number.isFinite(value)) return;
    const list = this.values.get(name) ?? [];
    list.push(value);
    this.values.set(name, list);
  }

  /** Returns the median of the rounds (the mean of the middle two for an even count). */
  median(name: string): number | undefined {
    const list = [...(this.values.get(name) ?? [])].sort((a, b) => a - b);
    if (list.length === 0) return undefined;
    const middle = Math.floor(list.length / 2);
    return list.length % 2 === 1 ? list[middle] : (list[middle - 1] + list[middle]) / 2;
  }
}
