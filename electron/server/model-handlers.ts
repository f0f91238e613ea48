/**
 * The model manager's API requests: list, use, import, download with progress events, cancel,
 * remove and the provider check. Part of the shared handlers (handlers.ts), so the HTTP server
 * and the Electron main process behave the same; only the file picker is Electron's alone.
 */
import { isAbsolute } from 'node:path';

import {
  ApiException,
  type ApiHandlers,
  type EmitEvent,
  type ModelDownloadProgress,
  type ModelListItem,
  type ProviderAttempt,
  type ProviderCheck,
} from '../api.js';
import type { Library } from '../core/library.js';
import {
  catalogFile,
  loadCatalog,
  installedIdFor,
  type ModelVariant,
} from '../core/model/catalog.js';
import { Classifier } from '../core/model/classifier.js';
import { downloadModel } from '../core/model/download.js';
import { ModelValidationError } from '../core/model/inspect.js';
import { ProviderUnavailableError } from '../core/model/providers.js';
import {
  getInstalledModel,
  importModel,
  listModels,
  ModelStoreError,
  removeModel,
  resolveModel,
  useModel,
} from '../core/model/store.js';

export type ModelRequestName =
  | 'models.list'
  | 'models.use'
  | 'models.import'
  | 'models.pickFile'
  | 'models.download'
  | 'models.cancelDownload'
  | 'models.remove'
  | 'models.checkProviders';

export interface ModelHandlerOptions {
  emit: EmitEvent;
  /** Model file every scan uses instead of the library's active model. */
  modelPath?: string;
  /** Opens a native file picker for an ONNX file (Electron); absent over HTTP. */
  pickModelFile?: () => Promise<string | null>;
  log?: (line: string) => void;
}

export interface ModelManager {
  handlers: Pick<ApiHandlers, ModelRequestName>;
  /** Provider attempts of the latest scan or provider check in this process, or null. */
  lastProviderAttempts(): ProviderAttempt[] | null;
  /** Records the provider attempts of a scan that loaded the model. */
  recordProviderAttempts(attempts: ProviderAttempt[]): void;
}

interface RunningDownload {
  controller: AbortController;
  progress: ModelDownloadProgress;
}

/** Finds the catalogue entry and variant of an installable id (`<entry>[-quantized]`). */
function catalogTarget(id: string): { catalogId: string; variant: ModelVariant } | null {
  for (const entry of loadCatalog().models) {
    if (entry.id === id) return { catalogId: entry.id, variant: 'fp32' };
    for (const file of entry.files) {
      if (installedIdFor(entry.id, file.variant) === id) {
        return { catalogId: entry.id, variant: file.variant };
      }
    }
  }
  return null;
}

/** Maps model store and validation errors to API codes; other errors pass through. */
function modelError(error: unknown): unknown {
  if (error instanceof ModelValidationError)
    return new ApiException('model-invalid', error.message);
  if (error instanceof ModelStoreError) return new ApiException('invalid-input', error.message);
  return error;
}

async function withModelErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw modelError(error);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates the model manager's handlers for one open library. */
export function createModelManager(library: Library, options: ModelHandlerOptions): ModelManager {
  const { emit } = options;
  const { modelsDir } = library;
  const downloads = new Map<string, RunningDownload>();
  let providerAttempts: ProviderAttempt[] | null = null;

  async function list(): Promise<ModelListItem[]> {
    const listings = await listModels(modelsDir, library.db);
    return listings.map((m) => ({
      id: m.id,
      name: m.name,
      installed: m.installed,
      // A model file given on the command line overrides the library's active model.
      active: m.active && !options.modelPath,
      top1: m.top1,
      sizeBytes: m.sizeBytes,
      distilled: m.distilled,
      downloadable: m.downloadable,
      sha256: m.sha256,
      origin: m.origin,
      download: downloads.get(m.id)?.progress ?? null,
    }));
  }

  function changed(): void {
    emit('library.changed', { reason: 'models' });
  }

  async function requireInstalled(id: string): Promise<void> {
    if (!(await getInstalledModel(modelsDir, id))) {
      throw new ApiException('not-found', `model "${id}" is not installed`);
    }
  }

  function startDownload(id: string): void {
    const target = catalogTarget(id);
    if (!target) throw new ApiException('not-found', `model "${id}" is not in the catalogue`);
    const entry = loadCatalog().models.find((model) => model.id === target.catalogId)!;
    const file = catalogFile(entry, target.variant);
    if (!file) {
      throw new ApiException(
        'unsupported',
        `${entry.name} has no published ONNX export to download; import your own ONNX file`,
      );
    }

    // NOTE: closing the library does not stop a running download, which goes on until it
    // finishes or fails, and its part file stays for a later resume.
    const controller = new AbortController();
    const running: RunningDownload = {
      controller,
      progress: {
        id,
        bytes: 0,
        total: file.sizeBytes ?? null,
        bytesPerSecond: 0,
        etaSeconds: null,
      },
    };
    downloads.set(id, running);
    options.log?.(`download of model ${id} started`);

    const finish = (outcome: 'installed' | 'cancelled' | 'failed', message: string | null) => {
      downloads.delete(id);
      emit('models.done', { id, outcome, message });
      changed();
    };
    downloadModel(target.catalogId, {
      modelsDir,
      variant: target.variant,
      signal: controller.signal,
      onProgress: (progress) => {
        running.progress = {
          id,
          bytes: progress.bytes,
          total: progress.total,
          bytesPerSecond: progress.bytesPerSecond,
          etaSeconds: progress.etaSeconds,
        };
        emit('models.progress', running.progress);
      },
    }).then(
      () => {
        options.log?.(`download of model ${id} finished`);
        finish('installed', null);
      },
      (error: unknown) => {
        if (controller.signal.aborted) {
          options.log?.(`download of model ${id} cancelled`);
          finish('cancelled', null);
          return;
        }
        options.log?.(`download of model ${id} failed: ${errorMessage(error)}`);
        finish('failed', errorMessage(error));
      },
    );
  }

  /** Loads the active model once; each provider is tried until one runs a batch. */
  async function checkProviders(): Promise<ProviderCheck> {
    const idOrPath = options.modelPath ?? library.scanModel().id;
    const model = await withModelErrors(() => resolveModel(idOrPath, { modelsDir }));
    try {
      const classifier = await Classifier.load({
        modelPath: model.path,
        provider: 'auto',
        signature: model.signature,
        imageSize: model.preprocessing.size,
      });
      providerAttempts = classifier.attempts;
      await classifier.close();
      return { model: model.id, provider: classifier.provider, attempts: classifier.attempts };
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw modelError(error);
      providerAttempts = error.attempts;
      return { model: model.id, provider: null, attempts: error.attempts };
    }
  }

  const handlers: ModelManager['handlers'] = {
    'models.list': list,
    'models.use': async ({ id }) => {
      await requireInstalled(id);
      await withModelErrors(() => useModel(library.db, modelsDir, id));
      changed();
      return list();
    },
    'models.import': async ({ path, id }) => {
      // A relative path would resolve against the back end's working folder, not the user's.
      if (!isAbsolute(path)) {
        throw new ApiException(
          'invalid-input',
          `${path}: give the full path of the ONNX file, such as /home/me/models/deit.onnx`,
        );
      }
      await withModelErrors(() => importModel(path, { modelsDir, ...(id ? { id } : {}) }));
      changed();
      return list();
    },
    'models.pickFile': async () => {
      if (!options.pickModelFile) {
        throw new ApiException('unsupported', 'a file picker needs the desktop app; type the path');
      }
      return { path: await options.pickModelFile() };
    },
    'models.download': async ({ id }) => {
      if (!downloads.has(id)) {
        if (await getInstalledModel(modelsDir, id)) {
          throw new ApiException(
            'invalid-input',
            `model "${id}" is already installed; remove it first to download it again`,
          );
        }
        startDownload(id);
      }
      return list();
    },
    'models.cancelDownload': ({ id }) => {
      const running = downloads.get(id);
      running?.controller.abort();
      return { cancelled: running !== undefined };
    },
    'models.remove': async ({ id }) => {
      await requireInstalled(id);
      await withModelErrors(() => removeModel(modelsDir, id, library.db));
      changed();
      return list();
    },
    'models.checkProviders': checkProviders,
  };

  return {
    handlers,
    lastProviderAttempts: () => providerAttempts,
    recordProviderAttempts: (attempts) => {
      providerAttempts = attempts;
    },
  };
}
