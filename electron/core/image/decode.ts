/**
 * Decodes a photo once with sharp and derives from that one decode both the model input
 * tensor (the DeiT evaluation transform, see preprocess.ts) and the gallery thumbnail.
 */

import sharp, { type Metadata } from 'sharp';

import { readPhotoExif } from './exif.js';
import { embedIccInJpeg, iccColourSpace, isSrgbProfile } from './icc.js';
import { formatDisplayName, looksLikeText, sniffFormat, SNIFF_LENGTH } from './format.js';
import { preprocessRgb, resizeShortSide, type Preprocessing } from './preprocess.js';

export { DEIT_224, DEIT_384, type Preprocessing } from './preprocess.js';

/**
 * Default pixel limit: Pillow's decompression-bomb error threshold (2 * 89,478,485 pixels),
 * which a 150-megapixel medium-format photo passes and a 30000x19000 bomb does not.
 */
export const DEFAULT_MAX_PIXELS = 2 * 89_478_485;
export const DEFAULT_THUMBNAIL_SIZE = 320;

/**
 * Transparent pixels are composited onto white: transparent PNGs are mostly logos, drawings
 * and product shots on a white page.
 */
export const ALPHA_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

const THUMBNAIL_QUALITY = 82;

/**
 * Sharp reduces an image to twice the model's resize target before the Pillow-exact resize
 * when the upright shorter side is at least this many times that target. Sharp then loads
 * JPEGs at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling) and WebP at a reduced scale. Other
 * formats stream through libvips without a full-size RGB copy in memory.
 * Smaller images go at full size straight to the Pillow-exact resize, so ImageNet-sized photos
 * get the scores of a PyTorch and Pillow reference (within 1e-5 on 238 test photos).
 * Sharp 0.35 loads a JPEG at 1/2 only for a reduction of 3x or more, so a lower factor would
 * resample in sharp without the speed-up.
 */
const SHRINK_ON_LOAD_FACTOR = 6;

export interface DecodeOptions {
  /** Maximum width * height; larger images fail with 'too-large'. Default `DEFAULT_MAX_PIXELS`. */
  maxPixels?: number;
  /** Maximum side of the thumbnail in pixels; default 320. Smaller images keep their size. */
  thumbnailSize?: number;
  /**
   * Reduce large images in sharp before the Pillow-exact resize (default true). False decodes
   * every image at full size, so the model input matches Pillow at any size, at the cost of
   * time and memory (3 bytes per pixel).
   */
  shrinkOnLoad?: boolean;
}

export interface DecodedPhoto {
  /** Format detected from the bytes: 'jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'... */
  format: string;
  /** Full-size dimensions after EXIF orientation. */
  width: number;
  height: number;
  /** EXIF DateTimeOriginal (else DateTime), ms since the epoch; see `PhotoExif.takenAt`. */
  takenAt: number | null;
  /** EXIF Make and Model. */
  camera: string | null;
  /** Model input: `3 * size * size` float32 values, NCHW, normalised. */
  tensor: Float32Array;
  /** JPEG, upright, at most `thumbnailSize` a side, tagged with the photo's non-sRGB profile. */
  thumbnail: Buffer;
}

export type PhotoDecodeErrorCode =
  'unsupported-format' | 'truncated' | 'too-large' | 'empty' | 'corrupt';

/** A photo that cannot be decoded; `message` is short and meant for users ("truncated JPEG"). */
export class PhotoDecodeError extends Error {
  override readonly name = 'PhotoDecodeError';

  constructor(
    readonly code: PhotoDecodeErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Tells whether this build of sharp (its bundled libvips) can decode a detected format. */
export function canDecodeFormat(format: string): boolean {
  switch (format) {
    case 'jpeg':
    case 'png':
    case 'webp':
    case 'gif':
    case 'tiff':
    case 'svg':
      return sharp.format[format]?.input.buffer === true;
    case 'avif':
      return sharp.format.heif?.input.buffer === true;
    case 'heic':
    case 'heif':
      // The prebuilt libvips bundles libheif with the AV1 decoder only, and lists '.avif' alone.
      return sharp.format.heif?.input.fileSuffix?.includes('.heic') === true;
    default:
      return false;
  }
}

/** Decoder messages that mean the data ended early (libjpeg, libpng, libwebp, libtiff wording). */
const TRUNCATED_PATTERN =
  /premature end|truncated|unexpected end|end of (file|stream|data)|not enough data|\beof\b/i;

/**
 * Tells whether a JPEG or PNG lacks its end marker (JPEG EOI, PNG IEND chunk), which is how a
 * cut-off download or copy looks. JPEGs may carry padding after EOI, so the tail is searched.
 */
function missingEndMarker(data: Buffer, format: string): boolean {
  const tail = data.subarray(Math.max(0, data.length - 1024));
  if (format === 'jpeg') return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) === -1;
  if (format === 'png') return tail.lastIndexOf(Buffer.from('IEND', 'latin1')) === -1;
  return false;
}

/** Turns a sharp or libvips error into a PhotoDecodeError with a short user-facing message. */
function toDecodeError(error: unknown, data: Buffer, format: string): PhotoDecodeError {
  const name = formatDisplayName(format);
  const detail = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(detail)) {
    return new PhotoDecodeError('too-large', `image too large for the pixel limit (${name})`, {
      cause: error,
    });
  }
  if (TRUNCATED_PATTERN.test(detail) || missingEndMarker(data, format)) {
    return new PhotoDecodeError('truncated', `truncated ${name}`, { cause: error });
  }
  if (/unsupported image format/i.test(detail)) {
    return new PhotoDecodeError('unsupported-format', `unsupported format: ${name}`, {
      cause: error,
    });
  }
  return new PhotoDecodeError('corrupt', `corrupt ${name} (${shortCause(detail)})`, {
    cause: error,
  });
}

/**
 * First line of a libvips message without sharp's "Input buffer has corrupt header:" and the
 * loader prefix ("VipsJpeg: ", "vipspng: "), cut to 80 characters.
 */
function shortCause(detail: string): string {
  const line = (detail.split('\n').find((l) => l.trim() !== '') ?? '')
    .replace(/^Input (buffer|file) has corrupt header:\s*/i, '')
    .replace(/^(vips\w*|webp|heif|tiff\w*|gif\w*):\s*/i, '')
    .trim();
  if (line === '') return 'unreadable data';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** Rejects empty files, non-images and formats this build cannot decode; returns the format. */
function detectFormat(data: Buffer): string {
  if (data.length === 0) throw new PhotoDecodeError('empty', 'empty file');

  const head = data.subarray(0, SNIFF_LENGTH);
  const format = sniffFormat(head);
  if (format === null) {
    const message = looksLikeText(data.subarray(0, 1024))
      ? 'not an image (looks like text)'
      : 'not an image (unknown format)';
    throw new PhotoDecodeError('unsupported-format', message);
  }
  if (!canDecodeFormat(format)) {
    throw new PhotoDecodeError(
      'unsupported-format',
      `unsupported format: ${formatDisplayName(format)}`,
    );
  }
  return format;
}

/** Width and height after applying EXIF orientation (5 to 8 swap the axes). */
function uprightSize(
  width: number,
  height: number,
  orientation: number | undefined,
): [number, number] {
  return orientation !== undefined && orientation >= 5 && orientation <= 8
    ? [height, width]
    : [width, height];
}

/**
 * Size to have sharp reduce the upright image to before the Pillow-exact resize, or null to
 * decode at full size: twice the resize target on the shorter side, aspect ratio kept.
 */
export function intermediateSize(
  width: number,
  height: number,
  resizeTarget: number,
): [number, number] | null {
  const short = Math.min(width, height);
  if (short < SHRINK_ON_LOAD_FACTOR * resizeTarget) return null;
  const target = 2 * resizeTarget;
  const long = Math.max(1, Math.round((target * Math.max(width, height)) / short));
  return width <= height ? [target, long] : [long, target];
}

interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes to packed 8-bit RGB, upright, alpha flattened. `colourManage` converts through the
 * embedded ICC profile to sRGB. Without it, RGB and grey values pass through as stored, but
 * CMYK still goes through libvips' generic CMYK profile.
 */
async function decodeRgb(
  data: Buffer,
  maxPixels: number,
  resizeTo: [number, number] | null,
  colourManage: boolean,
): Promise<RgbImage> {
  // failOn 'error' rejects truncated and corrupt pixel data instead of returning grey rows, and
  // still accepts files that only raise libjpeg warnings (such as extraneous bytes).
  let pipeline = sharp(data, {
    failOn: 'error',
    limitInputPixels: maxPixels,
    autoOrient: true,
    ignoreIcc: !colourManage,
  });
  if (resizeTo !== null) {
    // Catmull-Rom is the cubic (a = -0.5) that the Pillow-exact step uses as well.
    pipeline = pipeline.resize(resizeTo[0], resizeTo[1], {
      fit: 'fill',
      kernel: 'cubic',
      fastShrinkOnLoad: true,
    });
  }
  const { data: pixels, info } = await pipeline
    .flatten({ background: ALPHA_BACKGROUND })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) {
    throw new PhotoDecodeError(
      'corrupt',
      `corrupt image (${info.channels} channels after conversion)`,
    );
  }
  return { data: pixels, width: info.width, height: info.height };
}

/** Encodes the thumbnail JPEG, tagged with `profile` when the pixels are in that RGB space. */
async function encodeThumbnail(
  image: RgbImage,
  size: number,
  profile: Buffer | null,
): Promise<Buffer> {
  const jpeg = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: THUMBNAIL_QUALITY })
    .toBuffer();
  return profile === null ? jpeg : embedIccInJpeg(jpeg, profile);
}

/**
 * Decodes a photo from its file bytes into the model tensor, a thumbnail and the EXIF date and
 * camera. It detects the real format, applies EXIF orientation and converts to 8-bit RGB:
 * CMYK through its ICC profile, RGB values as stored, greyscale replicated, 16-bit reduced to
 * 8 bits, alpha composited onto `ALPHA_BACKGROUND`. Throws PhotoDecodeError for anything that
 * is not a decodable image.
 */
export async function decodePhoto(
  data: Buffer,
  pre: Preprocessing,
  options: DecodeOptions = {},
): Promise<DecodedPhoto> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const thumbnailSize = options.thumbnailSize ?? DEFAULT_THUMBNAIL_SIZE;
  const format = detectFormat(data);

  let metadata: Metadata;
  try {
    metadata = await sharp(data, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (error) {
    throw toDecodeError(error, data, format);
  }
  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.height ?? 0;
  if (storedWidth <= 0 || storedHeight <= 0) {
    throw new PhotoDecodeError('corrupt', `corrupt ${formatDisplayName(format)} (no image size)`);
  }
  if (storedWidth * storedHeight > maxPixels) {
    throw new PhotoDecodeError('too-large', `image too large: ${storedWidth}x${storedHeight}`);
  }

  // Pillow ignores ICC profiles, so DeiT was trained and evaluated on stored RGB values. Keep
  // them for the model (converting changed the top-1 label of 2 in 238 test photos) and tag
  // the thumbnail with the profile instead. CMYK has no such reference and is converted.
  const colourManage = metadata.space === 'cmyk';
  const rgbProfile =
    !colourManage &&
    (metadata.channels ?? 0) >= 3 &&
    metadata.icc !== undefined &&
    iccColourSpace(metadata.icc) === 'RGB ' &&
    !isSrgbProfile(metadata.icc)
      ? metadata.icc
      : null;

  const [width, height] = uprightSize(storedWidth, storedHeight, metadata.orientation);
  const resizeTo =
    options.shrinkOnLoad === false ? null : intermediateSize(width, height, resizeShortSide(pre));
  let image: RgbImage;
  try {
    image = await decodeRgb(data, maxPixels, resizeTo, colourManage);
  } catch (error) {
    if (error instanceof PhotoDecodeError) throw error;
    throw toDecodeError(error, data, format);
  }

  const tensor = preprocessRgb(image.data, image.width, image.height, pre);
  const thumbnail = await encodeThumbnail(image, thumbnailSize, rgbProfile);
  const { takenAt, camera } = readPhotoExif(metadata.exif);
  return { format, width, height, takenAt, camera, tensor, thumbnail };
}
