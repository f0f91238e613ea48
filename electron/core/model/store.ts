/**
 * The models folder and the library's active model. Each installed ONNX file (`<id>.onnx`) has
 * a JSON sidecar (`<id>.json`) that records its origin, SHA-256, signature and preprocessing.
 * The active model id is stored in the library's `settings` table.
 *
 * Files only enter the folder by an atomic rename from `.partial/` on the same file system, so
 * the folder never contains a half-written model.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';

import type { Db } from '../db/database.js';
import type { Preprocessing } from '../image/preprocess.js';
import { checkImageSize, checkNetworkRuns } from './import-check.js';
import type { ResolvedModel } from './resolve.js';
import {
  catalogEntry,
  defaultModelId,
  installedIdFor,
  loadCatalog,
  preprocessingForSize,
  toImagePreprocessing,
  type CatalogEntry,
  type CatalogPreprocessing,
  type ModelVariant,
} from './catalog.js';
import { inspectModel, type ModelSignature } from './inspect.js';
import { precheckProvider, providerOrder } from './providers.js';

/** Key of the active model id in the library's `settings` table. */
export const ACTIVE_MODEL_KEY = 'active_model';

/** Folder inside the models folder for downloads and copies in progress. */
export const PARTIAL_DIR = '.partial';

const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,79}$/;

/** Contents of the sidecar `<id>.json` of an installed model. */
export interface ModelRecord {
  id: string;
  name: string;
  /** catalog: downloaded from a catalogue entry; import: copied from a local file. */
  origin: 'catalog' | 'import';
  catalogId: string | null;
  variant: ModelVariant | null;
  sizeBytes: number;
  sha256: string;
  signature: ModelSignature;
  preprocessing: CatalogPreprocessing;
  /** When the model was installed, ms since the Unix epoch. */
  installedAt: number;
  /** Download URL or the path of the imported file. */
  from: string;
}

/** A model file in the models folder. */
export interface InstalledModel {
  id: string;
  name: string;
  /** Absolute path of the ONNX file. */
  path: string;
  sizeBytes: number;
  /** 'unregistered': an `.onnx` file placed in the folder by hand, without a sidecar. */
  origin: ModelRecord['origin'] | 'unregistered';
  catalogId: string | null;
  variant: ModelVariant | null;
  /** Null for unregistered files, which are hashed and inspected only when resolved. */
  sha256: string | null;
  signature: ModelSignature | null;
  preprocessing: CatalogPreprocessing | null;
  installedAt: number | null;
  from: string | null;
}

/** A model ready to run, with its preprocessing and validated signature filled in. */
export interface RunnableModel extends ResolvedModel {
  preprocessing: Preprocessing;
  signature: ModelSignature;
}

/** A user-facing model store error: unknown id, name clash, invalid id. */
export class ModelStoreError extends Error {
  override name = 'ModelStoreError';
}

export function modelFilePath(modelsDir: string, id: string): string {
  return join(modelsDir, `${assertModelId(id)}.onnx`);
}

function sidecarPath(modelsDir: string, id: string): string {
  return join(modelsDir, `${assertModelId(id)}.json`);
}

/** Throws unless `id` is a valid model id, which also makes it safe as a file name. */
export function assertModelId(id: string): string {
  if (!MODEL_ID_PATTERN.test(id)) {
    throw new ModelStoreError(
      `invalid model id "${id}": use lowercase letters, digits, '.', '_' and '-' (at most 80)`,
    );
  }
  return id;
}

/** Derives a model id from a file name: `DeiT Tiny (v2).onnx` becomes `deit-tiny-v2`. */
export function modelIdFromFileName(file: string): string {
  const stem = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[-._]+$/g, '')
    .slice(0, 80);
  if (!stem) throw new ModelStoreError(`cannot derive a model id from ${file}; pass an id`);
  return stem;
}

/** Computes the SHA-256 of a file as lowercase hex, streaming it. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Returns a fresh path in `<modelsDir>/.partial` for staging a file, creating the folder. */
export async function stagingPath(modelsDir: string, id: string, suffix: string): Promise<string> {
  const dir = join(modelsDir, PARTIAL_DIR);
  await mkdir(dir, { recursive: true });
  return join(dir, `${assertModelId(id)}.${randomBytes(4).toString('hex')}.${suffix}`);
}

async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Moves a staged file (in `<modelsDir>/.partial`, so on the same file system) to
 * `<modelsDir>/<id>.onnx` by one rename, then writes its sidecar. Throws ModelStoreError when
 * the id is taken, unless `replace` is set.
 */
export async function installStagedModel(
  modelsDir: string,
  stagedFile: string,
  record: ModelRecord,
  options: { replace?: boolean } = {},
): Promise<InstalledModel> {
  const target = modelFilePath(modelsDir, record.id);
  if (!options.replace && (await exists(target))) {
    throw new ModelStoreError(
      `a model with id "${record.id}" is already installed (${target}); remove it first or ` +
        'choose another id',
    );
  }
  await rename(stagedFile, target);
  await writeFileAtomic(sidecarPath(modelsDir, record.id), `${JSON.stringify(record, null, 2)}\n`);
  return fromRecord(modelsDir, record);
}

function fromRecord(modelsDir: string, record: ModelRecord): InstalledModel {
  return {
    id: record.id,
    name: record.name,
    path: resolve(modelFilePath(modelsDir, record.id)),
    sizeBytes: record.sizeBytes,
    origin: record.origin,
    catalogId: record.catalogId,
    variant: record.variant,
    sha256: record.sha256,
    signature: record.signature,
    preprocessing: record.preprocessing,
    installedAt: record.installedAt,
    from: record.from,
  };
}

async function readRecord(modelsDir: string, id: string): Promise<ModelRecord | null> {
  let text: string;
  try {
    text = await readFile(sidecarPath(modelsDir, id), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const record = JSON.parse(text) as ModelRecord;
    return record.id === id ? record : null;
  } catch {
    // A sidecar that is not JSON is treated as missing: the model is listed as unregistered.
    return null;
  }
}

/** Returns the installed model with this id, or null. */
export async function getInstalledModel(
  modelsDir: string,
  id: string,
): Promise<InstalledModel | null> {
  const path = modelFilePath(modelsDir, id);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }

  const record = await readRecord(modelsDir, id);
  if (record) return fromRecord(modelsDir, record);

  const entry = catalogEntry(id);
  return {
    id,
    name: entry?.name ?? id,
    path: resolve(path),
    sizeBytes: size,
    origin: 'unregistered',
    catalogId: entry?.id ?? null,
    variant: null,
    sha256: null,
    signature: null,
    preprocessing: entry?.preprocessing ?? null,
    installedAt: null,
    from: null,
  };
}

/** Lists the models in the folder, sorted by id; an absent folder has none. */
export async function listInstalledModels(modelsDir: string): Promise<InstalledModel[]> {
  let names: string[];
  try {
    names = await readdir(modelsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }

  const models: InstalledModel[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.onnx')) continue;
    const id = name.slice(0, -'.onnx'.length);
    if (!MODEL_ID_PATTERN.test(id)) continue;
    const model = await getInstalledModel(modelsDir, id);
    if (model) models.push(model);
  }
  return models;
}

export interface ImportOptions {
  modelsDir: string;
  /** Id to install under; derived from the file name when left out. */
  id?: string;
  name?: string;
  /** Crop ratio of the preprocessing; 0.875 below 384 px and 1.0 from 384 px when left out. */
  cropRatio?: number;
  /** Input size for a network whose height and width are symbolic. */
  imageSize?: number;
  /** Replace an installed model with the same id. */
  replace?: boolean;
}

/**
 * Imports a local ONNX file. It is validated with inspectModel and run once on an image of zeros
 * before anything is copied, so a network that is not an ImageNet-1k classifier, or that does
 * not run at its image size, is rejected with the cause. The copy in `.partial/` is hashed, then
 * moved into place atomically. Throws ModelValidationError for an image size out of range or one the
 * network cannot run at.
 */
export async function importModel(file: string, options: ImportOptions): Promise<InstalledModel> {
  const source = resolve(file);
  const signature = await inspectModel(source);
  const id = assertModelId(options.id ?? modelIdFromFileName(source));

  if (options.imageSize !== undefined) checkImageSize(source, options.imageSize);
  const imageSize = inputSizeOf(source, signature, options.imageSize);
  const preprocessing = preprocessingForSize(imageSize, options.cropRatio);
  await checkNetworkRuns(source, signature, imageSize);
  if (!options.replace && (await exists(modelFilePath(options.modelsDir, id)))) {
    throw new ModelStoreError(
      `a model with id "${id}" is already installed; remove it first or import with another id`,
    );
  }

  const staged = await stagingPath(options.modelsDir, id, 'import');
  try {
    await copyFile(source, staged);
    const sha256 = await sha256File(staged);
    const { size } = await stat(staged);
    const record: ModelRecord = {
      id,
      name: options.name ?? basename(source),
      origin: 'import',
      catalogId: null,
      variant: null,
      sizeBytes: size,
      sha256,
      signature,
      preprocessing,
      installedAt: Date.now(),
      from: source,
    };
    return await installStagedModel(options.modelsDir, staged, record, options);
  } finally {
    await rm(staged, { force: true });
  }
}

/** Hints for a network with a symbolic input size, keyed by where it is being opened. */
const SYMBOLIC_SIZE_HINT = {
  import: 'pass the image size the network was trained at (for example 224)',
  file:
    'import it with `deit-tagger models import FILE --image-size N`, where N is the size the ' +
    'network was trained at (for example 224)',
};

function inputSizeOf(
  path: string,
  signature: ModelSignature,
  requested?: number,
  context: keyof typeof SYMBOLIC_SIZE_HINT = 'import',
): number {
  const size = signature.inputSize;
  if (size && size.height !== size.width) {
    throw new ModelStoreError(
      `${path}: input is ${size.height}x${size.width}; DeiT models take square images`,
    );
  }
  if (size && requested !== undefined && requested !== size.height) {
    throw new ModelStoreError(
      `${path}: the graph fixes the input size to ${size.height}, not ${requested}`,
    );
  }
  const inputSize = size?.height ?? requested;
  if (inputSize === undefined) {
    throw new ModelStoreError(
      `${path}: the input height and width are symbolic, so ${SYMBOLIC_SIZE_HINT[context]}`,
    );
  }
  return inputSize;
}

/**
 * Deletes an installed model and its sidecar, and clears the active model when it was this
 * one. Labels the model produced stay in the library. Returns the bytes freed.
 */
export async function removeModel(
  modelsDir: string,
  id: string,
  db?: Db,
): Promise<{ freedBytes: number; wasActive: boolean }> {
  const model = await getInstalledModel(modelsDir, id);
  if (!model) throw new ModelStoreError(`model "${id}" is not installed in ${modelsDir}`);

  await rm(model.path, { force: true });
  await rm(sidecarPath(modelsDir, id), { force: true });

  const wasActive = db !== undefined && activeModel(db) === id;
  if (wasActive) clearActiveModel(db);
  return { freedBytes: model.sizeBytes, wasActive };
}

/** Returns the id of the library's active model, or null when none was chosen. */
export function activeModel(db: Db): string | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(ACTIVE_MODEL_KEY) as
    { value: string } | undefined;
  return row?.value ?? null;
}

/**
 * Stores the library's active model id. Photos tagged by the previous model keep their labels
 * (labels are stored per model); a scan with `retag` tags them with the new one.
 */
export function setActiveModel(db: Db, id: string): void {
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (@key, @value) ' +
      'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run({ key: ACTIVE_MODEL_KEY, value: assertModelId(id) });
}

export function clearActiveModel(db: Db): void {
  db.prepare('DELETE FROM settings WHERE key = ?').run(ACTIVE_MODEL_KEY);
}

/**
 * Returns true when the libraries of a GPU execution provider (CUDA, DirectML or CoreML) are
 * present, without loading them. WebGPU is left out because it is bundled everywhere, and its
 * presence does not show that the machine has a GPU.
 */
export function hasGpuProvider(): boolean {
  return providerOrder().some(
    (provider) =>
      provider !== 'cpu' && provider !== 'webgpu' && precheckProvider(provider) === null,
  );
}

/**
 * Returns the id of the model a scan should use: the library's active model, else the
 * catalogue default for this machine (see defaultModelId) when it is installed, else null.
 */
export async function modelForScan(
  db: Db,
  modelsDir: string,
  hasGpu: boolean = hasGpuProvider(),
): Promise<string | null> {
  const active = activeModel(db);
  if (active !== null) return active;
  const fallback = defaultModelId(hasGpu);
  return (await getInstalledModel(modelsDir, fallback)) ? fallback : null;
}

/** Makes an installed model the active one; throws ModelStoreError when it is not installed. */
export async function useModel(db: Db, modelsDir: string, id: string): Promise<InstalledModel> {
  const model = await getInstalledModel(modelsDir, id);
  if (!model) throw new ModelStoreError(notInstalledMessage(modelsDir, id));
  setActiveModel(db, id);
  return model;
}

function notInstalledMessage(modelsDir: string, id: string): string {
  const entry = catalogEntry(id);
  if (entry && entry.files.length > 0) {
    return `model "${id}" is not installed; download it with: deit-tagger models download ${id}`;
  }
  if (entry) {
    return `model "${id}" is not installed and has no published ONNX export; import one with: deit-tagger models import FILE --id ${id}`;
  }
  return `unknown model "${id}": not in the catalogue and not installed in ${modelsDir}`;
}

/**
 * Resolves a model id (installed in `modelsDir`) or the path of an `.onnx` file to what the
 * classifier needs. A file outside the models folder, or one without a sidecar, is inspected
 * and its preprocessing derived from its input size.
 */
export async function resolveModel(
  idOrPath: string,
  options: { modelsDir: string },
): Promise<RunnableModel> {
  const looksLikePath = /[\\/]/.test(idOrPath) || idOrPath.endsWith('.onnx');
  if (!looksLikePath) {
    const model = await getInstalledModel(options.modelsDir, assertModelId(idOrPath));
    if (!model) throw new ModelStoreError(notInstalledMessage(options.modelsDir, idOrPath));
    const signature = model.signature ?? (await inspectModel(model.path));
    const preprocessing =
      model.preprocessing ?? preprocessingForSize(inputSizeOf(model.path, signature));
    return {
      id: model.id,
      path: model.path,
      signature,
      preprocessing: toImagePreprocessing(preprocessing),
    };
  }

  const path = resolve(idOrPath);
  const signature = await inspectModel(path);
  return {
    id: modelIdFromFileName(path),
    path,
    signature,
    preprocessing: toImagePreprocessing(
      preprocessingForSize(inputSizeOf(path, signature, undefined, 'file')),
    ),
  };
}

/** Counts, per model id, the photos that have labels from that model. */
export function photosLabelledByModel(db: Db): Map<string, number> {
  const rows = db
    .prepare(
      "SELECT model, COUNT(DISTINCT photo_id) AS photos FROM labels WHERE source = 'model' " +
        'GROUP BY model',
    )
    .all() as Array<{ model: string; photos: number }>;
  return new Map(rows.map((row) => [row.model, row.photos]));
}

/** One line of `models list`: a catalogue entry or variant, or an installed import. */
export interface ModelListing {
  id: string;
  name: string;
  installed: boolean;
  active: boolean;
  /** ImageNet top-1 in percent, for catalogue fp32 models only. */
  top1: number | null;
  top5: number | null;
  distilled: boolean | null;
  /** Installed size, else the approximate download size; null when unknown. */
  sizeBytes: number | null;
  /** True when the catalogue has a download for it. */
  downloadable: boolean;
  origin: InstalledModel['origin'] | 'catalog-available';
  sha256: string | null;
  inputSize: number | null;
  /** Photos with labels from this model, when a library was given. */
  labelledPhotos: number | null;
}

/** Merges the catalogue with the installed models and the library's active model. */
export async function listModels(modelsDir: string, db?: Db): Promise<ModelListing[]> {
  const installed = new Map((await listInstalledModels(modelsDir)).map((m) => [m.id, m]));
  const active = db ? activeModel(db) : null;
  const labelled = db ? photosLabelledByModel(db) : null;
  const listings: ModelListing[] = [];

  const listing = (id: string, entry: CatalogEntry | null, variant: ModelVariant | null) => {
    const model = installed.get(id);
    installed.delete(id);
    const file = entry?.files.find((f) => f.variant === (variant ?? 'fp32'));
    const accuracyKnown = entry !== null && (variant ?? 'fp32') === 'fp32';
    listings.push({
      id,
      name:
        model?.name ?? (entry ? `${entry.name}${variant === 'quantized' ? ' (8-bit)' : ''}` : id),
      installed: model !== undefined,
      active: active === id,
      top1: accuracyKnown ? entry.top1 : null,
      top5: accuracyKnown ? entry.top5 : null,
      distilled: entry?.distilled ?? null,
      sizeBytes: model?.sizeBytes ?? file?.sizeBytes ?? file?.approxBytes ?? null,
      downloadable: file !== undefined,
      origin: model?.origin ?? 'catalog-available',
      sha256: model?.sha256 ?? file?.sha256 ?? null,
      inputSize: model?.preprocessing?.inputSize ?? entry?.preprocessing.inputSize ?? null,
      labelledPhotos: labelled ? (labelled.get(id) ?? 0) : null,
    });
  };

  for (const entry of loadCatalog().models) {
    listing(entry.id, entry, 'fp32');
    for (const file of entry.files) {
      if (file.variant !== 'fp32')
        listing(installedIdFor(entry.id, file.variant), entry, file.variant);
    }
  }
  for (const id of [...installed.keys()]) listing(id, null, null);
  return listings;
}
