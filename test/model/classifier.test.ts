import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodePhoto, DEIT_224 } from '../../electron/core/image/decode.js';
import { Classifier, topK } from '../../electron/core/model/classifier.js';
import { ModelValidationError } from '../../electron/core/model/inspect.js';
import { TINY_TEST_SPEC, writeDeitOnnx, type DeitSpec } from '../fixtures/deit-onnx.js';

const SIZE = TINY_TEST_SPEC.imageSize!;
const SHARED = resolve(import.meta.dirname, '../../../shared');
const REAL_DEIT_TINY = join(SHARED, 'models/deit-tiny-patch16-224.onnx');
/** Top-5 classes and softmax scores of DeiT-Ti in PyTorch, keyed by photo path. */
const REFERENCE_TOP5 = join(SHARED, 'models/deit-tiny-reference-top5.json');
const IMAGENET_PHOTOS = join(SHARED, 'photos/imagenet');

/** Deterministic pseudo-images in roughly the range of normalised pixels; `seed` varies them. */
function images(n: number, size = SIZE, seed = 0): Float32Array {
  const data = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.sin(i * 0.37 + seed + Math.floor(i / 97) * 1.3) * 2;
  }
  return data;
}

function softmax(row: Float32Array): number[] {
  const max = Math.max(...row);
  const exps = Array.from(row, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function expectClose(actual: Float32Array, expected: Float32Array, digits = 4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

describe('Classifier', () => {
  let dir: string;
  const paths: Record<string, string> = {};
  const opened: Classifier[] = [];

  async function load(name: string, options: { imageSize?: number } = {}): Promise<Classifier> {
    const classifier = await Classifier.load({
      modelPath: paths[name],
      provider: 'cpu',
      ...options,
    });
    opened.push(classifier);
    return classifier;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'classifier-'));
    const distilled: DeitSpec = { ...TINY_TEST_SPEC, distilled: true, seed: 5 };
    const specs: Record<string, DeitSpec> = {
      single: TINY_TEST_SPEC,
      twoOutputs: { ...distilled, distilledOutputs: 'two-outputs' },
      averaged: { ...distilled, distilledOutputs: 'averaged' },
      fixedBatch: { ...TINY_TEST_SPEC, dynamicBatch: false },
      dynamicSize: { ...TINY_TEST_SPEC, dynamicImageSize: true },
      tenClasses: { ...TINY_TEST_SPEC, numClasses: 10 },
    };
    for (const [name, spec] of Object.entries(specs)) {
      paths[name] = join(dir, `${name}.onnx`);
      await writeDeitOnnx(paths[name], spec);
    }
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a DeiT and describes it', async () => {
    const classifier = await load('single');

    expect(classifier.inputSize).toBe(SIZE);
    expect(classifier.provider).toBe('cpu');
    expect(classifier.preferredBatchSize).toBe(8);
    expect(classifier.signature.outputNames).toEqual(['logits']);
  });

  it('returns top-k softmax scores of the logits', async () => {
    const classifier = await load('single');
    const n = 3;
    const input = images(n);
    const logits = await classifier.logits(input, n);
    const predictions = await classifier.classify(input, n, 5);

    expect(logits.length).toBe(n * 1000);
    expect(predictions).toHaveLength(n);
    for (let image = 0; image < n; image++) {
      const probabilities = softmax(logits.subarray(image * 1000, (image + 1) * 1000));
      const ranked = probabilities
        .map((score, classIndex) => ({ classIndex, score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 5);
      expect(predictions[image].map((p) => p.classIndex)).toEqual(ranked.map((p) => p.classIndex));
      for (let rank = 0; rank < 5; rank++) {
        expect(predictions[image][rank].score).toBeCloseTo(ranked[rank].score, 6);
      }
    }
  });

  it('gives the same logits in a batch and alone', async () => {
    const classifier = await load('single');
    const n = 4;
    const input = images(n, SIZE, 1);
    const batched = await classifier.logits(input, n);

    const imageLength = 3 * SIZE * SIZE;
    for (let image = 0; image < n; image++) {
      const alone = await classifier.logits(
        input.slice(image * imageLength, (image + 1) * imageLength),
        1,
      );
      expectClose(batched.subarray(image * 1000, (image + 1) * 1000), alone);
    }
  });

  it('averages the two heads of a distilled DeiT', async () => {
    const twoOutputs = await load('twoOutputs');
    const averaged = await load('averaged');
    const input = images(2, SIZE, 2);

    expect(twoOutputs.signature.distilled).toBe(true);
    expectClose(await twoOutputs.logits(input, 2), await averaged.logits(input, 2));
  });

  it('splits and pads batches for a fixed batch size', async () => {
    const fixed = await load('fixedBatch');
    const dynamic = await load('single');
    const input = images(3, SIZE, 3);

    expect(fixed.preferredBatchSize).toBe(1);
    expectClose(await fixed.logits(input, 3), await dynamic.logits(input, 3));
  });

  it('needs an image size for dynamic height and width', async () => {
    await expect(load('dynamicSize')).rejects.toThrow(
      `${paths.dynamicSize}: model input "pixel_values" has dynamic height and width`,
    );

    const classifier = await load('dynamicSize', { imageSize: SIZE });
    expect(classifier.inputSize).toBe(SIZE);
    expect(await classifier.classify(images(1), 1)).toHaveLength(1);
  });

  it('rejects an image size the graph cannot take', async () => {
    await expect(load('single', { imageSize: 64 })).rejects.toThrow(
      `${paths.single}: model input "pixel_values" is fixed at 32x32; image size 64 does not match`,
    );
    // The position embedding fixes the size even when the declared shape does not.
    await expect(load('dynamicSize', { imageSize: 64 })).rejects.toThrow(
      /no execution provider could run the model|execution provider cpu is not available/,
    );
  });

  it('rejects a 10-class network', async () => {
    const error = await load('tenClasses').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as Error).message).toContain('has shape [batch,10]; expected [N,1000]');
  });

  it('rejects a tensor of the wrong length', async () => {
    const classifier = await load('single');

    await expect(classifier.classify(images(2), 3)).rejects.toThrow(
      `tensor has 6144 values; expected 3x3x32x32 = 9216`,
    );
    await expect(classifier.classify(images(1), 0)).rejects.toThrow(RangeError);
    await expect(classifier.classify(images(1), 1, 0)).rejects.toThrow(RangeError);
  });

  it('caps top-k at the class count', async () => {
    const classifier = await load('single');
    const [predictions] = await classifier.classify(images(1), 1, 5000);

    expect(predictions).toHaveLength(1000);
    const total = predictions.reduce((sum, p) => sum + p.score, 0);
    expect(total).toBeCloseTo(1, 6);
  });

  it('finishes queued runs before closing', async () => {
    const classifier = await Classifier.load({ modelPath: paths.single, provider: 'cpu' });
    const pending = classifier.classify(images(2), 2);
    await classifier.close();

    expect(await pending).toHaveLength(2);
    await expect(classifier.classify(images(1), 1)).rejects.toThrow(/is closed/);
  });
});

describe('topK', () => {
  it('orders by score, ties by class index', () => {
    expect(topK([0.1, 0.4, 0.2, 0.4, 0.3], 3)).toEqual([
      { classIndex: 1, score: 0.4 },
      { classIndex: 3, score: 0.4 },
      { classIndex: 4, score: 0.3 },
    ]);
  });

  it('returns all when k exceeds the length', () => {
    expect(topK([0.5, 0.5], 5).map((p) => p.classIndex)).toEqual([0, 1]);
  });
});

describe.skipIf(!existsSync(REAL_DEIT_TINY))('Classifier on DeiT-Ti', () => {
  it.skipIf(!existsSync(REFERENCE_TOP5) || !existsSync(IMAGENET_PHOTOS))(
    'matches the PyTorch top-5',
    async () => {
      const reference = JSON.parse(await readFile(REFERENCE_TOP5, 'utf8')) as Record<
        string,
        { top5: number[]; scores: number[] }
      >;
      const names = (await readdir(IMAGENET_PHOTOS)).sort().slice(0, 4);
      const decoded = await Promise.all(
        names.map(async (name) =>
          decodePhoto(await readFile(join(IMAGENET_PHOTOS, name)), DEIT_224),
        ),
      );
      const input = new Float32Array(decoded.length * decoded[0].tensor.length);
      decoded.forEach((photo, i) => input.set(photo.tensor, i * photo.tensor.length));

      const classifier = await Classifier.load({ modelPath: REAL_DEIT_TINY, provider: 'cpu' });
      try {
        const predictions = await classifier.classify(input, names.length, 5);
        names.forEach((name, i) => {
          const expected = reference[`imagenet/${name}`];
          expect(predictions[i].map((p) => p.classIndex)).toEqual(expected.top5);
          // The reference scores are rounded to 5 decimals.
          predictions[i].forEach((p, rank) =>
            expect(p.score).toBeCloseTo(expected.scores[rank], 3),
          );
        });
      } finally {
        await classifier.close();
      }
    },
  );

  it('classifies a batch into 1000 classes', async () => {
    const classifier = await Classifier.load({ modelPath: REAL_DEIT_TINY, provider: 'cpu' });
    try {
      expect(classifier.inputSize).toBe(224);
      const n = 2;
      const input = images(n, 224);
      const logits = await classifier.logits(input, n);
      const predictions = await classifier.classify(input, n, 5);

      expect(logits.length).toBe(n * 1000);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(predictions.map((p) => p.length)).toEqual([5, 5]);
      for (const top of predictions) {
        expect(top[0].score).toBeGreaterThanOrEqual(top[4].score);
        expect(top[0].score).toBeLessThanOrEqual(1);
      }
    } finally {
      await classifier.close();
    }
  });
});
