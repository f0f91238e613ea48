import { Classifier } from './classifier.js';
import { ModelValidationError, type ModelSignature } from './inspect.js';
import { ProviderUnavailableError } from './providers.js';

/**
 * Range accepted for the image size of an imported network. DeiT checkpoints run at 224 or 384.
 * The bounds reject sizes too small for one 16 px patch, and sizes whose input tensor could not
 * be allocated (100000 px would need 3 x 100000 x 100000 floats).
 */
export const MIN_IMAGE_SIZE = 16;
export const MAX_IMAGE_SIZE = 1024;

/** Throws ModelValidationError unless `size` is a whole number of pixels within the range. */
export function checkImageSize(path: string, size: number): void {
  if (!Number.isInteger(size) || size < MIN_IMAGE_SIZE || size > MAX_IMAGE_SIZE) {
    throw new ModelValidationError(
      `${path}: image size ${size} is out of range; expected a whole number from ` +
        `${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE}, the size the network was trained at (for example 224)`,
    );
  }
}

/**
 * Runs one image of zeros through the network on the CPU at `size`. An image size the network
 * cannot take, such as one whose patch count differs from its position embedding's, is then
 * rejected at import instead of failing every photo of a scan.
 */
export async function checkNetworkRuns(
  path: string,
  signature: ModelSignature,
  size: number,
): Promise<void> {
  let classifier: Classifier;
  try {
    classifier = await Classifier.load({
      modelPath: path,
      provider: 'cpu',
      imageSize: size,
      signature,
      threads: 1,
    });
  } catch (error) {
    if (!(error instanceof ProviderUnavailableError)) throw error;
    const reason = error.attempts[0]?.reason ?? error.message;
    throw new ModelValidationError(
      `${path}: the network failed to run at image size ${size}; pass the size it was ` +
        `trained at (ONNX Runtime: ${reason})`,
      { cause: error },
    );
  }
  await classifier.close();
}
