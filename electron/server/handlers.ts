/**
 * The back end of the API on a Library: one handler per request in electron/api.ts. Both
 * transports use it: `deit-tagger serve` over HTTP and the Electron main process over IPC.
 * Only the folder picker and the export destination differ, so the caller passes those in.
 */
import { statSync } from 'node:fs';
import { basename, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

import {
  ApiException,
  type ApiHandlers,
  type EmitEvent,
  type ExportResult,
  type ModelInfo,
  MAX_SELECTION,
  type ParsedInput,
  type PhotoDetail,
  type PhotoIds,
  type PhotoLabel,
  type PhotoSummary,
  type ScanStatus,
  type ScanSummary,
  type SearchPage,
} from '../api.js';
import { FolderNotFoundError, Library, ScanBusyError } from '../core/library.js';
import {
  addTag,
  confirmLabel,
  LabelLookupError,
  PhotoNotFoundError,
  rejectLabel,
  resolveLabel,
} from '../core/labels/corrections.js';
import { ModelNotFoundError, modelIdFromPath } from '../core/model/resolve.js';
import { listModels } from '../core/model/store.js';
import { ExportPathError } from '../core/export/index.js';
import {
  InvalidCursorError,
  MAX_LIMIT,
  SearchQueryError,
  photoLabels,
  searchPhotos,
  suggest,
  type PhotoLabel as CoreLabel,
  type SearchHit,
} from '../core/search/index.js';
import { toCoreSearch } from './export.js';
import { createModelManager } from './model-handlers.js';
import { readSettings, writeSettings } from './settings.js';

export interface HandlerOptions {
  emit: EmitEvent;
  /** Model file every scan uses instead of the library's active model. */
  modelPath?: string;
  /** Opens a native folder picker and returns the chosen folders (Electron); absent over HTTP. */
  pickFolders?: () => Promise<string[]>;
  /** Opens a native file picker for an ONNX model (Electron); absent over HTTP. */
  pickModelFile?: () => Promise<string | null>;
  /**
   * Shows a photo's file in the system file manager (Electron); absent over HTTP. Returns false
   * when the photo's file is gone.
   */
  revealPhoto?: (id: number) => boolean;
  /** Writes or offers the export: a save dialog in Electron, a download over HTTP. */
  exportPhotos: (input: ParsedInput<'export'>) => Promise<ExportResult>;
  /** Logs an error the handlers catch and report as an event, such as a failed scan. */
  log?: (line: string) => void;
}

/** Creates the handlers of every API request for one open library. */
export function createApiHandlers(library: Library, options: HandlerOptions): ApiHandlers {
  const { emit } = options;
  let lastSummary: ScanSummary | null = null;
  // A scan with nothing to tag reports provider 'none'. The model panel shows the last scan
  // that ran the model instead.
  const modelManager = createModelManager(library, options);

  function remember(summary: ScanSummary): void {
    lastSummary = summary;
    if (summary.providerAttempts.length > 0) {
      modelManager.recordProviderAttempts(summary.providerAttempts);
    }
  }

  function scanStatus(): ScanStatus {
    const job = library.currentScan();
    return {
      running: job !== null,
      progress: job?.progress ?? null,
      last: lastSummary ?? library.stats().lastScan,
    };
  }

  function runningScan() {
    const job = library.currentScan();
    if (!job) throw new ApiException('no-scan', 'no scan is running');
    return job;
  }

  function startScan(input: ParsedInput<'scan.start'>): ScanStatus {
    const folders = input.folders ?? library.folders();
    if (folders.length === 0) {
      throw new ApiException('folder-invalid', 'the library has no folders; add one first');
    }
    const job = library.startScan({
      folders,
      retag: input.retag ?? false,
      provider: input.provider ?? readSettings(library.db).provider,
      ...(options.modelPath ? { modelPath: options.modelPath } : {}),
    });
    job.onProgress((progress) => emit('scan.progress', progress));
    job.done.then(
      (summary) => {
        remember(summary);
        emit('scan.done', summary);
        emit('library.changed', { reason: 'scan' });
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        options.log?.(`scan ${job.id} failed: ${message}`);
        lastSummary = failedSummary(message);
        emit('scan.done', lastSummary);
        emit('library.changed', { reason: 'scan' });
      },
    );
    return { running: true, progress: job.progress, last: lastSummary };
  }

  function changedLabels(changed: number): { changed: number } {
    emit('library.changed', { reason: 'labels' });
    return { changed };
  }

  return {
    'library.stats': () => library.stats(),

    'folders.list': () => library.folders(),
    'folders.add': ({ path }) => {
      library.addFolder(path);
      emit('library.changed', { reason: 'folders' });
      return library.folders();
    },
    'folders.remove': ({ path }) => {
      library.removeFolder(path);
      emit('library.changed', { reason: 'folders' });
      return library.folders();
    },
    'folders.pick': async () => {
      if (!options.pickFolders) {
        throw new ApiException(
          'unsupported',
          'a folder picker needs the desktop app; type the path',
        );
      }
      return { paths: await options.pickFolders() };
    },

    'scan.start': startScan,
    'scan.pause': () => {
      runningScan().pause();
      return scanStatus();
    },
    'scan.resume': () => {
      runningScan().resume();
      return scanStatus();
    },
    'scan.cancel': () => {
      runningScan().cancel();
      return scanStatus();
    },
    'scan.status': scanStatus,
    'scan.failures': ({ limit }) => library.failures(limit),

    'photos.search': (input) => search(library, input),
    'photos.ids': (input) => matchingIds(library, input),
    'photos.get': ({ id }) => photoDetail(library, id),
    'photos.reveal': ({ id }) => {
      if (!options.revealPhoto) {
        throw new ApiException('unsupported', 'showing a file in its folder needs the desktop app');
      }
      if (!library.photo(id)) throw new ApiException('not-found', `photo ${id} does not exist`);
      return { revealed: options.revealPhoto(id) };
    },
    'search.suggest': ({ prefix, limit }) =>
      suggest(library.db, prefix, limit).map((s) => ({ ...s, detail: null })),

    'labels.add': (input) => {
      const target =
        'tag' in input
          ? resolveLabel(input.tag, { freeText: true })
          : { classIndex: input.classIndex };
      return changedLabels(addTag(library.db, input.photoIds, target));
    },
    'labels.confirm': ({ photoIds, classIndex }) =>
      changedLabels(confirmLabel(library.db, photoIds, classIndex)),
    'labels.reject': ({ photoIds, classIndex }) =>
      changedLabels(rejectLabel(library.db, photoIds, classIndex)),

    export: (input) => options.exportPhotos(input),

    ...modelManager.handlers,
    'models.info': async () => {
      const models = (await listModels(library.modelsDir, library.db)).map((m) => ({
        id: m.id,
        name: m.name,
        installed: m.installed,
        active: m.active && !options.modelPath,
        top1: m.top1,
        sizeBytes: m.sizeBytes,
      }));
      const attempts =
        modelManager.lastProviderAttempts() ?? library.stats().lastScan?.providerAttempts ?? [];
      return {
        active: options.modelPath
          ? modelFromPath(options.modelPath)
          : (models.find((m) => m.active) ?? null),
        provider: attempts.find((a) => a.ok)?.provider ?? null,
        providerAttempts: attempts,
        models,
        modelsDir: library.modelsDir,
      };
    },

    'settings.get': () => readSettings(library.db),
    'settings.set': (change) => {
      const settings = writeSettings(library.db, change);
      emit('library.changed', { reason: 'settings' });
      return settings;
    },
  };
}

/** Maps engine errors to stable API codes; bindApi reports any other error as 'internal'. */
export function toApiException(error: unknown): unknown {
  if (error instanceof ApiException) return error;
  if (error instanceof FolderNotFoundError) {
    return new ApiException('folder-invalid', error.message);
  }
  if (error instanceof ScanBusyError) return new ApiException('scan-busy', error.message);
  if (error instanceof ModelNotFoundError) return new ApiException('no-model', error.message);
  if (error instanceof PhotoNotFoundError) return new ApiException('not-found', error.message);
  if (
    error instanceof LabelLookupError ||
    error instanceof InvalidCursorError ||
    error instanceof SearchQueryError ||
    error instanceof ExportPathError
  ) {
    return new ApiException('invalid-input', error.message);
  }
  return error;
}

/** Wraps every handler so engine errors reach the client with their API code. */
export function withErrorCodes(handlers: ApiHandlers): ApiHandlers {
  const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, handler] of Object.entries(handlers) as Array<
    [string, (input: unknown) => unknown]
  >) {
    wrapped[name] = async (input) => {
      try {
        return await handler(input);
      } catch (error) {
        throw toApiException(error);
      }
    };
  }
  return wrapped as unknown as ApiHandlers;
}

/** Describes the model file given on the command line, which every scan then uses. */
function modelFromPath(path: string): ModelInfo {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? null;
  return {
    id: modelIdFromPath(path),
    name: basename(path),
    installed: true,
    active: true,
    top1: null,
    sizeBytes: size,
  };
}

function failedSummary(message: string): ScanSummary {
  return {
    tagged: 0,
    unchanged: 0,
    moved: 0,
    missing: 0,
    failed: 0,
    failures: [],
    warnings: [`the scan stopped: ${message}`],
    cancelled: true,
    model: '',
    provider: '',
    providerAttempts: [],
    durationMs: 0,
  };
}

// --- search and photo details ------------------------------------------------------------------

function search(library: Library, input: ParsedInput<'photos.search'>): SearchPage {
  const { filters } = input;
  const page = searchPhotos(library.db, {
    ...toCoreSearch(input),
    limit: input.limit,
    cursor: input.cursor,
  });
  const statuses = photoStatuses(library, page.hits);
  const items = page.hits.map((hit) => summarize(hit, statuses.get(hit.id) ?? 'tagged'));

  let total: number | null = page.total ?? null;
  if (total === null && page.nextCursor === null && input.cursor === null) total = items.length;
  if (total === null && input.query.trim() === '') total = countPhotos(library, filters.folder);
  return { items, nextCursor: page.nextCursor, total };
}

/**
 * Collects the ids of every photo a search finds, a page at a time, up to MAX_SELECTION. It
 * yields to the event loop between pages, because 100 pages take a noticeable time and other
 * requests must not wait behind them.
 */
// TODO: page through ids only; searchPhotos also loads every hit's labels, which this drops.
async function matchingIds(library: Library, input: ParsedInput<'photos.ids'>): Promise<PhotoIds> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const limit = Math.min(MAX_LIMIT, MAX_SELECTION - ids.length);
    const page = searchPhotos(library.db, { ...toCoreSearch(input), limit, cursor });
    for (const hit of page.hits) ids.push(hit.id);
    cursor = page.nextCursor;
    if (cursor !== null) await nextTurn();
  } while (cursor !== null && ids.length < MAX_SELECTION);

  if (cursor === null) return { ids, truncated: false };
  // A full last page leaves a cursor even when nothing follows it, so look one photo further.
  const next = searchPhotos(library.db, { ...toCoreSearch(input), limit: 1, cursor });
  return { ids, truncated: next.hits.length > 0 };
}

function photoStatuses(library: Library, hits: SearchHit[]): Map<number, PhotoSummary['status']> {
  if (hits.length === 0) return new Map();
  const rows = library.db
    .prepare<[string], { id: number; status: PhotoSummary['status'] }>(
      `SELECT id, status FROM photos WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(hits.map((hit) => hit.id)));
  return new Map(rows.map((row) => [row.id, row.status]));
}

/** Counts the photos an empty query lists: all but missing ones, in a folder and below. */
function countPhotos(library: Library, folder: string | undefined): number {
  if (!folder) {
    return library.db
      .prepare<[], { n: number }>(`SELECT count(*) AS n FROM photos WHERE status <> 'missing'`)
      .get()!.n;
  }
  const base = folder.endsWith(sep) ? folder.slice(0, -1) : folder;
  return library.db
    .prepare<[string, string], { n: number }>(
      `SELECT count(*) AS n FROM photos WHERE status <> 'missing'
         AND (folder = ?1 OR substr(folder, 1, length(?2)) = ?2)`,
    )
    .get(base, base + sep)!.n;
}

function summarize(hit: SearchHit, status: PhotoSummary['status']): PhotoSummary {
  // A search shows the label that matched; listing everything shows the best label.
  const matched =
    hit.score === null
      ? undefined
      : hit.labels.find(
          (l) => l.source === 'model' && l.score === hit.score && l.verdict !== 'rejected',
        );
  const best = matched ?? bestLabel(hit.labels);
  return {
    id: hit.id,
    name: basename(hit.path),
    takenAt: hit.takenAt,
    width: hit.width,
    height: hit.height,
    status,
    label: best ? { name: best.label, score: best.score } : null,
    matchScore: hit.score,
  };
}

/** Picks the label a grid cell shows: a manual tag or confirmed label first, else the top model one. */
function bestLabel(labels: CoreLabel[]): CoreLabel | null {
  const shown = labels.filter((label) => label.verdict !== 'rejected');
  const confirmed = shown.find((l) => l.verdict === 'confirmed' || l.verdict === 'added');
  if (confirmed) return confirmed;
  const model = shown
    .filter((label) => label.source === 'model')
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  return model[0] ?? null;
}

function photoDetail(library: Library, id: number): PhotoDetail {
  const photo = library.photo(id);
  if (!photo) throw new ApiException('not-found', `photo ${id} does not exist`);
  const labels = photoLabels(library.db, id);
  const model = labels
    .filter((label) => label.source === 'model')
    .sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99) || (b.score ?? 0) - (a.score ?? 0))
    .slice(0, 5);
  const manual = labels.filter((label) => label.source === 'manual');
  return {
    id: photo.id,
    path: photo.path,
    folder: photo.folder,
    name: photo.name,
    size: photo.size,
    format: photo.format,
    width: photo.width,
    height: photo.height,
    takenAt: photo.takenAt,
    camera: photo.camera,
    status: photo.status,
    error: photo.error,
    model: photo.model,
    labels: [...model, ...manual].map(toApiLabel),
  };
}

function toApiLabel(label: CoreLabel): PhotoLabel {
  return {
    classIndex: label.classIndex,
    name: label.label,
    score: label.score,
    source: label.source,
    verdict: label.verdict,
  };
}
