import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../electron/core/model/classifier.js';
import { ClassifierThread } from '../../electron/core/model/classifier-thread.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { temporaryFolder } from '../helpers/tmp.js';

let modelPath: string;

beforeAll(async () => {
  const folder = await temporaryFolder('classifier-thread');
  modelPath = join(folder, 'tiny.onnx');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
});

function pseudoImages(n: number, size: number): Float32Array {
  const data = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.11) * 1.5;
  return data;
}

describe('ClassifierThread', () => {
  it('matches the classifier on the caller thread', async () => {
    const direct = await Classifier.load({ modelPath, provider: 'cpu' });
    const threaded = await ClassifierThread.load({ modelPath, provider: 'cpu' });
    try {
      const size = direct.inputSize;
      const expected = await direct.classify(pseudoImages(3, size), 3);
      const actual = await threaded.classify(pseudoImages(3, size), 3);

      expect(threaded.provider).toBe('cpu');
      expect(threaded.inputSize).toBe(size);
      expect(actual).toHaveLength(3);
      actual.forEach((row, index) => {
        expect(row.map((p) => p.classIndex)).toEqual(expected[index]?.map((p) => p.classIndex));
        row.forEach((p, k) => expect(p.score).toBeCloseTo(expected[index]?.[k]?.score ?? NaN, 6));
      });
    } finally {
      await direct.close();
      await threaded.close();
    }
  });

  it('runs batches concurrently submitted in order', async () => {
    const threaded = await ClassifierThread.load({ modelPath, provider: 'cpu' });
    try {
      const size = threaded.inputSize;
      const results = await Promise.all(
        [1, 2, 3].map((n) => threaded.classify(pseudoImages(n, size), n)),
      );
      expect(results.map((rows) => rows.length)).toEqual([1, 2, 3]);
    } finally {
      await threaded.close();
    }
  });

  it('load rejects an invalid model with its reason', async () => {
    const folder = await temporaryFolder('classifier-thread-bad');
    const tenClasses = join(folder, 'ten.onnx');
    await writeDeitOnnx(tenClasses, { ...TINY_TEST_SPEC, numClasses: 10 });

    await expect(ClassifierThread.load({ modelPath: tenClasses })).rejects.toThrow(/\[batch,10\]/);
  });
});
