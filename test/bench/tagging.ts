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
  RoundSamples,
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

  const samples = new RoundSamples();
  // Alternate the measurements, so that load from other processes hits each of them alike.
  for (let index = 0; index < options.rounds; index++) {
    const plain = await plainDecode(buffers, batchSize);
    samples.add('plain full-size decode photos/s', plain);

    for (const network of networks) {
      const prefix = network.name;
      const decoded = await decodeOnly(buffers, PREPROCESSING, batchSize);
      const scan = await timedScan(folder, network.path);
      const inference = await inferenceOnly(network.path, packBatches(decoded.tensors, batchSize));
      const bound = sharedCpuBound(decoded.perSecond, inference.perSecond);

      samples.add('decode-only photos/s', decoded.perSecond);
      samples.add('decode-only / plain full-size decode', decoded.perSecond / plain);
      samples.add(`${prefix} end-to-end photos/s`, scan.perSecond);
      samples.add(`${prefix} end-to-end steady photos/s`, scan.steadyPerSecond);
      samples.add(`${prefix} inference-only photos/s`, inference.perSecond);
      samples.add(`${prefix} bound photos/s`, bound);
      samples.add(`${prefix} end-to-end / bound`, scan.perSecond / bound);
      if (scan.steadyPerSecond !== null) {
        samples.add(`${prefix} steady / bound`, scan.steadyPerSecond / bound);
        const photos = buffers.length;
        samples.add(
          `${prefix} per-scan fixed cost s`,
          photos / scan.perSecond - photos / scan.steadyPerSecond,
        );
      }
      samples.add(`${prefix} model load ms`, inference.loadMs);
    }
  }

  const results: Record<string, number> = { photos: buffers.length, 'batch size': batchSize };
  const names = [
    'decode-only photos/s',
    'plain full-size decode photos/s',
    'decode-only / plain full-size decode',
    ...networks.flatMap((network) =>
      [
        'end-to-end photos/s',
        'end-to-end steady photos/s',
        'inference-only photos/s',
        'bound photos/s',
        'end-to-end / bound',
        'steady / bound',
        'per-scan fixed cost s',
        'model load ms',
      ].map((name) => `${network.name} ${name}`),
    ),
  ];
  for (const name of names) {
    const value = samples.median(name);
    if (value !== undefined) results[name] = round(value, name.endsWith(' ms') ? 0 : 2);
  }
  return results;
}
