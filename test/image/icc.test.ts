import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { decodePhoto, DEIT_224 } from '../../electron/core/image/decode.js';
import {
  embedIccInJpeg,
  iccColourSpace,
  iccDescription,
  isSrgbProfile,
} from '../../electron/core/image/icc.js';
import { PATTERN_HEIGHT, PATTERN_WIDTH, testPattern } from '../fixtures/images.js';

function pattern() {
  return sharp(testPattern(), {
    raw: { width: PATTERN_WIDTH, height: PATTERN_HEIGHT, channels: 3 },
  });
}

/** Encodes the test pattern as a JPEG tagged with one of libvips' built-in profiles. */
async function taggedJpeg(profile: 'srgb' | 'p3' | 'cmyk'): Promise<Buffer> {
  // withIccProfile converts the pattern into that profile's colour space and attaches it.
  return pattern().withIccProfile(profile, { attach: true }).jpeg({ quality: 95 }).toBuffer();
}

async function embeddedProfile(jpeg: Buffer): Promise<Buffer | undefined> {
  return (await sharp(jpeg).metadata()).icc;
}

describe('ICC profile parsing', () => {
  it('reads the colour space and description', async () => {
    const p3 = (await embeddedProfile(await taggedJpeg('p3')))!;
    expect(iccColourSpace(p3)).toBe('RGB ');
    expect(iccDescription(p3)).toBeTruthy();
    expect(isSrgbProfile(p3)).toBe(false);

    const srgb = (await embeddedProfile(await taggedJpeg('srgb')))!;
    expect(isSrgbProfile(srgb)).toBe(true);

    const cmyk = (await embeddedProfile(await taggedJpeg('cmyk')))!;
    expect(iccColourSpace(cmyk)).toBe('CMYK');
  });

  it('returns null for malformed profiles', () => {
    expect(iccColourSpace(new Uint8Array(20))).toBeNull();
    expect(iccDescription(new Uint8Array(20))).toBeNull();
    const noTags = new Uint8Array(200);
    expect(iccDescription(noTags)).toBeNull();
  });
});

describe('embedIccInJpeg', () => {
  it('round-trips a profile through sharp', async () => {
    const profile = (await embeddedProfile(await taggedJpeg('p3')))!;
    const plain = await pattern().jpeg().toBuffer();
    const tagged = embedIccInJpeg(plain, profile);
    expect(await embeddedProfile(tagged)).toEqual(profile);
    const { info } = await sharp(tagged).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([PATTERN_WIDTH, PATTERN_HEIGHT]);
  });

  it('leaves non-JPEG data alone', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect(embedIccInJpeg(png, new Uint8Array(200))).toBe(png);
  });
});

describe('decodePhoto with ICC profiles', () => {
  it('feeds the model stored values and tags the thumbnail', async () => {
    const p3Jpeg = await taggedJpeg('p3');
    const p3Profile = await embeddedProfile(p3Jpeg);

    const p3Photo = await decodePhoto(p3Jpeg, DEIT_224);
    const reference = await sharp(p3Jpeg, { ignoreIcc: true }).raw().toBuffer();
    const plain = await decodePhoto(
      await sharp(reference, { raw: { width: PATTERN_WIDTH, height: PATTERN_HEIGHT, channels: 3 } })
        .png()
        .toBuffer(),
      DEIT_224,
    );
    expect(p3Photo.tensor).toEqual(plain.tensor);
    expect(await embeddedProfile(p3Photo.thumbnail)).toEqual(p3Profile);
  });

  it('leaves sRGB thumbnails untagged', async () => {
    const photo = await decodePhoto(await taggedJpeg('srgb'), DEIT_224);
    expect(await embeddedProfile(photo.thumbnail)).toBeUndefined();
  });
});
