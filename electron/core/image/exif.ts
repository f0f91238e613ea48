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

function validDate(value: unknown): Date | null {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : null;
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

  const original = validDate(tags.Photo?.DateTimeOriginal);
  const modified = validDate(tags.Image?.DateTime);
  const date = original ?? modified;
  let takenAt: number | null = null;
  if (date !== null) {
    const offset = offsetMinutes(
      original !== null ? tags.Photo?.OffsetTimeOriginal : tags.Photo?.OffsetTime,
    );
    takenAt = date.getTime() - (offset ?? 0) * 60_000;
  }

  const camera = describeCamera(cleanText(tags.Image?.Make), cleanText(tags.Image?.Model));
  return { takenAt, camera };
}
