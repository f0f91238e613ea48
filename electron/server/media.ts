/**
 * Photo media by id, for both transports: `deit-tagger serve` over HTTP and the `photo://`
 * protocol of the desktop app. The renderer never names a file path, only a photo id.
 */
import type { MediaKind } from '../api.js';
import type { Library } from '../core/library.js';
import { mimeType } from './static.js';
import { statSync } from 'node:fs';

export interface MediaFile {
  file: string;
  contentType?: string;
}

/** MIME types of the formats sharp detects from a file's bytes (`photos.format`). */
const FORMAT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heic',
  svg: 'image/svg+xml',
};

/**
 * Returns the file behind a photo id: the cached JPEG thumbnail or the original, or null when
 * the photo is unknown, missing, changed since its scan or has no thumbnail. The original's type comes from the format
 * detected at scan time, so a PNG named `.jpg` is served as PNG; the file extension is the
 * fallback for photos not decoded yet.
 */
export function photoMedia(library: Library, kind: MediaKind, id: number): MediaFile | null {
  if (kind === 'thumbnail') {
    const file = library.thumbnailFile(id);
    return file ? { file, contentType: 'image/jpeg' } : null;
  }
  const photo = library.photo(id);
  if (!photo || photo.status === 'missing') return null;
  // Serve the original only while it is the file that was scanned: a path that now leads
  // elsewhere (a symbolic link pointed at another file, say) waits for the next scan.
  const current = statSync(photo.path, { throwIfNoEntry: false });
  if (!current?.isFile() || current.size !== photo.size) return null;
  // Stored times are whole milliseconds; a restored file may come back a fraction off.
  if (Math.abs(current.mtimeMs - photo.mtimeMs) >= 1) return null;
  const detected = photo.format ? FORMAT_TYPES[photo.format] : undefined;
  return { file: photo.path, contentType: detected ?? mimeType(photo.path) };
}
