import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { openDatabase } from '../db/database.js';
import { PhotoStore } from '../db/photos.js';
import { decodePhoto, type DecodedPhoto, type Preprocessing } from '../image/decode.js';
import type { ResolvedModel } from '../model/resolve.js';
import { resolveModel, type RunnableModel } from '../model/store.js';
import type { Prediction } from '../model/classifier.js';
import { ClassifierThread } from '../model/classifier-thread.js';
import { planScan, storedFilesUnder } from './plan.js';
import { ProgressMeter } from './progress.js';
import { saveThumbnail } from './thumbnails.js';
import type { ScanProgress, ScanRequest, ScanSummary } from './types.js';
import { walkFolders, type WalkEntry } from './walk.js';

/** Flags and a wait that let the owner of a scan pause and cancel it. */
export interface ScanControl {
  readonly cancelled: boolean;
  readonly paused: boolean;
  /** Resolves when the scan is no longer paused (at once when it is not). */
  whenResumed(): Promise<void>;
}

type Prepared =
  | { kind: 'decoded'; file: WalkEntry; hash: string; photo: DecodedPhoto }
  | { kind: 'moved'; file: WalkEntry; hash: string; from: number }
  | { kind: 'failed'; file: WalkEntry; hash: string | null; error: string }
  | { kind: 'gone'; file: WalkEntry };

const TOP_K = 5;
/**
 * Each photo is read whole to hash and decode it, so a batch keeps several in memory at once.
 * 512 MiB leaves room for large TIFF scans; larger files are refused.
 */
const MAX_FILE_BYTES = 512 * 2 ** 20;
/** Photos decoded while the model loads, before its preferred batch size is known. */
const CPU_BATCH_SIZE = 8;

/**
 * Runs one scan: lists the folders, compares the listing with the database, then decodes,
 * classifies and stores the new and changed photos batch by batch. Decoding of the next batch
 * overlaps inference on the current one. Each batch is written in one transaction, so a scan
 * that is killed loses at most the batch in flight and a rerun picks up from there.
 */
export async function runScan(
  request: ScanRequest,
  control: ScanControl,
  onProgress: (progress: ScanProgress) => void,
): Promise<ScanSummary> {
  const started = Date.now();
  const meter = new ProgressMeter(onProgress, () => control.paused);
  const db = openDatabase(request.database);
  const store = new PhotoStore(db);
  const summary: ScanSummary = {
    tagged: 0,
    unchanged: 0,
    moved: 0,
    missing: 0,
    failed: 0,
    failures: [],
    warnings: [],
    cancelled: false,
    model: request.model.id,
    provider: 'none',
    providerAttempts: [],
    durationMs: 0,
  };
  const causes = new Map<string, number>();
  let classifier: ClassifierThread | undefined;

  try {
    meter.phase('walking', 0);
    // The walk waits on stat calls in libuv's threads; reading the stored rows meanwhile is free.
    // The library's own thumbnail cache may sit inside a scanned folder, and it contains no photos.
    const walking = walkFolders(request.folders, { exclude: [request.thumbnailsDir] });
    const stored = storedFilesUnder(request.folders, store);
    const listing = await walking;
    summary.warnings.push(...listing.warnings);

    meter.phase('comparing', 0);
    const plan = planScan(stored, listing, { model: request.model.id, retag: request.retag });
    store.markFilesMissing(plan.missingIds);
    summary.unchanged = plan.unchanged;
    summary.missing = plan.missingIds.length;

    meter.phase('tagging', plan.toProcess.length);
    if (plan.toProcess.length > 0) {
      const model = await completeModel(request.model);
      const loading = ClassifierThread.load({
        modelPath: model.path,
        provider: request.provider,
        imageSize: model.preprocessing.size,
        signature: model.signature,
      });
      // Keep a failed load from being reported as unhandled before it is awaited below.
      loading.catch(() => undefined);
      const { preprocessing } = model;
      const claimedMoves = new Set<number>();
      const missingThisScan = new Set(plan.missingIds);
      const prepare = (batch: WalkEntry[]): Promise<Prepared[]> =>
        Promise.all(batch.map((file) => preparePhoto(file, preprocessing, store, claimedMoves)));

      // The first batch decodes while the model loads, at the CPU batch size when the model's
      // own preferred size is not known yet.
      const firstSize = request.batchSize ?? CPU_BATCH_SIZE;
      let next: Promise<Prepared[]> | undefined = prepare(plan.toProcess.slice(0, firstSize));
      classifier = await loading;
      summary.provider = classifier.provider;
      summary.providerAttempts = classifier.attempts;
      const batchSize = request.batchSize ?? classifier.preferredBatchSize;
      const batches = chunk(plan.toProcess.slice(firstSize), batchSize);
      for (let index = 0; next !== undefined; index++) {
        const prepared = await next;
        next = undefined;
        await control.whenResumed();
        if (control.cancelled) {
          summary.cancelled = true;
          break;
        }
        // Decode the next batch while this one is in inference.
        const following = batches[index];
        if (following) next = prepare(following);

        const predictions = await classifyBatch(classifier, prepared);
        await writeBatch(prepared, predictions, request, store, summary, causes, missingThisScan);
        meter.advance(prepared.length, summary.failed);
      }
    }
  } finally {
    await classifier?.close();
    db.close();
  }

  summary.failures = [...causes]
    .map(([cause, count]) => ({ cause, count }))
    .sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
  summary.durationMs = Date.now() - started;
  meter.phase('done', meter.total, true);
  return summary;
}

/**
 * Fills in a model's signature and, unless the caller set it, its preprocessing: an installed
 * model's comes from its record in the models folder, any other file's from its input size.
 */
async function completeModel(model: ResolvedModel): Promise<RunnableModel> {
  const installed = basename(model.path) === `${model.id}.onnx`;
  const resolved = await resolveModel(installed ? model.id : model.path, {
    modelsDir: dirname(model.path),
  });
  return {
    ...resolved,
    id: model.id,
    preprocessing: model.preprocessing ?? resolved.preprocessing,
  };
}

async function preparePhoto(
  file: WalkEntry,
  preprocessing: Preprocessing,
  store: PhotoStore,
  claimedMoves: Set<number>,
): Promise<Prepared> {
  if (file.size > MAX_FILE_BYTES) {
    const size = `${Math.round(file.size / 2 ** 20)} MiB`;
    const error = `file too large: ${size} (the limit is ${MAX_FILE_BYTES / 2 ** 20} MiB)`;
    return { kind: 'failed', file, hash: null, error };
  }
  let data: Buffer;
  try {
    data = await readFile(file.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone', file };
    return { kind: 'failed', file, hash: null, error: readErrorMessage(error) };
  }
  const hash = createHash('sha256').update(data).digest('hex');
  const movedFrom = store.findMissingByHash(hash);
  if (movedFrom !== null && !claimedMoves.has(movedFrom)) {
    claimedMoves.add(movedFrom);
    return { kind: 'moved', file, hash, from: movedFrom };
  }
  try {
    const photo = await decodePhoto(data, preprocessing);
    return { kind: 'decoded', file, hash, photo };
  } catch (error) {
    return { kind: 'failed', file, hash, error: (error as Error).message };
  }
}

function readErrorMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read file: permission denied';
  if (code === 'EISDIR') return 'cannot read file: it is a folder';
  return `cannot read file: ${(error as Error).message}`;
}

async function classifyBatch(
  classifier: ClassifierThread,
  prepared: Prepared[],
): Promise<Prediction[][]> {
  const decoded = prepared.filter((item) => item.kind === 'decoded');
  if (decoded.length === 0) return [];
  const stride = 3 * classifier.inputSize * classifier.inputSize;
  const tensor = new Float32Array(decoded.length * stride);
  decoded.forEach((item, index) => tensor.set(item.photo.tensor, index * stride));
  return classifier.classify(tensor, decoded.length, TOP_K);
}

async function writeBatch(
  prepared: Prepared[],
  predictions: Prediction[][],
  request: ScanRequest,
  store: PhotoStore,
  summary: ScanSummary,
  causes: Map<string, number>,
  missingThisScan: ReadonlySet<number>,
): Promise<void> {
  const thumbnails: Promise<void>[] = [];
  for (const item of prepared) {
    if (item.kind === 'decoded') {
      thumbnails.push(saveThumbnail(request.thumbnailsDir, item.hash, item.photo.thumbnail));
    }
  }
  await Promise.all(thumbnails);

  const now = Date.now();
  store.transaction(() => {
    let decodedIndex = 0;
    for (const item of prepared) {
      const { file } = item;
      switch (item.kind) {
        case 'decoded': {
          const labels = predictions[decodedIndex++] ?? [];
          store.saveTagged(
            {
              ...file,
              hash: item.hash,
              format: item.photo.format,
              width: item.photo.width,
              height: item.photo.height,
              takenAt: item.photo.takenAt ?? file.mtimeMs,
              camera: item.photo.camera,
              thumbnail: item.hash,
              labels,
            },
            request.model.id,
            now,
          );
          summary.tagged++;
          break;
        }
        case 'moved':
          store.adoptMovedFile(item.from, file);
          summary.moved++;
          // A photo that went missing in this scan was counted missing when the listing was
          // compared; one missing since an earlier scan was not.
          if (missingThisScan.has(item.from)) summary.missing--;
          break;
        case 'failed': {
          store.saveFailed({ ...file, hash: item.hash, error: item.error }, now);
          summary.failed++;
          const cause = failureCause(item.error);
          causes.set(cause, (causes.get(cause) ?? 0) + 1);
          break;
        }
        case 'gone':
          // Deleted between listing and reading: it is missing, not broken.
          store.markPathMissing(file.path);
          summary.missing++;
          break;
      }
    }
  });
}

/** Groups errors by their cause: the text before any detail such as a format name or size. */
export function failureCause(error: string): string {
  const colon = error.indexOf(': ');
  return colon > 0 ? error.slice(0, colon) : error;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
