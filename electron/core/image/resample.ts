/**
 * Antialiased bicubic resampling of 8-bit RGB images with the same arithmetic as Pillow's
 * `Image.resize(size, Image.BICUBIC)` (src/libImaging/Resample.c, Pillow 7 to 11): a separable
 * filter with a = -0.5 whose support is widened by the downscale factor, a horizontal pass
 * then a vertical pass, each with fixed-point coefficients and rounding to 8 bits in between.
 * Matching it bit for bit is what makes model labels agree with a PyTorch and Pillow reference.
 */

/** Pillow's fixed-point precision: 32 bits minus 8 for the pixel value and 2 for overshoot. */
const PRECISION_BITS = 32 - 8 - 2;
const FIXED_ONE = 1 << PRECISION_BITS;
const ROUNDING = 1 << (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2;

/** Keys's cubic convolution kernel with a = -0.5, as Pillow's `bicubic_filter`. */
export function bicubicKernel(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/**
 * Fixed-point filter taps for a range of output pixels along one axis. Output pixel `i` reads
 * `counts[i]` input pixels from `starts[i]`, weighted by `weights[i * taps + k]`.
 */
export interface CoefficientTable {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  readonly weights: Int32Array;
  readonly taps: number;
}

/**
 * Computes the taps for output pixels `first` to `first + count - 1` when `inSize` pixels are
 * resampled to `outSize` (Pillow's `precompute_coeffs` then `normalize_coeffs_8bpc`).
 */
export function bicubicCoefficients(
  inSize: number,
  outSize: number,
  first = 0,
  count = outSize,
): CoefficientTable {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const invFilterScale = 1 / filterScale;

  const starts = new Int32Array(count);
  const counts = new Int32Array(count);
  const weights = new Int32Array(count * taps);
  const row = new Float64Array(taps);

  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    // Pillow rounds the window ends with a truncating cast, then clamps them to the image.
    const min = Math.max(Math.trunc(center - support + 0.5), 0);
    const max = Math.min(Math.trunc(center + support + 0.5), inSize) - min;

    let sum = 0;
    for (let k = 0; k < max; k++) {
      const w = bicubicKernel((k + min - center + 0.5) * invFilterScale);
      row[k] = w;
      sum += w;
    }
    for (let k = 0; k < max; k++) {
      const w = sum !== 0 ? row[k] / sum : row[k];
      // Round half away from zero, as Pillow's (int)(w * one +- 0.5).
      weights[i * taps + k] =
        w < 0 ? Math.trunc(-0.5 + w * FIXED_ONE) : Math.trunc(0.5 + w * FIXED_ONE);
    }
    starts[i] = min;
    counts[i] = max;
  }
  return { starts, counts, weights, taps };
}

/** Pillow's `clip8`: drops the fraction bits (rounding toward minus infinity), clamps to 0..255. */
function clip8(accumulator: number): number {
  const value = accumulator >> PRECISION_BITS;
  if (value < 0) return 0;
  if (value > 255) return 255;
  return value;
}

/** Rectangle of the resized image to produce, in resized-image pixels. */
export interface CropWindow {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Resizes a packed 8-bit RGB image to `outWidth` x `outHeight` with Pillow's bicubic filter and
 * returns only the pixels inside `crop` (packed RGB, `crop.width * crop.height * 3` bytes).
 * Every output pixel depends only on its own taps, so computing just the crop gives the same
 * bytes as resizing the whole image and cropping afterwards.
 */
export function resizeBicubicRgb(
  source: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  crop: CropWindow = { left: 0, top: 0, width: outWidth, height: outHeight },
): Uint8Array {
  if (source.length < width * height * 3) {
    throw new RangeError(
      `RGB buffer of ${source.length} bytes is too small for ${width}x${height}`,
    );
  }
  if (
    crop.left < 0 ||
    crop.top < 0 ||
    crop.width <= 0 ||
    crop.height <= 0 ||
    crop.left + crop.width > outWidth ||
    crop.top + crop.height > outHeight
  ) {
    throw new RangeError(`crop window is outside the ${outWidth}x${outHeight} image`);
  }

  // Pillow skips a pass whose axis keeps its size, so the pixels along that axis pass unchanged.
  const resizeX = outWidth !== width;
  const resizeY = outHeight !== height;

  // Source rows that the vertical pass reads, so the horizontal pass can skip the others.
  let rowTable: CoefficientTable | null = null;
  let firstRow = crop.top;
  let endRow = crop.top + crop.height;
  if (resizeY) {
    rowTable = bicubicCoefficients(height, outHeight, crop.top, crop.height);
    firstRow = rowTable.starts[0]!;
    endRow = rowTable.starts[crop.height - 1] + rowTable.counts[crop.height - 1];
  }

  const horizontal = resizeX
    ? resampleRows(
        source,
        width,
        firstRow,
        endRow,
        bicubicCoefficients(width, outWidth, crop.left, crop.width),
      )
    : copyColumns(source, width, firstRow, endRow, crop.left, crop.width);

  if (rowTable === null) return horizontal;
  return resampleColumns(horizontal, crop.width, firstRow, rowTable);
}

/** Horizontal pass over source rows `firstRow` to `endRow - 1`. */
function resampleRows(
  source: Uint8Array,
  width: number,
  firstRow: number,
  endRow: number,
  table: CoefficientTable,
): Uint8Array {
  const { starts, counts, weights, taps } = table;
  const outWidth = starts.length;
  const out = new Uint8Array(outWidth * (endRow - firstRow) * 3);
  let o = 0;
  for (let y = firstRow; y < endRow; y++) {
    const rowOffset = y * width * 3;
    for (let x = 0; x < outWidth; x++) {
      let r = ROUNDING;
      let g = ROUNDING;
      let b = ROUNDING;
      let s = rowOffset + starts[x] * 3;
      const w0 = x * taps;
      const n = counts[x];
      for (let k = 0; k < n; k++) {
        const w = weights[w0 + k];
        r += source[s] * w;
        g += source[s + 1] * w;
        b += source[s + 2] * w;
        s += 3;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return out;
}

/** Vertical pass. `rows` contains source rows from `firstRow` on, each `width` pixels wide. */
function resampleColumns(
  rows: Uint8Array,
  width: number,
  firstRow: number,
  table: CoefficientTable,
): Uint8Array {
  const { starts, counts, weights, taps } = table;
  const outHeight = starts.length;
  const stride = width * 3;
  const out = new Uint8Array(stride * outHeight);
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const top = (starts[y] - firstRow) * stride;
    const w0 = y * taps;
    const n = counts[y];
    for (let x = 0; x < stride; x += 3) {
      let r = ROUNDING;
      let g = ROUNDING;
      let b = ROUNDING;
      let s = top + x;
      for (let k = 0; k < n; k++) {
        const w = weights[w0 + k];
        r += rows[s] * w;
        g += rows[s + 1] * w;
        b += rows[s + 2] * w;
        s += stride;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return out;
}

/** Copies columns `left` to `left + count - 1` of rows `firstRow` to `endRow - 1`. */
function copyColumns(
  source: Uint8Array,
  width: number,
  firstRow: number,
  endRow: number,
  left: number,
  count: number,
): Uint8Array {
  const out = new Uint8Array(count * (endRow - firstRow) * 3);
  for (let y = firstRow; y < endRow; y++) {
    const start = (y * width + left) * 3;
    out.set(source.subarray(start, start + count * 3), (y - firstRow) * count * 3);
  }
  return out;
}
