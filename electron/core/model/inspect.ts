/**
 * Checks that an ONNX file is an ImageNet-1k image classifier this app can run, finding its
 * image input and logits outputs by shape rather than by name.
 */
import { access, constants, stat } from 'node:fs/promises';

import { InferenceSession } from 'onnxruntime-node';

import { ortErrorMessage } from './providers.js';

export const IMAGENET_CLASS_COUNT = 1000;

export interface ModelSignature {
  /** Name of the float32 `[N, 3, H, W]` input. */
  inputName: string;
  /** Fixed input height and width, or null when the graph declares them as symbolic. */
  inputSize: { height: number; width: number } | null;
  /** One logits output, or two (class head, then distillation head) that are averaged. */
  outputNames: string[];
  numClasses: number;
  /** True when the network has two heads, whose logits are averaged at inference. */
  distilled: boolean;
  /** Batch size the graph is fixed to, or null when the batch dimension is symbolic. */
  fixedBatchSize: number | null;
}

export class ModelValidationError extends Error {
  override name = 'ModelValidationError';
}

type Dim = number | string;

/** Formats a shape as `[N,3,224,224]`, writing symbolic dimensions as their names. */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Derives the signature from session metadata. Accepts exactly one float32 `[N, 3, H, W]`
 * input and one or two float32 `[N, 1000]` outputs. Anything else raises a
 * ModelValidationError whose message names the file and the shape found.
 */
export function signatureFromMetadata(
  path: string,
  inputs: readonly InferenceSession.ValueMetadata[],
  outputs: readonly InferenceSession.ValueMetadata[],
): ModelSignature {
  const fail = (message: string): never => {
    throw new ModelValidationError(`${path}: ${message}`);
  };

  if (inputs.length !== 1) {
    fail(
      `model has ${inputs.length} inputs (${inputs.map((i) => `"${i.name}"`).join(', ')}); ` +
        'expected one image input of shape [N,3,H,W]',
    );
  }
  const input = inputs[0];
  if (!input.isTensor) fail(`model input "${input.name}" is not a tensor`);
  const inputTensor = input as InferenceSession.TensorValueMetadata;
  if (inputTensor.type !== 'float32') {
    fail(`model input "${input.name}" has type ${inputTensor.type}; expected float32`);
  }
  const inShape = inputTensor.shape;
  if (inShape.length !== 4 || inShape[1] !== 3) {
    fail(
      `model input "${input.name}" has shape ${formatShape(inShape)}; expected [N,3,H,W] ` +
        '(a batch of RGB images)',
    );
  }
  const [batch, , height, width] = inShape as [Dim, Dim, Dim, Dim];
  const inputSize =
    typeof height === 'number' && typeof width === 'number' ? { height, width } : null;
  if ((typeof height === 'number') !== (typeof width === 'number')) {
    fail(
      `model input "${input.name}" has shape ${formatShape(inShape)}; expected H and W ` +
        'both fixed or both dynamic',
    );
  }

  if (outputs.length !== 1 && outputs.length !== 2) {
    fail(
      `model has ${outputs.length} outputs (${outputs.map((o) => `"${o.name}"`).join(', ')}); ` +
        `expected one [N,${IMAGENET_CLASS_COUNT}] logits output, or two for a distilled model`,
    );
  }
  for (const output of outputs) {
    if (!output.isTensor) fail(`model output "${output.name}" is not a tensor`);
    const tensor = output as InferenceSession.TensorValueMetadata;
    const shape = tensor.shape;
    if (shape.length !== 2 || shape[1] !== IMAGENET_CLASS_COUNT) {
      fail(
        `model output "${output.name}" has shape ${formatShape(shape)}; ` +
          `expected [N,${IMAGENET_CLASS_COUNT}] (ImageNet-1k)`,
      );
    }
    if (tensor.type !== 'float32') {
      fail(`model output "${output.name}" has type ${tensor.type}; expected float32`);
    }
  }

  return {
    inputName: input.name,
    inputSize,
    outputNames: outputs.map((o) => o.name),
    numClasses: IMAGENET_CLASS_COUNT,
    distilled: outputs.length === 2,
    fixedBatchSize: typeof batch === 'number' ? batch : null,
  };
}

/** Throws a ModelValidationError unless `path` is a readable regular file. */
export async function assertReadableFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ModelValidationError(`${path}: model path is not a file`);
    if (info.size === 0) throw new ModelValidationError(`${path}: model file is empty`);
    await access(path, constants.R_OK);
  } catch (error) {
    if (error instanceof ModelValidationError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'model file not found' : `model file is not readable (${code})`;
    throw new ModelValidationError(`${path}: ${reason}`, { cause: error });
  }
}

/**
 * Opens `path` in ONNX Runtime on the CPU, without graph optimisation, and validates its inputs
 * and outputs. Throws ModelValidationError for a missing, unreadable, corrupt or non-ONNX file
 * and for a graph of the wrong shape, naming the file in every message.
 */
export async function inspectModel(path: string): Promise<ModelSignature> {
  await assertReadableFile(path);

  let session: InferenceSession;
  try {
    session = await InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'disabled',
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new ModelValidationError(`${path}: not a valid ONNX model (${ortErrorMessage(error)})`, {
      cause: error,
    });
  }

  try {
    return signatureFromMetadata(path, session.inputMetadata, session.outputMetadata);
  } finally {
    await session.release();
  }
}
