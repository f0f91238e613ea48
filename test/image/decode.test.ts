import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import sharp, { type OutputInfo } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  decodePhoto,
  DEIT_224,
  intermediateSize,
  PhotoDecodeError,
  type DecodedPhoto,
} from '../../electron/core/image/decode.js';
import { parseExifDate, readPhotoExif } from '../../electron/core/image/exif.js';
import { preprocessRgb } from '../../electron/core/image/preprocess.js';
import {
  PATTERN_HEIGHT,
  PATTERN_WIDTH,
  testPattern,
  writeBadInputsFolder,
  writeCmykJpeg,
  writeGreyscaleJpeg,
  writeOrientationSet,
  writePalettePng,
  writeRgbaPng,
  writeTestPhotos,
  type BadInputCase,
} from '../fixtures/images.js';
import { temporaryFolder } from '../helpers/tmp.js';

const TENSOR_LENGTH = 3 * 224 * 224;

function meanAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

async function thumbnailPixels(photo: DecodedPhoto): Promise<{ data: Buffer; info: OutputInfo }> {
  return sharp(photo.thumbnail).raw().toBuffer({ resolveWithObject: true });
}

/** RGB of the thumbnail pixel at a fraction of its width and height. */
async function thumbnailColour(photo: DecodedPhoto, fx: number, fy: number): Promise<number[]> {
  const { data, info } = await thumbnailPixels(photo);
  const offset =
    (Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)) * info.channels;
  return [data[offset], data[offset + 1], data[offset + 2]];
}

async function decodeFile(path: string): Promise<DecodedPhoto> {
  return decodePhoto(await readFile(path), DEIT_224);
}

let folder: string;

beforeAll(async () => {
  folder = await temporaryFolder('image-decode');
});

describe('EXIF orientation', () => {
  let photos: DecodedPhoto[];

  beforeAll(async () => {
    const paths = await writeOrientationSet(join(folder, 'orientation'));
    photos = await Promise.all(paths.map(decodeFile));
  });

  it('reports upright dimensions', () => {
    for (const photo of photos) {
      expect([photo.width, photo.height]).toEqual([PATTERN_WIDTH, PATTERN_HEIGHT]);
    }
  });

  it('gives orientations 2 to 8 the upright pixels', () => {
    // The upright pattern against its mirror image sets the scale of a real mistake.
    const pattern = testPattern();
    const mirrored = new Uint8Array(pattern.length);
    for (let y = 0; y < PATTERN_HEIGHT; y++) {
      for (let x = 0; x < PATTERN_WIDTH; x++) {
        const from = (y * PATTERN_WIDTH + PATTERN_WIDTH - 1 - x) * 3;
        mirrored.set(pattern.subarray(from, from + 3), (y * PATTERN_WIDTH + x) * 3);
      }
    }
    const mistake = meanAbsDifference(
      preprocessRgb(pattern, PATTERN_WIDTH, PATTERN_HEIGHT, DEIT_224),
      preprocessRgb(mirrored, PATTERN_WIDTH, PATTERN_HEIGHT, DEIT_224),
    );
    expect(mistake).toBeGreaterThan(0.5);

    for (const [index, photo] of photos.entries()) {
      const difference = meanAbsDifference(photo.tensor, photos[0].tensor);
      expect(difference, `orientation ${index + 1}`).toBeLessThan(0.05);
    }
  });

  it('orients the thumbnail', async () => {
    for (const photo of photos) {
      const { info } = await thumbnailPixels(photo);
      expect([info.width, info.height]).toEqual([PATTERN_WIDTH, PATTERN_HEIGHT]);
      // The dark marker block sits in the top-left corner of the upright pattern.
      const corner = await thumbnailColour(photo, 0.03, 0.03);
      expect(Math.max(...corner)).toBeLessThan(40);
    }
  });
});

describe('bad and edge-case inputs', () => {
  let cases: BadInputCase[];
  const codes: Record<string, string> = {
    'truncated.jpg': 'truncated',
    'truncated.png': 'truncated',
    'corrupt.jpg': 'corrupt',
    'empty.jpg': 'empty',
    'notes.jpg': 'unsupported-format',
    'phone.heic': 'unsupported-format',
    'bomb.png': 'too-large',
  };

  beforeAll(async () => {
    cases = await writeBadInputsFolder(join(folder, 'bad'));
  });

  it('gives each file its expected outcome', async () => {
    expect(cases.length).toBeGreaterThan(10);
    for (const { name, expect: expected } of cases) {
      const data = await readFile(join(folder, 'bad', name));
      const outcome = await decodePhoto(data, DEIT_224).then(
        (photo) => photo,
        (error: unknown) => error,
      );
      if (expected === 'ok') {
        expect(outcome, name).not.toBeInstanceOf(Error);
        expect((outcome as DecodedPhoto).tensor.length, name).toBe(TENSOR_LENGTH);
      } else {
        expect(outcome, name).toBeInstanceOf(PhotoDecodeError);
        expect((outcome as PhotoDecodeError).message, name).toMatch(expected);
        expect((outcome as PhotoDecodeError).code, name).toBe(codes[name]);
      }
    }
  });

  it('decodes a PNG named .jpg as PNG', async () => {
    const photo = await decodeFile(join(folder, 'bad', 'really-a-png.jpg'));
    expect(photo.format).toBe('png');
  });

  it('rejects a bomb before decoding it', async () => {
    const data = await readFile(join(folder, 'bad', 'bomb.png'));
    const started = performance.now();
    await expect(decodePhoto(data, DEIT_224)).rejects.toThrow(/^image too large: 30000x19000$/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('applies a lower pixel limit', async () => {
    const data = await readFile(join(folder, 'bad', 'rgb-16-bit.png'));
    await expect(decodePhoto(data, DEIT_224, { maxPixels: 1000 })).rejects.toThrow(
      /^image too large: 96x64$/,
    );
  });

  it('decodes 1x1 and 4000x1 images', async () => {
    const single = await decodeFile(join(folder, 'bad', 'single-pixel.png'));
    expect([single.width, single.height]).toEqual([1, 1]);
    expect(single.tensor[0]).toBeCloseTo((200 / 255 - 0.485) / 0.229, 5);
    const row = await decodeFile(join(folder, 'bad', 'one-row.jpg'));
    expect([row.width, row.height]).toEqual([4000, 1]);
  });
});

describe('colour conversion', () => {
  it('converts CMYK with and without a profile to RGB', async () => {
    for (const withProfile of [true, false]) {
      const photo = await decodeFile(await writeCmykJpeg(join(folder, 'colour'), withProfile));
      const { info } = await thumbnailPixels(photo);
      expect(info.channels).toBe(3);
      expect([info.width, info.height]).toEqual([PATTERN_WIDTH, PATTERN_HEIGHT]);
      // The top-right quadrant of the pattern is green.
      const [r, g, b] = await thumbnailColour(photo, 0.75, 0.25);
      expect(g - Math.max(r, b), `profile: ${withProfile}`).toBeGreaterThan(60);
    }
  });

  it('replicates greyscale into three equal channels', async () => {
    const photo = await decodeFile(await writeGreyscaleJpeg(join(folder, 'colour')));
    const plane = 224 * 224;
    const toByte = (value: number, c: number): number =>
      Math.round(255 * (value * DEIT_224.std[c] + DEIT_224.mean[c]));
    for (const i of [0, 1000, 30_000, plane - 1]) {
      expect(toByte(photo.tensor[i], 0)).toBe(toByte(photo.tensor[plane + i], 1));
      expect(toByte(photo.tensor[i], 0)).toBe(toByte(photo.tensor[2 * plane + i], 2));
    }
  });

  it('flattens transparency onto white', async () => {
    const rgba = await decodeFile(await writeRgbaPng(join(folder, 'colour')));
    expect(await thumbnailColour(rgba, 0.25, 0.75)).toEqual([255, 255, 255]);
    const palette = await decodeFile(await writePalettePng(join(folder, 'colour')));
    const [r, g, b] = await thumbnailColour(palette, 0.5, 0.5);
    expect(Math.abs(r - 127)).toBeLessThan(6);
    expect(Math.abs(g - 127)).toBeLessThan(6);
    expect(b).toBeGreaterThan(250);
  });
});

describe('shrink-on-load', () => {
  it('plans a 2x intermediate only for large images', () => {
    expect(intermediateSize(500, 375, 256)).toBeNull();
    expect(intermediateSize(2047, 1535, 256)).toBeNull();
    expect(intermediateSize(2048, 1536, 256)).toEqual([683, 512]);
    expect(intermediateSize(6000, 4000, 256)).toEqual([768, 512]);
    expect(intermediateSize(3000, 4000, 256)).toEqual([512, 683]);
  });

  it('decodes a 6000x4000 JPEG close to the full-size result', async () => {
    const pattern = testPattern(600, 400);
    const data = await sharp(pattern, { raw: { width: 600, height: 400, channels: 3 } })
      .resize(6000, 4000, { kernel: 'cubic' })
      .jpeg({ quality: 90 })
      .toBuffer();

    const started = performance.now();
    const photo = await decodePhoto(data, DEIT_224);
    const elapsed = performance.now() - started;
    expect([photo.width, photo.height]).toEqual([6000, 4000]);
    expect(photo.tensor.length).toBe(TENSOR_LENGTH);
    expect(elapsed).toBeLessThan(5000);

    const full = await sharp(data).raw().toBuffer({ resolveWithObject: true });
    const exact = preprocessRgb(full.data, full.info.width, full.info.height, DEIT_224);
    expect(meanAbsDifference(photo.tensor, exact)).toBeLessThan(0.03);

    const { info } = await thumbnailPixels(photo);
    expect([info.width, info.height]).toEqual([320, 213]);
  });
});

describe('EXIF', () => {
  it('reads the capture date with its offset and the camera', async () => {
    const data = await sharp(testPattern(), {
      raw: { width: PATTERN_WIDTH, height: PATTERN_HEIGHT, channels: 3 },
    })
      .withExif({
        IFD0: { Make: 'Acme', Model: 'Acme Snap 3', DateTime: '2021:05:06 07:08:09' },
        IFD2: { DateTimeOriginal: '2020:01:02 03:04:05', OffsetTimeOriginal: '+02:00' },
      })
      .jpeg()
      .toBuffer();
    const photo = await decodePhoto(data, DEIT_224);
    expect(photo.takenAt).toBe(Date.UTC(2020, 0, 2, 1, 4, 5));
    expect(photo.camera).toBe('Acme Snap 3');
  });

  it('ignores out-of-range dates', async () => {
    const jpegWithDates = (original: string, modified: string): Promise<Buffer> =>
      sharp(testPattern(), { raw: { width: PATTERN_WIDTH, height: PATTERN_HEIGHT, channels: 3 } })
        .withExif({ IFD0: { DateTime: modified }, IFD2: { DateTimeOriginal: original } })
        .jpeg()
        .toBuffer();
    const takenAt = async (original: string, modified: string): Promise<number | null> =>
      (await decodePhoto(await jpegWithDates(original, modified), DEIT_224)).takenAt;

    // A camera with an unset clock, and values Date.UTC would roll over into 2021.
    expect(await takenAt('0000:00:00 00:00:00', '0000:00:00 00:00:00')).toBeNull();
    expect(await takenAt('2020:13:45 25:61:99', '2020:13:45 25:61:99')).toBeNull();
    // An invalid DateTimeOriginal falls back to a valid DateTime.
    expect(await takenAt('2020:13:45 25:61:99', '2019:07:08 09:10:11')).toBe(
      Date.UTC(2019, 6, 8, 9, 10, 11),
    );
    expect(await takenAt('2020:02:29 23:59:59', '2019:07:08 09:10:11')).toBe(
      Date.UTC(2020, 1, 29, 23, 59, 59),
    );
  });

  it('checks each field of a date', () => {
    const cases: Array<[string, number | null]> = [
      ['2021:02:28 00:00:00', Date.UTC(2021, 1, 28)],
      ['2021:02:29 00:00:00', null],
      ['2000:02:29 00:00:00', Date.UTC(2000, 1, 29)],
      ['1900:02:29 00:00:00', null],
      ['2021:04:31 12:00:00', null],
      ['2021:00:10 12:00:00', null],
      ['2021:01:00 12:00:00', null],
      ['2021:01:01 24:00:00', null],
      ['2021:01:01 23:60:00', null],
      ['2021:01:01 23:59:60', null],
      ['1799:12:31 23:59:59', null],
      ['1800:01:01 00:00:00', Date.UTC(1800, 0, 1)],
      ['2200:12:31 23:59:59', Date.UTC(2200, 11, 31, 23, 59, 59)],
      ['2201:01:01 00:00:00', null],
      ['    :  :     :  :  ', null],
      ['2021:01:01 12:00:00\0\0', Date.UTC(2021, 0, 1, 12)],
    ];
    for (const [text, expected] of cases) expect(parseExifDate(text), text).toBe(expected);
  });

  it('returns nulls without EXIF', async () => {
    const [path] = await writeTestPhotos(join(folder, 'plain'), 1, 7);
    const photo = await decodeFile(path);
    expect(photo.takenAt).toBeNull();
    expect(photo.camera).toBeNull();
  });

  it('ignores malformed EXIF', () => {
    expect(readPhotoExif(Buffer.from('Exif\0\0garbage that is not TIFF'))).toEqual({
      takenAt: null,
      camera: null,
    });
  });
});

describe('writeTestPhotos', () => {
  it('writes decodable photos, the same for a seed', async () => {
    const first = await writeTestPhotos(join(folder, 'seed-a'), 4, 42);
    const second = await writeTestPhotos(join(folder, 'seed-b'), 4, 42);
    for (const [i, path] of first.entries()) {
      expect(await readFile(path)).toEqual(await readFile(second[i]));
      expect((await decodeFile(path)).tensor.length).toBe(TENSOR_LENGTH);
    }
  });
});
