import { describe, expect, it } from 'vitest';

import {
  centerCropOffset,
  DEIT_224,
  DEIT_384,
  preprocessRgb,
  resizedDimensions,
  resizeShortSide,
  roundHalfToEven,
} from '../../electron/core/image/preprocess.js';
import {
  bicubicCoefficients,
  bicubicKernel,
  resizeBicubicRgb,
} from '../../electron/core/image/resample.js';

/** Packed RGB image with every channel set to f(x, y, channel). */
function image(
  width: number,
  height: number,
  f: (x: number, y: number, c: number) => number,
): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = f(x, y, c);
    }
  }
  return rgb;
}

function noise(width: number, height: number): Uint8Array {
  return image(width, height, (x, y, c) => (x * 73 + y * 151 + c * 29 + ((x * y) % 17) * 11) & 255);
}

describe('bicubicKernel', () => {
  it('is Keys cubic with a = -0.5', () => {
    expect(bicubicKernel(0)).toBe(1);
    expect(bicubicKernel(1)).toBeCloseTo(0, 12);
    expect(bicubicKernel(2)).toBeCloseTo(0, 12);
    expect(bicubicKernel(0.5)).toBeCloseTo(0.5625, 12);
    expect(bicubicKernel(-1.5)).toBeCloseTo(-0.0625, 12);
  });
});

describe('bicubicCoefficients', () => {
  it('sums fixed-point weights to one', () => {
    const table = bicubicCoefficients(500, 341);
    for (let i = 0; i < 341; i++) {
      let sum = 0;
      for (let k = 0; k < table.counts[i]; k++) sum += table.weights[i * table.taps + k];
      expect(Math.abs(sum - (1 << 22))).toBeLessThanOrEqual(table.counts[i]);
    }
  });

  it('widens the support when downscaling', () => {
    expect(bicubicCoefficients(100, 100).taps).toBe(5);
    expect(bicubicCoefficients(400, 100).taps).toBe(17);
  });
});

describe('resizeBicubicRgb', () => {
  it('returns the same pixels at the same size', () => {
    const source = noise(13, 7);
    expect(resizeBicubicRgb(source, 13, 7, 13, 7)).toEqual(source);
  });

  it('keeps a constant image constant', () => {
    const source = image(37, 23, () => 200);
    for (const [w, h] of [
      [11, 7],
      [80, 50],
      [37, 5],
    ]) {
      const out = resizeBicubicRgb(source, 37, 23, w, h);
      expect(out.length).toBe(w * h * 3);
      expect(out.every((v) => v === 200)).toBe(true);
    }
  });

  it('matches hand-computed Pillow values', () => {
    // Row [0, 0, 255, 255] to 2 pixels: scale 2, support 4, taps at distances
    // (-0.25, 0.25, 0.75, 1.25) give 0.867, 0.867, 0.227, -0.070 before normalising by their
    // sum 1.8906, so pixel 0 is 255 * (0.2266 - 0.0703) / 1.8906 = 21.07 and pixel 1 is 233.93.
    const source = image(4, 1, (x) => (x < 2 ? 0 : 255));
    const out = resizeBicubicRgb(source, 4, 1, 2, 1);
    expect([...out]).toEqual([21, 21, 21, 234, 234, 234]);
  });

  it('clamps overshoot to 0 and 255', () => {
    // Upscaling a hard edge rings past both ends; Pillow clips each pass to 8 bits.
    const source = image(4, 1, (x) => (x < 2 ? 0 : 255));
    const out = resizeBicubicRgb(source, 4, 1, 16, 1);
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(255);
  });

  it('crops to the same pixels as resizing then cropping', () => {
    const source = noise(50, 31);
    const full = resizeBicubicRgb(source, 50, 31, 23, 17);
    const crop = { left: 5, top: 3, width: 11, height: 9 };
    const cropped = resizeBicubicRgb(source, 50, 31, 23, 17, crop);
    const expected = new Uint8Array(crop.width * crop.height * 3);
    for (let y = 0; y < crop.height; y++) {
      const from = ((crop.top + y) * 23 + crop.left) * 3;
      expected.set(full.subarray(from, from + crop.width * 3), y * crop.width * 3);
    }
    expect(cropped).toEqual(expected);
  });

  it('rejects a crop outside the image', () => {
    expect(() =>
      resizeBicubicRgb(noise(8, 8), 8, 8, 4, 4, { left: 2, top: 0, width: 3, height: 4 }),
    ).toThrow(RangeError);
  });
});

describe('DeiT geometry', () => {
  it('resizes the shorter side to 256 or 384', () => {
    expect(resizeShortSide(DEIT_224)).toBe(256);
    expect(resizeShortSide(DEIT_384)).toBe(384);
  });

  it('computes the longer side with int()', () => {
    expect(resizedDimensions(500, 375, 256)).toEqual({ width: 341, height: 256 });
    expect(resizedDimensions(375, 500, 256)).toEqual({ width: 256, height: 341 });
    expect(resizedDimensions(300, 300, 256)).toEqual({ width: 256, height: 256 });
    expect(resizedDimensions(4000, 1, 256)).toEqual({ width: 1_024_000, height: 256 });
  });

  it('rounds crop offsets half to even', () => {
    expect(roundHalfToEven(16.5)).toBe(16);
    expect(roundHalfToEven(17.5)).toBe(18);
    expect(roundHalfToEven(2.4)).toBe(2);
    expect(centerCropOffset(256, 224)).toBe(16);
    expect(centerCropOffset(257, 224)).toBe(16);
    expect(centerCropOffset(259, 224)).toBe(18);
    expect(centerCropOffset(341, 224)).toBe(58);
  });
});

describe('preprocessRgb', () => {
  it('normalises with the ImageNet mean and std in NCHW order', () => {
    const tensor = preprocessRgb(
      image(300, 260, (_x, _y, c) => [255, 0, 128][c]),
      300,
      260,
      DEIT_224,
    );
    const plane = 224 * 224;
    expect(tensor.length).toBe(3 * plane);
    expect(tensor[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(tensor[plane]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(tensor[2 * plane + plane - 1]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
  });

  it('rejects a crop ratio above one', () => {
    expect(() => preprocessRgb(noise(8, 8), 8, 8, { ...DEIT_224, cropRatio: 1.2 })).toThrow(
      /crop ratio/,
    );
  });
});
