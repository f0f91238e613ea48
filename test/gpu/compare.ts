/**
 * Tags the same generated photos with a generated DeiT network on the CPU and on each GPU
 * execution provider, and prints photos per second for each. Exits 1 when a GPU provider's
 * top-1 labels or logits differ from the CPU's beyond float tolerance.
 *
 * Run through test/gpu/check.sh, which installs the CUDA provider libraries first. Options:
 *   --spec base|small|tiny|test  network shape (default base: DeiT-B, 86 M parameters, 224 px)
 *   --photos N                   number of photos (default 64)
 *   --batch N                    photos per inference batch (default 16)
 *   --atol X                     maximum absolute logit difference (default 1e-3)
 *   --providers a,b              providers to compare with the CPU (default: the platform's GPU
 *                                providers, e.g. cuda,webgpu; 'cpu' checks the comparison itself)
 *   --require-gpu                fail when no GPU provider could run
 *   --work DIR                   where the network and photos are generated (default .cache/gpu/work)
 *   --json FILE                  also write the results as JSON
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { decodePhoto } from '../../electron/core/image/decode.js';
import { preprocessingForSize, toImagePreprocessing } from '../../electron/core/model/catalog.js';
import { Classifier } from '../../electron/core/model/classifier.js';
import {
  PROVIDER_NAMES,
  precheckProvider,
  providerOrder,
  type ProviderName,
} from '../../electron/core/model/providers.js';
import {
  DEIT_BASE_SPEC,
  TINY_TEST_SPEC,
  writeDeitOnnx,
  type DeitSpec,
} from '../fixtures/deit-onnx.js';
import { writeSeededPhoto } from '../helpers/photos.js';

const SPECS: Record<string, DeitSpec> = {
  base: DEIT_BASE_SPEC,
  small: { ...DEIT_BASE_SPEC, embedDim: 384, heads: 6 },
  tiny: { ...DEIT_BASE_SPEC, embedDim: 192, heads: 3 },
  test: TINY_TEST_SPEC,
};
const SEED = 7;
const PHOTO_SIZE = 320;

interface ProviderRun {
  provider: ProviderName;
  /** Null when the provider could not run, and then `skipped` contains the reason. */
  photosPerSecond: number | null;
  skipped?: string;
  logits?: Float32Array;
}

interface Comparison {
  provider: ProviderName;
  maxAbsDiff: number;
  /** Photos whose top-1 class differs from the CPU's. */
  top1Mismatches: number;
  /** Of those, photos where the CPU's two best logits are within tolerance: a tie, not an error. */
  top1Ties: number;
  pass: boolean;
}

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function options() {
  const { values } = parseArgs({
    options: {
      spec: { type: 'string', default: 'base' },
      photos: { type: 'string', default: '64' },
      batch: { type: 'string', default: '16' },
      atol: { type: 'string', default: '1e-3' },
      providers: { type: 'string' },
      'require-gpu': { type: 'boolean', default: false },
      work: { type: 'string', default: join(repository, '.cache/gpu/work') },
      json: { type: 'string' },
    },
  });
  const spec = SPECS[values.spec];
  if (!spec) throw new Error(`--spec must be one of ${Object.keys(SPECS).join(', ')}`);
  const providers = (values.providers?.split(',') ?? providerOrder().filter((p) => p !== 'cpu'))
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const provider of providers) {
    // 'cpu' is accepted too: a second CPU run checks this script's comparison itself.
    if (!PROVIDER_NAMES.includes(provider as ProviderName)) {
      throw new Error(`unknown provider "${provider}"; use ${PROVIDER_NAMES.join(', ')}`);
    }
  }
  return {
    specName: values.spec,
    spec: { ...spec, seed: SEED, dynamicBatch: true },
    photos: positiveInteger(values.photos, '--photos'),
    batch: positiveInteger(values.batch, '--batch'),
    atol: Number(values.atol),
    providers: providers as ProviderName[],
    requireGpu: values['require-gpu'],
    work: resolve(values.work),
    json: values.json,
  };
}

function positiveInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Writes the network once per spec; later runs reuse it. */
async function prepareNetwork(work: string, name: string, spec: DeitSpec): Promise<string> {
  const path = join(work, `deit-${name}-seed${SEED}.onnx`);
  if (await exists(path)) return path;
  const started = performance.now();
  await writeDeitOnnx(path, spec);
  const size = (await stat(path)).size;
  console.log(
    `generated ${path} (${(size / 2 ** 20).toFixed(1)} MiB) in ${seconds(started).toFixed(1)} s`,
  );
  return path;
}

async function preparePhotos(work: string, count: number): Promise<string[]> {
  const folder = join(work, 'photos');
  await mkdir(folder, { recursive: true });
  const paths: string[] = [];
  for (let index = 0; index < count; index++) {
    const path = join(folder, `photo-${String(index).padStart(4, '0')}.jpg`);
    if (!(await exists(path))) await writeSeededPhoto(path, index, PHOTO_SIZE);
    paths.push(path);
  }
  const onDisk = (await readdir(folder)).length;
  console.log(`photos: ${count} of ${onDisk} in ${folder}, ${PHOTO_SIZE}x${PHOTO_SIZE} JPEG`);
  return paths;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

async function decodeAll(paths: string[], inputSize: number): Promise<Float32Array> {
  const pre = toImagePreprocessing(preprocessingForSize(inputSize));
  const imageLength = 3 * inputSize * inputSize;
  const tensor = new Float32Array(paths.length * imageLength);
  const started = performance.now();
  for (const [index, path] of paths.entries()) {
    const decoded = await decodePhoto(await readFile(path), pre);
    tensor.set(decoded.tensor, index * imageLength);
  }
  const rate = paths.length / seconds(started);
  console.log(`decoded ${paths.length} photos with sharp at ${rate.toFixed(1)} photos/s`);
  return tensor;
}

async function runProvider(
  provider: ProviderName,
  modelPath: string,
  tensor: Float32Array,
  count: number,
  batch: number,
): Promise<ProviderRun> {
  const reason = precheckProvider(provider);
  if (reason !== null) return { provider, photosPerSecond: null, skipped: reason };

  let classifier: Classifier;
  try {
    classifier = await Classifier.load({ modelPath, provider });
  } catch (error) {
    return { provider, photosPerSecond: null, skipped: (error as Error).message };
  }
  try {
    const imageLength = 3 * classifier.inputSize * classifier.inputSize;
    const logits = new Float32Array(count * classifier.numClasses);
    // The first batch pays for kernel selection and memory allocation; it is not timed.
    await classifier.logits(
      tensor.subarray(0, Math.min(batch, count) * imageLength),
      Math.min(batch, count),
    );

    const started = performance.now();
    for (let first = 0; first < count; first += batch) {
      const n = Math.min(batch, count - first);
      const slice = tensor.subarray(first * imageLength, (first + n) * imageLength);
      logits.set(await classifier.logits(slice, n), first * classifier.numClasses);
    }
    return { provider, photosPerSecond: count / seconds(started), logits };
  } finally {
    await classifier.close();
  }
}

function argmaxAndMargin(logits: Float32Array, offset: number, classes: number) {
  let best = 0;
  let second = -Infinity;
  for (let i = 1; i < classes; i++) {
    const value = logits[offset + i];
    if (value > logits[offset + best]) {
      second = logits[offset + best]!;
      best = i;
    } else if (value > second) {
      second = value;
    }
  }
  return { best, margin: logits[offset + best] - second };
}

/** Summarises the CPU's top-1 labels, so a reader can judge how telling the comparison is. */
function describeLabels(logits: Float32Array, count: number): string {
  const classes = logits.length / count;
  const labels = new Set<number>();
  let minMargin = Infinity;
  for (let photo = 0; photo < count; photo++) {
    const { best, margin } = argmaxAndMargin(logits, photo * classes, classes);
    labels.add(best);
    minMargin = Math.min(minMargin, margin);
  }
  return (
    `cpu top-1: ${labels.size} distinct classes over ${count} photos; smallest gap between ` +
    `the two best logits ${minMargin.toExponential(2)}`
  );
}

function compare(cpu: Float32Array, gpu: ProviderRun, count: number, atol: number): Comparison {
  const other = gpu.logits!;
  const classes = cpu.length / count;
  let maxAbsDiff = 0;
  for (let i = 0; i < cpu.length; i++)
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(cpu[i] - other[i]));

  let top1Mismatches = 0;
  let top1Ties = 0;
  for (let photo = 0; photo < count; photo++) {
    const reference = argmaxAndMargin(cpu, photo * classes, classes);
    const candidate = argmaxAndMargin(other, photo * classes, classes);
    if (reference.best === candidate.best) continue;
    top1Mismatches++;
    if (reference.margin <= atol) top1Ties++;
  }
  const pass = maxAbsDiff <= atol && top1Mismatches === top1Ties;
  return { provider: gpu.provider, maxAbsDiff, top1Mismatches, top1Ties, pass };
}

async function main(): Promise<number> {
  const opts = options();
  await mkdir(opts.work, { recursive: true });
  const inputSize = opts.spec.imageSize ?? 224;
  console.log(
    `network: ${opts.specName} (embedDim ${opts.spec.embedDim}, depth ${opts.spec.depth}, ` +
      `heads ${opts.spec.heads}, ${inputSize} px, ${opts.spec.numClasses} classes)`,
  );

  const modelPath = await prepareNetwork(opts.work, opts.specName, opts.spec);
  const photos = await preparePhotos(opts.work, opts.photos);
  const tensor = await decodeAll(photos, inputSize);

  const cpu = await runProvider('cpu', modelPath, tensor, photos.length, opts.batch);
  if (!cpu.logits) throw new Error(`the CPU provider failed: ${cpu.skipped}`);
  console.log(`cpu: ${cpu.photosPerSecond!.toFixed(2)} photos/s (batch ${opts.batch})`);
  console.log(describeLabels(cpu.logits, photos.length));

  const comparisons: Comparison[] = [];
  const runs: ProviderRun[] = [cpu];
  for (const provider of opts.providers) {
    const run = await runProvider(provider, modelPath, tensor, photos.length, opts.batch);
    runs.push(run);
    if (!run.logits) {
      console.log(`${provider}: skipped: ${run.skipped}`);
      continue;
    }
    const result = compare(cpu.logits, run, photos.length, opts.atol);
    comparisons.push(result);
    console.log(
      `${provider}: ${run.photosPerSecond!.toFixed(2)} photos/s (batch ${opts.batch}); ` +
        `max |logit - cpu| = ${result.maxAbsDiff.toExponential(2)} (tolerance ${opts.atol}); ` +
        `top-1 differs on ${result.top1Mismatches} of ${photos.length} photos` +
        (result.top1Ties > 0 ? ` (${result.top1Ties} within tolerance of a tie)` : '') +
        ` -> ${result.pass ? 'PASS' : 'FAIL'}`,
    );
  }

  if (opts.json) {
    const report = {
      network: opts.specName,
      photos: photos.length,
      batch: opts.batch,
      atol: opts.atol,
      runs: runs.map(({ provider, photosPerSecond, skipped }) => ({
        provider,
        photosPerSecond,
        skipped,
      })),
      comparisons,
    };
    await mkdir(dirname(resolve(opts.json)), { recursive: true });
    await writeFile(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  }

  if (comparisons.length === 0) {
    console.log('no GPU provider ran: only the CPU was checked');
    return opts.requireGpu ? 1 : 0;
  }
  return comparisons.every((c) => c.pass) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`gpu check failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
