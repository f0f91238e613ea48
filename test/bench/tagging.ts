/**
 * Tagging throughput on 12-megapixel JPEGs: the whole scan beside its two stages measured
 * alone (decode and preprocess, inference), and the decode beside a plain full-size decode.
 */
import sharp from 'sharp';

import {
  preprocessRgb,
  resizedDimensions,
  resizeShortSide,
} from '../../electron/core/image/preprocess.js';
import { preprocessingForSize } from '../../electron/core/model/resolve.js';
import { benchNetwork, cameraPhotos, NETWORK_SPECS } from './fixtures.js';
import {
  cpuBatchSize,
  decodeOnly,
  inBatches,
  inferenceOnly,
  packBatches,
  readPhotos,
  round,
  sharedCpuBound,
  timedScan,
} from './measure.js';

const PREPROCESSING = preprocessingForSize(224);

export interface TaggingOptions {
  photos: number;
  rounds: number;
  networks: Array<keyof typeof NETWORK_SPECS>;
}

/**
 * Decodes at full size (no shrink-on-load), resizes the shorter side to 256 in sharp, then
 * crops and normalises: what a decoder that ignores JPEG DCT scaling does. Returns photos/s.
 */
async function plainDecode(buffers: readonly Buffer[], batchSize: number): Promise<number> {
  const started = performance.now();
  await inBatches(buffers, batchSize, async (data) => {
    const full = await sharp(data, { failOn: 'error' })
      .rotate()
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const size = resizedDimensions(
      full.info.width,
      full.info.height,
      resizeShortSide(PREPROCESSING),
    );
    const resized = await sharp(full.data, {
      raw: { width: full.info.width, height: full.info.height, channels: 3 },
    })
      .resize(size.width, size.height, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer();
    return preprocessRgb(resized, size.width, size.height, PREPROCESSING);
  });
  return buffers.length / ((performance.now() - started) / 1000);
}

/** Runs the tagging section; returns null when the real photos to upscale are absent. */
export async function runTaggingBench(
  options: TaggingOptions,
): Promise<Record<string, number> | null> {
  const folder = await cameraPhotos(options.photos);
  if (folder === null) return null;
  const buffers = await readPhotos(folder);
  const networks = await Promise.all(options.networks.map((name) => benchNetwork(name)));
  const batchSize = await cpuBatchSize(networks[0].path);

  const best: Record<string, number> = {};
  const keepBest = (name: string, value: number | null): void => {
    if (value !== null) best[name] = Math.max(best[name] ?? 0, value);
  };
  const keepMin = (name: string, value: number): void => {
    best[name] = Math.min(best[name] ?? Infinity, value);
  };

  // Alternate the measurements, so that load from other processes hits each of them alike.
  for (let round = 0; round < options.rounds; round++) {
    const decoded = await decodeOnly(buffers, PREPROCESSING, batchSize);
    keepBest('decode-only photos/s', decoded.perSecond);
    keepBest('plain full-size decode photos/s', await plainDecode(buffers, batchSize));
    const batches = packBatches(decoded.tensors, batchSize);

    for (const network of networks) {
      const scan = await timedScan(folder, network.path);
      keepBest(`${network.name} end-to-end photos/s`, scan.perSecond);
      keepBest(`${network.name} end-to-end steady photos/s`, scan.steadyPerSecond);
      const inference = await inferenceOnly(network.path, batches);
      keepBest(`${network.name} inference-only photos/s`, inference.perSecond);
      keepMin(`${network.name} model load ms`, inference.loadMs);
    }
  }

  const decode = best['decode-only photos/s'];
  const results: Record<string, number> = {
    photos: buffers.length,
    'batch size': batchSize,
    'decode-only photos/s': round(decode),
    'plain full-size decode photos/s': round(best['plain full-size decode photos/s']),
    'decode-only / plain full-size decode': round(decode / best['plain full-size decode photos/s']),
  };
  for (const network of networks) {
    const prefix = network.name;
    const inference = best[`${prefix} inference-only photos/s`];
    const bound = sharedCpuBound(decode, inference);
    const endToEnd = best[`${prefix} end-to-end photos/s`];
    const steady = best[`${prefix} end-to-end steady photos/s`];
    results[`${prefix} end-to-end photos/s`] = round(endToEnd);
    if (steady !== undefined) results[`${prefix} end-to-end steady photos/s`] = round(steady);
    results[`${prefix} inference-only photos/s`] = round(inference);
    results[`${prefix} bound photos/s`] = round(bound);
    results[`${prefix} end-to-end / bound`] = round(endToEnd / bound);
    if (steady !== undefined) {
      results[`${prefix} steady / bound`] = round(steady / bound);
      const photos = buffers.length;
      results[`${prefix} per-scan fixed cost s`] = round(photos / endToEnd - photos / steady);
    }
    results[`${prefix} model load ms`] = round(best[`${prefix} model load ms`], 0);
  }
  return results;
}
