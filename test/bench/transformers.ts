/**
 * The same photos and the same ONNX network through the image-classification pipeline of
 * transformers.js (@huggingface/transformers), beside a scan by the engine.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { env, pipeline } from '@huggingface/transformers';

import { benchNetwork, cameraPhotos, REPO_ROOT, transformersModelFolder } from './fixtures.js';
import { cpuBatchSize, round, RoundSamples, timedScan } from './measure.js';

export interface TransformersOptions {
  photos: number;
  rounds: number;
}

async function imagenetWnids(): Promise<string[]> {
  const text = await readFile(join(REPO_ROOT, 'models/imagenet-1k-wnids.txt'), 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '');
}

/**
 * Classifies the photos with transformers.js in batches of `batchSize` file paths, the model
 * already loaded; returns photos per second.
 */
async function classifyWithTransformers(
  classify: (paths: string[], options: { top_k: number }) => Promise<unknown>,
  paths: readonly string[],
  batchSize: number,
): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < paths.length; start += batchSize) {
    await classify(paths.slice(start, start + batchSize), { top_k: 5 });
  }
  return paths.length / ((performance.now() - started) / 1000);
}

/** Runs the comparison; returns null when the real photos to upscale are absent. */
export async function runTransformersBench(
  options: TransformersOptions,
): Promise<Record<string, number> | null> {
  const folder = await cameraPhotos(options.photos);
  if (folder === null) return null;
  const paths = (await readdir(folder))
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => join(folder, name));
  const network = await benchNetwork('deit-ti-shape');
  const batchSize = await cpuBatchSize(network.path);

  // Offline: only the local folder, no Hugging Face Hub, no file cache.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.localModelPath = await transformersModelFolder(network, await imagenetWnids());
  const loadStarted = performance.now();
  const classifier = await pipeline('image-classification', network.name, {
    device: 'cpu',
    dtype: 'fp32',
  });
  const loadMs = performance.now() - loadStarted;

  const samples = new RoundSamples();
  try {
    const classify = (batch: string[], callOptions: { top_k: number }): Promise<unknown> =>
      classifier(batch, callOptions);
    // Warm the session and the page cache, as the engine's scan does with its probe batch.
    await classify(paths.slice(0, 1), { top_k: 5 });
    for (let index = 0; index < options.rounds; index++) {
      const scan = await timedScan(folder, network.path);
      const theirs = await classifyWithTransformers(classify, paths, batchSize);
      samples.add('ours', scan.perSecond);
      samples.add('ours steady', scan.steadyPerSecond);
      samples.add('theirs', theirs);
      samples.add('ratio', scan.perSecond / theirs);
      if (scan.steadyPerSecond !== null) samples.add('steady ratio', scan.steadyPerSecond / theirs);
    }
  } finally {
    await classifier.dispose();
  }

  const median = (name: string): number => round(samples.median(name) ?? NaN);
  return {
    photos: paths.length,
    'batch size': batchSize,
    'engine end-to-end photos/s': median('ours'),
    'engine end-to-end steady photos/s': median('ours steady'),
    'transformers.js photos/s': median('theirs'),
    'transformers.js model load ms': round(loadMs, 0),
    'engine / transformers.js': median('ratio'),
    'engine steady / transformers.js': median('steady ratio'),
  };
}
