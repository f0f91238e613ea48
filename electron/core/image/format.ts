/**
 * Image format detection from the first bytes of a file, so that a PNG saved with a `.jpg`
 * extension is decoded as PNG and a text file named `.jpg` is reported as such.
 */

/** File extensions the scanner treats as photos: lower case, with the leading dot. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.heic',
  '.heif',
  '.hif',
  '.avif',
  '.bmp',
]);

/** Bytes that `sniffFormat` reads; a shorter head still works for most formats. */
export const SNIFF_LENGTH = 64;

// ISO base media file format brands (the `ftyp` box of HEIF, AVIF and camera raw files).
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2']);

function ascii(head: Uint8Array, start: number, end: number): string {
  if (head.length < end) return '';
  return String.fromCharCode(...head.subarray(start, end));
}

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((byte, i) => head[offset + i] === byte);
}

/**
 * Detects an ISO base media file: returns 'avif', 'heic' (HEVC-coded HEIF) or 'heif' (another
 * or unknown codec) from the major brand and the compatible brands of the `ftyp` box.
 */
function sniffIsoMedia(head: Uint8Array): string | null {
  if (ascii(head, 4, 8) !== 'ftyp') return null;

  const boxSize = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const end = Math.min(head.length, boxSize >= 16 ? boxSize : 16);
  const brands = [ascii(head, 8, 12)];
  for (let offset = 16; offset + 4 <= end; offset += 4)
    brands.push(ascii(head, offset, offset + 4));

  const major = brands[0];
  if (AVIF_BRANDS.has(major)) return 'avif';
  if (HEIC_BRANDS.has(major)) return 'heic';
  if (major === 'crx ') return 'cr3';
  if (!HEIF_BRANDS.has(major) && !brands.some((b) => HEIF_BRANDS.has(b))) return null;
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  return 'heif';
}

/**
 * Detects an image format from the first bytes of a file (pass at least `SNIFF_LENGTH` bytes
 * where the file has them). Returns a lower-case name such as 'jpeg', 'png', 'webp', 'gif',
 * 'tiff', 'heic', 'heif', 'avif', 'bmp', 'jxl', 'svg', 'psd', 'ico' or 'pdf', or null.
 */
export function sniffFormat(head: Uint8Array): string | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return 'tiff';
  }

  const isoMedia = sniffIsoMedia(head);
  if (isoMedia !== null) return isoMedia;

  if (ascii(head, 0, 2) === 'BM' && head.length >= 14) return 'bmp';
  if (startsWith(head, [0xff, 0x0a])) return 'jxl';
  if (startsWith(head, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    return 'jxl';
  }
  if (ascii(head, 0, 4) === '8BPS') return 'psd';
  if (ascii(head, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(head, [0, 0, 1, 0]) && head.length >= 6 && head[4] > 0) return 'ico';

  const text = ascii(head, 0, Math.min(head.length, SNIFF_LENGTH)).trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
  return null;
}

/**
 * Tells whether the bytes look like text: valid UTF-8 (or ASCII) without control characters
 * other than tab, line feed, carriage return and form feed.
 */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c)
      return false;
    if (byte === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(head));
    return true;
  } catch {
    return false;
  }
}

/** Drops an incomplete UTF-8 sequence at the end, which a cut-off head may contain. */
function trimPartialUtf8(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back];
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0) {
      let length = 2;
      if (byte >= 0xf0) length = 4;
      else if (byte >= 0xe0) length = 3;
      if (back < length) end -= back;
    }
    break;
  }
  return bytes.subarray(0, end);
}

/** Returns the name users know a format by: 'JPEG', 'PNG', 'HEIC', 'AVIF'... */
export function formatDisplayName(format: string): string {
  return format.toUpperCase();
}
