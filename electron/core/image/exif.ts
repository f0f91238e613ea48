/** Capture date and camera from a photo's EXIF block; missing or malformed EXIF gives nulls. */

import exifReader from 'exif-reader';

export interface PhotoExif {
  /**
   * EXIF DateTimeOriginal, else DateTime, in ms since the epoch. The offset tag
   * (OffsetTimeOriginal or OffsetTime) is applied when present. Without it, the camera's
   * local wall-clock time is stored as if it were UTC, so formatting it in UTC shows the
   * time the camera displayed.
   */
  takenAt: number | null;
  /** Make and Model, with the make left out where the model already starts with it. */
  camera: string | null;
}

const NO_EXIF: PhotoExif = { takenAt: null, camera: null };

function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Cameras pad fixed-size ASCII fields with NUL bytes or spaces.
  const text = value.replace(/\0.*$/s, '').trim();
  return text === '' ? null : text;
}

/** TIFF tag numbers of DateTime (in IFD0) and DateTimeOriginal (in the EXIF IFD). */
const DATE_TIME_TAG = 0x0132;
const DATE_TIME_ORIGINAL_TAG = 0x9003;
const TIFF_ASCII = 2;
const IFD_ENTRY_SIZE = 12;

/** Years accepted in a capture date. Cameras with an unset clock write 0000:00:00. */
const MIN_YEAR = 1800;
const MAX_YEAR = 2200;

/**
 * Reads an ASCII tag of one IFD as text. exif-reader parses date tags with Date.UTC, which rolls
 * month 13 or hour 25 over into a later date, so the dates are read raw here and checked.
 */
function readAsciiTag(exif: Buffer, tiffStart: number, ifd: number, tag: number): string | null {
  const bigEndian = exif[tiffStart] === 0x4d;
  const u16 = (at: number): number => (bigEndian ? exif.readUInt16BE(at) : exif.readUInt16LE(at));
  const u32 = (at: number): number => (bigEndian ? exif.readUInt32BE(at) : exif.readUInt32LE(at));
  if (ifd + 2 > exif.length) return null;

  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * IFD_ENTRY_SIZE;
    if (entry + IFD_ENTRY_SIZE > exif.length) return null;
    if (u16(entry) !== tag) continue;
    if (u16(entry + 2) !== TIFF_ASCII) return null;

    // Values of up to 4 bytes sit in the entry itself, longer ones at an offset from the header.
    const length = u32(entry + 4);
    const at = length <= 4 ? entry + 8 : tiffStart + u32(entry + 8);
    if (at + length > exif.length) return null;
    return exif.toString('latin1', at, at + length);
  }
  return null;
}

/** Reads DateTimeOriginal and DateTime as raw text from an EXIF block that exif-reader accepted. */
function readDateTags(
  exif: Buffer,
  exifIfdOffset: unknown,
): { original: string | null; modified: string | null } {
  // The TIFF data starts after "Exif\0\0", or at 0 when the block has no such prefix.
  const tiffStart = exif[0] === 0x45 ? 6 : 0;
  const bigEndian = exif[tiffStart] === 0x4d;
  const ifd0Offset = bigEndian
    ? exif.readUInt32BE(tiffStart + 4)
    : exif.readUInt32LE(tiffStart + 4);
  const modified = readAsciiTag(exif, tiffStart, tiffStart + ifd0Offset, DATE_TIME_TAG);
  const original =
    typeof exifIfdOffset === 'number' && exifIfdOffset > 0
      ? readAsciiTag(exif, tiffStart, tiffStart + exifIfdOffset, DATE_TIME_ORIGINAL_TAG)
      : null;
  return { original, modified };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an EXIF date "YYYY:MM:DD HH:MM:SS" as if it were UTC. Returns null for blank fields
 * and for values out of range (month 13, February 30, hour 24, second 60), instead of rolling
 * them over into another date.
 */
export function parseExifDate(value: string | null): number | null {
  const text = cleanText(value);
  const match =
    text === null ? null : /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (match === null) return null;

  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const valid =
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  return valid ? Date.UTC(year, month - 1, day, hour, minute, second) : null;
}

/** Parses an EXIF offset such as "+09:00" or "-05:30" into minutes east of UTC. */
function offsetMinutes(value: unknown): number | null {
  const text = cleanText(value);
  const match = text === null ? null : /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (match === null) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

function describeCamera(make: string | null, model: string | null): string | null {
  if (make === null) return model;
  if (model === null) return make;
  if (model.toLowerCase().startsWith(make.toLowerCase())) return model;
  return `${make} ${model}`;
}

/** Reads the capture date and camera from a raw EXIF block (sharp's `metadata().exif`). */
export function readPhotoExif(exif: Buffer | undefined): PhotoExif {
  if (exif === undefined || exif.length === 0) return NO_EXIF;

  let tags: exifReader.Exif;
  try {
    tags = exifReader(exif);
  } catch {
    return NO_EXIF;
  }

  const dates = readDateTags(exif, tags.Image?.ExifTag);
  const original = parseExifDate(dates.original);
  const modified = parseExifDate(dates.modified);
  const date = original ?? modified;
  let takenAt: number | null = null;
  if (date !== null) {
    const offset = offsetMinutes(
      original !== null ? tags.Photo?.OffsetTimeOriginal : tags.Photo?.OffsetTime,
    );
    takenAt = date - (offset ?? 0) * 60_000;
  }

  const camera = describeCamera(cleanText(tags.Image?.Make), cleanText(tags.Image?.Model));
  return { takenAt, camera };
}
