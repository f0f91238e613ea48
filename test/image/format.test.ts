import { describe, expect, it } from 'vitest';

import { IMAGE_EXTENSIONS, looksLikeText, sniffFormat } from '../../electron/core/image/format.js';

function bytes(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const ch of part) out.push(ch.charCodeAt(0));
    else out.push(...part);
  }
  return new Uint8Array(out);
}

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible, [0, 0, 0, 0]);
}

describe('sniffFormat', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a])],
    ['gif', bytes('GIF89a')],
    ['webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
    ['tiff', bytes('II', [0x2a, 0])],
    ['tiff', bytes('MM', [0, 0x2a])],
    ['heic', ftyp('heic', 'mif1', 'heic')],
    ['heic', ftyp('mif1', 'mif1', 'heic')],
    ['avif', ftyp('avif', 'mif1', 'avif')],
    ['avif', ftyp('mif1', 'mif1', 'avif')],
    ['heif', ftyp('mif1', 'mif1')],
    ['bmp', bytes('BM', [0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0])],
    ['svg', bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">')],
  ])('detects %s', (format, head) => {
    expect(sniffFormat(head)).toBe(format);
  });

  it('returns null for unknown or short data', () => {
    expect(sniffFormat(bytes('hello world'))).toBeNull();
    expect(sniffFormat(bytes([0xff, 0xd8]))).toBeNull();
    expect(sniffFormat(new Uint8Array(0))).toBeNull();
    expect(sniffFormat(ftyp('isom', 'isom', 'mp41'))).toBeNull();
  });
});

describe('looksLikeText', () => {
  it('accepts UTF-8 text', () => {
    expect(looksLikeText(bytes('a list\r\n\tof things\n'))).toBe(true);
    expect(looksLikeText(new TextEncoder().encode('café, naïve, 東京'))).toBe(true);
  });

  it('rejects binary data', () => {
    expect(looksLikeText(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe(false);
    expect(looksLikeText(bytes('abc', [0], 'def'))).toBe(false);
    expect(looksLikeText(new Uint8Array(0))).toBe(false);
  });

  it('accepts text cut inside a multi-byte character', () => {
    const text = new TextEncoder().encode('ok 東');
    expect(looksLikeText(text.subarray(0, text.length - 1))).toBe(true);
  });
});

describe('IMAGE_EXTENSIONS', () => {
  it('lists lower-case extensions with the dot', () => {
    for (const ext of ['.jpg', '.jpeg', '.png', '.webp', '.heic', '.avif', '.tiff']) {
      expect(IMAGE_EXTENSIONS.has(ext)).toBe(true);
    }
    for (const ext of IMAGE_EXTENSIONS) expect(ext).toMatch(/^\.[a-z0-9]+$/);
  });
});
