/**
 * The catalogue of DeiT models the app offers (`models/catalog.json`): accuracy, size, where to
 * download each ONNX export and how to preprocess images for it.
 */
import { z } from 'zod';

import type { Preprocessing } from '../image/preprocess.js';

import catalogJson from '../../../models/catalog.json' with { type: 'json' };

const preprocessingSchema = z
  .object({
    /** Side of the square crop the network takes, in pixels. */
    inputSize: z.number().int().positive(),
    /** Length the shorter image side is resized to before the centre crop: inputSize / cropRatio. */
    resizeSize: z.number().int().positive(),
    /** Fraction of the resized image that the centre crop keeps (0.875 at 224 px, 1.0 at 384). */
    cropRatio: z.number().gt(0).lte(1),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    interpolation: z.literal('bicubic'),
  })
  .strict();

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

const catalogFileSchema = z
  .object({
    /** fp32: the exported weights; quantized: 8-bit weights with float32 inputs and outputs. */
    variant: z.enum(['fp32', 'quantized']),
    /** Hugging Face hub repository, `owner/name`. */
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
    /** Full commit id the download is pinned to; null follows the main branch. */
    revision: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .nullable(),
    /** Path of the ONNX file inside the repository. */
    path: z.string().min(1),
    /** Exact size in bytes, checked after download; null when not pinned. */
    sizeBytes: z.number().int().positive().nullable(),
    /** Size as the hub shows it (rounded), for display before a download. */
    approxBytes: z.number().int().positive(),
    /** Expected SHA-256 of the file; null when not pinned. */
    sha256: sha256Schema.nullable(),
  })
  .strict();

const catalogEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    name: z.string().min(1),
    /** Model name in timm and in the DeiT repository. */
    timmName: z.string(),
    distilled: z.boolean(),
    /**
     * Logits outputs of the published export: 'single' (non-distilled), 'averaged' (one output,
     * the mean of the class and distillation heads) or 'two-outputs' (both heads, averaged by
     * the classifier).
     */
    outputs: z.enum(['single', 'averaged', 'two-outputs']),
    architecture: z
      .object({
        imageSize: z.number().int().positive(),
        patchSize: z.number().int().positive(),
        embedDim: z.number().int().positive(),
        depth: z.number().int().positive(),
        heads: z.number().int().positive(),
      })
      .strict(),
    /** ImageNet-1k validation accuracy in percent. */
    top1: z.number().min(0).max(100),
    top5: z.number().min(0).max(100),
    /** Parameters in millions. */
    paramsM: z.number().positive(),
    /** Multiply-accumulate operations per image, in billions. */
    gmacs: z.number().positive(),
    preprocessing: preprocessingSchema,
    /** Downloadable exports; empty when no public ONNX export is known. */
    files: z.array(catalogFileSchema),
    source: z.record(z.string(), z.url()),
    note: z.string().optional(),
  })
  .strict();

const catalogSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    defaults: z.object({ gpu: z.string(), cpu: z.string() }).strict(),
    models: z.array(catalogEntrySchema).min(1),
  })
  .strict()
  .superRefine((catalog, context) => {
    const ids = new Set<string>();
    for (const model of catalog.models) {
      if (ids.has(model.id))
        context.addIssue({ code: 'custom', message: `duplicate id ${model.id}` });
      ids.add(model.id);
    }
    for (const id of [catalog.defaults.gpu, catalog.defaults.cpu]) {
      if (!ids.has(id))
        context.addIssue({ code: 'custom', message: `default ${id} is not listed` });
    }
  });

export type CatalogPreprocessing = z.infer<typeof preprocessingSchema>;
export type CatalogFile = z.infer<typeof catalogFileSchema>;
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
export type Catalog = z.infer<typeof catalogSchema>;
export type ModelVariant = CatalogFile['variant'];

/** ImageNet mean and standard deviation per RGB channel, as torchvision and timm use them. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** The Hugging Face hub; `HF_ENDPOINT` overrides it, as in the hub's own client libraries. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

let cached: Catalog | undefined;

/** Parses and checks a catalogue document; throws naming the first invalid field. */
export function parseCatalog(document: unknown): Catalog {
  const result = catalogSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new Error(`models/catalog.json is invalid at ${where || 'top level'}: ${issue?.message}`);
  }
  return result.data;
}

/** Returns the catalogue shipped with the app, checked once on first use. */
export function loadCatalog(): Catalog {
  cached ??= parseCatalog(catalogJson);
  return cached;
}

/** Returns the catalogue entry with this id, or undefined. */
export function catalogEntry(id: string): CatalogEntry | undefined {
  return loadCatalog().models.find((model) => model.id === id);
}

/**
 * Returns the model to install in a new library: DeiT-S distilled when a GPU provider can run
 * it, DeiT-Ti distilled on a CPU-only machine, where DeiT-S is about three times slower.
 */
export function defaultModelId(hasGpu: boolean): string {
  const { defaults } = loadCatalog();
  return hasGpu ? defaults.gpu : defaults.cpu;
}

/** Returns the entry's downloadable file of a variant, or undefined when none is published. */
export function catalogFile(
  entry: CatalogEntry,
  variant: ModelVariant = 'fp32',
): CatalogFile | undefined {
  return entry.files.find((file) => file.variant === variant);
}

/** Returns the id a downloaded variant is installed under: the entry id, plus `-quantized`. */
export function installedIdFor(entryId: string, variant: ModelVariant): string {
  return variant === 'fp32' ? entryId : `${entryId}-${variant}`;
}

/** Returns the download URL of a catalogue file on the hub (or on `HF_ENDPOINT`). */
export function downloadUrl(
  file: CatalogFile,
  endpoint: string = process.env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT,
): string {
  const base = endpoint.replace(/\/+$/, '');
  const revision = file.revision ?? 'main';
  const path = file.path.split('/').map(encodeURIComponent).join('/');
  return `${base}/${file.repo}/resolve/${revision}/${path}`;
}

/**
 * Returns the preprocessing for a network of this input size. DeiT's evaluation transform
 * resizes the shorter side to inputSize / 0.875 (256 for 224) before the centre crop. The
 * 384 px models were fine-tuned and evaluated with crop ratio 1.0.
 */
export function preprocessingForSize(inputSize: number, cropRatio?: number): CatalogPreprocessing {
  const ratio = cropRatio ?? (inputSize >= 384 ? 1.0 : 0.875);
  if (!(ratio > 0 && ratio <= 1)) {
    throw new RangeError(`crop ratio must be in (0, 1], got ${ratio}`);
  }
  return {
    inputSize,
    resizeSize: Math.floor(inputSize / ratio),
    cropRatio: ratio,
    mean: [...IMAGENET_MEAN],
    std: [...IMAGENET_STD],
    interpolation: 'bicubic',
  };
}

/** Converts catalogue preprocessing to the form the image decoder takes. */
export function toImagePreprocessing(preprocessing: CatalogPreprocessing): Preprocessing {
  return {
    size: preprocessing.inputSize,
    cropRatio: preprocessing.cropRatio,
    mean: preprocessing.mean,
    std: preprocessing.std,
  };
}
