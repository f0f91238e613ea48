/**
 * ICC profile helpers. The decoder keeps an RGB photo's stored values, because Pillow does and
 * so DeiT saw its training images that way. The thumbnail then carries the photo's own profile,
 * so a colour-managed viewer such as Chromium still shows wide-gamut photos in their colours.
 */

/** ICC colour space signature (header bytes 16 to 19): 'RGB ', 'GRAY', 'CMYK'... or null. */
export function iccColourSpace(profile: Uint8Array): string | null {
  if (profile.length < 128) return null;
  return String.fromCharCode(...profile.subarray(16, 20));
}

/**
 * Profile description from the 'desc' tag (ICC v2 'desc' text or ICC v4 'mluc' first record),
 * or null when the profile has none or is malformed.
 */
export function iccDescription(profile: Uint8Array): string | null {
  if (profile.length < 132) return null;
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  const tagCount = view.getUint32(128);
  for (let i = 0; i < tagCount && 132 + i * 12 + 12 <= profile.length; i++) {
    const entry = 132 + i * 12;
    if (String.fromCharCode(...profile.subarray(entry, entry + 4)) !== 'desc') continue;
    const offset = view.getUint32(entry + 4);
    const size = view.getUint32(entry + 8);
    if (offset + size > profile.length || size < 12) return null;
    const type = String.fromCharCode(...profile.subarray(offset, offset + 4));
    if (type === 'desc') {
      const length = Math.min(view.getUint32(offset + 8), size - 12);
      return Buffer.from(profile.subarray(offset + 12, offset + 12 + length))
        .toString('latin1')
        .replace(/\0+$/, '');
    }
    if (type === 'mluc' && size >= 28) {
      const length = view.getUint32(offset + 20);
      const start = offset + view.getUint32(offset + 24);
      if (start + length > offset + size) return null;
      return Buffer.from(profile.subarray(start, start + length))
        .swap16()
        .toString('utf16le');
    }
    return null;
  }
  return null;
}

/** Tells whether a profile describes sRGB, which viewers assume for an untagged JPEG anyway. */
export function isSrgbProfile(profile: Uint8Array): boolean {
  return /\bsRGB\b/i.test(iccDescription(profile) ?? '');
}

const ICC_MARKER = 0xe2; // APP2
const ICC_SIGNATURE = 'ICC_PROFILE\0';
/** Segment payload limit: 65535 minus the length field, the signature and the two counters. */
const MAX_CHUNK = 65535 - 2 - ICC_SIGNATURE.length - 2;

/**
 * Inserts an ICC profile into a JPEG that has none, as APP2 "ICC_PROFILE" segments right
 * after the SOI marker (ICC.1 Annex B.4). Returns the JPEG unchanged for a profile of more
 * than 255 segments.
 */
export function embedIccInJpeg(jpeg: Buffer, profile: Uint8Array): Buffer {
  const chunkCount = Math.ceil(profile.length / MAX_CHUNK);
  if (chunkCount === 0 || chunkCount > 255 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;

  const segments: Buffer[] = [jpeg.subarray(0, 2)];
  for (let i = 0; i < chunkCount; i++) {
    const chunk = profile.subarray(i * MAX_CHUNK, (i + 1) * MAX_CHUNK);
    const header = Buffer.alloc(4 + ICC_SIGNATURE.length + 2);
    header[0] = 0xff;
    header[1] = ICC_MARKER;
    header.writeUInt16BE(2 + ICC_SIGNATURE.length + 2 + chunk.length, 2);
    header.write(ICC_SIGNATURE, 4, 'latin1');
    header[4 + ICC_SIGNATURE.length] = i + 1;
    header[5 + ICC_SIGNATURE.length] = chunkCount;
    segments.push(header, Buffer.from(chunk));
  }
  segments.push(jpeg.subarray(2));
  return Buffer.concat(segments);
}
