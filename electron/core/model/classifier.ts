/**
 * The DeiT image classifier: one long-lived ONNX Runtime session on the best execution provider
 * that works. Nothing else in the app imports onnxruntime-node.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';

import { inspectModel, ModelValidationError, type ModelSignature } from './inspect.js';
import {
  openWithFallback,
  PROVIDER_NAMES,
  providerOrder,
  type ProviderAttempt,
  type ProviderName,
} from './providers.js';

export interface ClassifierOptions {
  modelPath: string;
  /** 'auto' (the default) tries the platform's providers in order and falls back to the CPU. */
  provider?: ProviderName | 'auto';
  /** Side of the square input in pixels, required when the graph has dynamic height and width. */
  imageSize?: number;
  /** CPU threads for one inference. ONNX Runtime's default is one per physical core. */
  threads?: number;
  /** The model's signature when the caller already inspected it, which saves a second load. */
  signature?: ModelSignature;
}

export interface Prediction {
  classIndex: number;
  /** Softmax probability, in [0, 1]. */
  score: number;
}

/** Batch sizes that keep each provider busy without holding many decoded images in memory. */
const PREFERRED_BATCH_SIZE = { cpu: 8, gpu: 32 } as const;

/** Returns the square input side, from the graph or, when the graph leaves it open, the options. */
function resolveInputSize(path: string, signature: ModelSignature, imageSize?: number): number {
  if (imageSize !== undefined && (!Number.isInteger(imageSize) || imageSize < 1)) {
    throw new RangeError(`imageSize must be a positive integer, got ${imageSize}`);
  }

  const fixed = signature.inputSize;
  if (fixed === null) {
    if (imageSize === undefined) {
      throw new ModelValidationError(
        `${path}: model input "${signature.inputName}" has dynamic height and width; ` +
          'set the image size the model was trained at (for example 224)',
      );
    }
    return imageSize;
  }
  if (fixed.height !== fixed.width) {
    throw new ModelValidationError(
      `${path}: model input "${signature.inputName}" is ${fixed.width}x${fixed.height}; ` +
        'expected a square input',
    );
  }
  if (imageSize !== undefined && imageSize !== fixed.height) {
    throw new ModelValidationError(
      `${path}: model input "${signature.inputName}" is fixed at ${fixed.width}x${fixed.height}; ` +
        `image size ${imageSize} does not match`,
    );
  }
  return fixed.height;
}

/** Writes the softmax of `logits[offset .. offset + count)` into `out`, subtracting the maximum first. */
function softmaxInto(logits: Float32Array, offset: number, count: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]);

  let sum = 0;
  for (let i = 0; i < count; i++) {
    const e = Math.exp(logits[offset + i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < count; i++) out[i] /= sum;
}

/** Returns the `k` largest scores, highest first. Of equal scores, the lower class index comes first. */
export function topK(scores: ArrayLike<number>, k: number): Prediction[] {
  const best: Prediction[] = [];
  for (let classIndex = 0; classIndex < scores.length; classIndex++) {
    const score = scores[classIndex];
    if (best.length === k && score <= best[k - 1].score) continue;

    let at = best.length;
    while (at > 0 && best[at - 1].score < score) at--;
    best.splice(at, 0, { classIndex, score });
    if (best.length > k) best.pop();
  }
  return best;
}

export class Classifier {
  /** Runs are chained so that close() waits for the one in progress. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly session: InferenceSession,
    readonly modelPath: string,
    readonly signature: ModelSignature,
    readonly provider: ProviderName,
    readonly attempts: ProviderAttempt[],
    readonly inputSize: number,
    readonly preferredBatchSize: number,
  ) {}

  /**
   * Validates the model, then opens it on the first execution provider that runs one batch.
   * Throws ModelValidationError for an unusable file and ProviderUnavailableError (with every
   * attempt) when no provider works.
   */
  static async load(options: ClassifierOptions): Promise<Classifier> {
    const { modelPath, threads } = options;
    const requested = options.provider ?? 'auto';
    if (requested !== 'auto' && !PROVIDER_NAMES.includes(requested)) {
      throw new RangeError(
        `unknown execution provider "${String(requested)}"; expected auto or ${PROVIDER_NAMES.join(', ')}`,
      );
    }
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    }

    const signature = options.signature ?? (await inspectModel(modelPath));
    const inputSize = resolveInputSize(modelPath, signature, options.imageSize);
    const candidates = requested === 'auto' ? providerOrder() : [requested];

    const opened = await openWithFallback(candidates, (provider) =>
      openAndProbe(modelPath, provider, threads, signature, inputSize),
    );
    const { value: session, provider, attempts } = opened;
    const preferred = provider === 'cpu' ? PREFERRED_BATCH_SIZE.cpu : PREFERRED_BATCH_SIZE.gpu;
    const batchSize = signature.fixedBatchSize ?? preferred;
    return new Classifier(session, modelPath, signature, provider, attempts, inputSize, batchSize);
  }

  get numClasses(): number {
    return this.signature.numClasses;
  }

  /**
   * Returns the top-k predictions of each of the `n` images in `tensor`.
   * @param tensor n*3*size*size float32 NCHW, already normalised
   */
  async classify(tensor: Float32Array, n: number, topKCount = 5): Promise<Prediction[][]> {
    if (!Number.isInteger(topKCount) || topKCount < 1) {
      throw new RangeError(`topK must be a positive integer, got ${topKCount}`);
    }
    const classes = this.numClasses;
    const k = Math.min(topKCount, classes);
    const logits = await this.logits(tensor, n);

    const probabilities = new Float64Array(classes);
    const results: Prediction[][] = [];
    for (let image = 0; image < n; image++) {
      softmaxInto(logits, image * classes, classes, probabilities);
      results.push(topK(probabilities, k));
    }
    return results;
  }

  /**
   * Returns the raw logits, n*numClasses. For a distilled model with two heads, returns their average.
   * A graph with a fixed batch size runs in chunks of that size, the last one padded with zeros.
   *
   * NOTE: onnxruntime-node 1.30 runs inference synchronously on the calling thread (its `run`
   * only defers the call with setImmediate), so call this from a worker thread, not from a
   * thread that must stay responsive.
   */
  async logits(tensor: Float32Array, n: number): Promise<Float32Array> {
    if (this.closed) throw new Error(`classifier for ${this.modelPath} is closed`);
    const imageLength = 3 * this.inputSize * this.inputSize;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`image count must be a positive integer, got ${n}`);
    }
    if (tensor.length !== n * imageLength) {
      throw new RangeError(
        `tensor has ${tensor.length} values; expected ${n}x3x${this.inputSize}x${this.inputSize} = ` +
          `${n * imageLength}`,
      );
    }

    const result = this.queue.then(() => this.runBatches(tensor, n));
    this.queue = result.catch(() => undefined);
    return await result;
  }

  /** Releases the session after the run in progress, if any, has finished. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.session.release();
  }

  private async runBatches(tensor: Float32Array, n: number): Promise<Float32Array> {
    const classes = this.numClasses;
    const imageLength = 3 * this.inputSize * this.inputSize;
    const chunk = this.signature.fixedBatchSize ?? n;
    const out = new Float32Array(n * classes);

    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      let input = tensor.subarray(start * imageLength, (start + count) * imageLength);
      if (count < chunk) {
        const padded = new Float32Array(chunk * imageLength);
        padded.set(input);
        input = padded;
      }
      const logits = await runOnce(this.session, this.signature, input, chunk, this.inputSize);
      out.set(logits.subarray(0, count * classes), start * classes);
    }
    return out;
  }
}

/** Runs one batch and returns its logits, averaging the two heads of a distilled model. */
async function runOnce(
  session: InferenceSession,
  signature: ModelSignature,
  input: Float32Array,
  batch: number,
  size: number,
): Promise<Float32Array> {
  const feeds = { [signature.inputName]: new Tensor('float32', input, [batch, 3, size, size]) };
  const outputs = await session.run(feeds);
  const expected = batch * signature.numClasses;

  const heads = signature.outputNames.map((name) => {
    const value = outputs[name];
    if (!(value instanceof Tensor) || !(value.data instanceof Float32Array)) {
      throw new Error(`model output "${name}" is missing or not a float32 tensor`);
    }
    if (value.data.length !== expected) {
      throw new Error(
        `model output "${name}" has shape [${value.dims.join(',')}]; expected [${batch},${signature.numClasses}]`,
      );
    }
    return value.data;
  });

  if (heads.length === 1) return heads[0];
  // DeiT averages the logits of its class and distillation heads at inference, before softmax.
  const [classHead, distillationHead] = heads as [Float32Array, Float32Array];
  const averaged = new Float32Array(expected);
  for (let i = 0; i < expected; i++) averaged[i] = (classHead[i] + distillationHead[i]) / 2;
  return averaged;
}

/** Opens a session on one provider only and runs a batch of zeros through it. */
async function openAndProbe(
  path: string,
  provider: ProviderName,
  threads: number | undefined,
  signature: ModelSignature,
  size: number,
): Promise<InferenceSession> {
  // Only this provider is listed, so a provider that fails to load fails the session instead
  // of leaving ONNX Runtime on the CPU. ONNX Runtime still runs the nodes a GPU provider does
  // not implement (mostly shape arithmetic) on the CPU, as it does in every GPU session.
  const session = await InferenceSession.create(path, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // 4 (fatal) only: a failed run is thrown with ONNX Runtime's message and reported by the
    // caller, so the coloured copy ONNX Runtime prints to stderr at level 3 (error) is noise.
    logSeverityLevel: 4,
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  });

  try {
    const batch = signature.fixedBatchSize ?? 1;
    await runOnce(session, signature, new Float32Array(batch * 3 * size * size), batch, size);
    return session;
  } catch (error) {
    await session.release();
    throw error;
  }
}
