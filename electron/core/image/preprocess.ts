/**
 * The DeiT evaluation transform (facebookresearch/deit `build_transform`, torchvision on Pillow):
 * `Resize(int(size / crop_ratio), BICUBIC)`, `CenterCrop(size)`, `ToTensor()` and
 * `Normalize(mean, std)`.
 */

import { resizeBicubicRgb, type CropWindow } from './resample.js';

/** Input size and normalisation that a model was trained and evaluated with. */
export interface Preprocessing {
  /** Side of the square model input, in pixels. */
  size: number;
  /** Crop side over the resized shorter side: 0.875 for 224 px models, 1.0 for 384 px ones. */
  cropRatio: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** DeiT at 224 px: shorter side to 256, centre crop 224, ImageNet mean and std. */
export const DEIT_224: Preprocessing = {
  size: 224,
  cropRatio: 0.875,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
};

/** DeiT at 384 px: shorter side to 384 (no margin), centre crop 384. */
export const DEIT_384: Preprocessing = {
  size: 384,
  cropRatio: 1,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
};

/** Shorter side before the crop; DeiT computes it as `int(size / crop_ratio)`. */
export function resizeShortSide(pre: Preprocessing): number {
  if (!(pre.size > 0 && Number.isInteger(pre.size))) {
    throw new RangeError(`invalid model input size: ${pre.size}`);
  }
  if (!(pre.cropRatio > 0 && pre.cropRatio <= 1)) {
    throw new RangeError(`invalid crop ratio: ${pre.cropRatio} (expected a value in (0, 1])`);
  }
  // The epsilon keeps ratios such as 224 / 0.875 that are exact in decimal from truncating down.
  return Math.floor(pre.size / pre.cropRatio + 1e-9);
}

/**
 * Size after torchvision's `Resize(short)` with an int size (`_compute_resized_output_size`):
 * the shorter side becomes `short` and the longer one `int(short * long / shorter)`.
 */
export function resizedDimensions(
  width: number,
  height: number,
  short: number,
): { width: number; height: number } {
  if (width <= height) {
    return { width: short, height: Math.trunc((short * height) / width) };
  }
  return { width: Math.trunc((short * width) / height), height: short };
}

/** Python 3's `round()`: to the nearest integer, ties to the even one. */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** torchvision's `center_crop` offset: `int(round((size - crop) / 2.0))`. */
export function centerCropOffset(size: number, crop: number): number {
  return roundHalfToEven((size - crop) / 2);
}

/**
 * Float32 lookup from an 8-bit channel value to `(value / 255 - mean) / std`, each step rounded
 * to float32 as torchvision's `ToTensor` and `Normalize` do on float32 tensors.
 */
function normalisationTable(mean: number, std: number): Float32Array {
  const table = new Float32Array(256);
  const mean32 = Math.fround(mean);
  const std32 = Math.fround(std);
  for (let v = 0; v < 256; v++) {
    table[v] = Math.fround(Math.fround(v / 255) - mean32) / std32;
  }
  return table;
}

/**
 * Applies the evaluation transform to a packed 8-bit RGB image and returns the model input:
 * `3 * size * size` float32 values in NCHW order (batch of one).
 */
export function preprocessRgb(
  rgb: Uint8Array,
  width: number,
  height: number,
  pre: Preprocessing,
): Float32Array {
  const resized = resizedDimensions(width, height, resizeShortSide(pre));
  const crop: CropWindow = {
    left: centerCropOffset(resized.width, pre.size),
    top: centerCropOffset(resized.height, pre.size),
    width: pre.size,
    height: pre.size,
  };
  const pixels = resizeBicubicRgb(rgb, width, height, resized.width, resized.height, crop);

  const plane = pre.size * pre.size;
  const tensor = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const table = normalisationTable(pre.mean[c], pre.std[c]);
    const offset = c * plane;
    for (let i = 0; i < plane; i++) tensor[offset + i] = table[pixels[i * 3 + c]]!;
  }
  return tensor;
}
