import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDatabase, type Db } from './db/database.js';
import { PhotoStore, type PhotoRecord } from './db/photos.js';
import { defaultPaths, thumbnailsDirFor } from './paths.js';
import { startScanWorker, type ScanJob } from './scan/job.js';
import { acquireScanLock, releaseScanLock } from './scan/lock.js';
import { thumbnailPath } from './scan/thumbnails.js';
import type { ScanRequest, ScanSummary } from './scan/types.js';
import {
  ModelNotFoundError,
  modelFromFile,
  modelFromId,
  type ResolvedModel,
} from './model/resolve.js';
import type { ProviderName } from './model/providers.js';
import { defaultModelId } from './model/catalog.js';
import { activeModel, hasGpuProvider, setActiveModel } from './model/store.js';

export type { PhotoRecord } from './db/photos.js';
export type { ScanJob } from './scan/job.js';
export type { ScanProgress, ScanSummary } from './scan/types.js';

export interface LibraryOptions {
  /** The SQLite file; created when missing. */
  database: string;
  /** Folder of installed models; defaults to the one in the app's data folder. */
  modelsDir?: string;
}

export interface ScanOptions {
  folders: string[];
  /** The model to tag with; defaults to `modelPath`, then the library's active model. */
  model?: ResolvedModel;
  modelPath?: string;
  provider?: ProviderName | 'auto';
  /** Also re-tag photos that lack labels from this model. */
  retag?: boolean;
  batchSize?: number;
}

export interface LibraryStats {
  photos: number;
  tagged: number;
  failed: number;
  missing: number;
  pending: number;
  folders: string[];
  activeModel: string | null;
  lastScan: ScanSummary | null;
}

/** The folder does not exist or is not a folder. */
export class FolderNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`folder not found: ${path}`);
    this.name = 'FolderNotFoundError';
  }
}

/** A scan was requested while another one runs on the same library. */
export class ScanBusyError extends Error {
  constructor(otherProcess?: number) {
    super(
      otherProcess === undefined
        ? 'a scan is already running on this library; pause or cancel it first'
        : `a scan is already running on this library in another process (pid ${otherProcess}); wait for it or stop it first`,
    );
    this.name = 'ScanBusyError';
  }
}

/** One photo library: its database, thumbnail cache and the scan that may be running on it. */
export class Library {
  private readonly store: PhotoStore;
  private scan: ScanJob | null = null;
  private lastSummary: ScanSummary | null = null;

  private constructor(
    readonly db: Db,
    readonly databasePath: string,
    readonly thumbnailsDir: string,
    readonly modelsDir: string,
  ) {
    this.store = new PhotoStore(db);
  }

  /** Opens the library database; throws DatabaseOpenError with the path and the cause. */
  static open(options: LibraryOptions): Library {
    const databasePath = resolve(options.database);
    const db = openDatabase(databasePath);
    const modelsDir = options.modelsDir ?? defaultPaths().modelsDir;
    return new Library(db, databasePath, thumbnailsDirFor(databasePath), modelsDir);
  }

  folders(): string[] {
    return this.db
      .prepare<[], { path: string }>('SELECT path FROM folders ORDER BY path')
      .all()
      .map((row) => row.path);
  }

  addFolder(path: string): void {
    const folder = checkFolder(path);
    this.db
      .prepare('INSERT INTO folders (path, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run(folder, Date.now());
  }

  /** Forgets a folder; its photos stay in the database until they are removed. */
  removeFolder(path: string): void {
    this.db.prepare('DELETE FROM folders WHERE path = ?').run(resolve(path));
  }

  /**
   * Starts a scan in a worker thread. Throws FolderNotFoundError for a folder that does not
   * exist and ScanBusyError while another scan runs.
   */
  startScan(options: ScanOptions): ScanJob {
    if (this.scan) throw new ScanBusyError();
    const folders = options.folders.map(checkFolder);
    const request: ScanRequest = {
      database: this.databasePath,
      thumbnailsDir: this.thumbnailsDir,
      folders,
      model: this.resolveModel(options),
      provider: options.provider ?? 'auto',
      retag: options.retag ?? false,
      batchSize: options.batchSize,
    };
    const holder = acquireScanLock(this.databasePath);
    if (holder !== null) throw new ScanBusyError(holder);
    let job: ScanJob;
    try {
      job = startScanWorker(request);
    } catch (error) {
      releaseScanLock(this.databasePath);
      throw error;
    }
    this.scan = job;
    // A scanned folder belongs to the library from then on, whichever front end scanned it.
    for (const folder of folders) this.addFolder(folder);
    // Registered before any caller can await `done`, so the library is free again by the time
    // a caller's continuation runs.
    const finish = (summary?: ScanSummary): void => {
      if (summary) this.lastSummary = summary;
      releaseScanLock(this.databasePath);
      if (this.scan === job) this.scan = null;
    };
    job.done.then(finish, () => finish());
    return job;
  }

  /** Returns the id of the model new scans use, or null when none was chosen. */
  activeModel(): string | null {
    return activeModel(this.db);
  }

  /**
   * Returns the model a scan without an explicit model uses: the active one, else the
   * catalogue's default for this machine or the only model installed. Throws
   * ModelNotFoundError, naming the commands that fix it, when there is none to choose.
   */
  scanModel(): ResolvedModel {
    const active = this.activeModel();
    if (active) return modelFromId(this.modelsDir, active);
    const installed = installedModelIds(this.modelsDir);
    const fallback = defaultModelId(hasGpuProvider());
    const chosen = installed.includes(fallback)
      ? fallback
      : installed.length === 1
        ? installed[0]
        : null;
    if (chosen) return modelFromId(this.modelsDir, chosen);
    if (installed.length > 1) {
      throw new ModelNotFoundError(
        `no active model: choose one with \`deit-tagger models use ID\` (installed: ${installed.join(', ')})`,
      );
    }
    throw new ModelNotFoundError(
      `no model installed: run \`deit-tagger models download ${fallback}\`, import one with \`deit-tagger models import FILE\`, or pass --model FILE`,
    );
  }

  private resolveModel(options: ScanOptions): ResolvedModel {
    if (options.model) return options.model;
    if (options.modelPath) return modelFromFile(options.modelPath);
    const model = this.scanModel();
    // A new library keeps using the model its first scan chose.
    if (!this.activeModel()) setActiveModel(this.db, model.id);
    return model;
  }

  currentScan(): ScanJob | null {
    return this.scan;
  }

  photo(id: number): PhotoRecord | null {
    return this.store.get(id);
  }

  /** Returns the cached thumbnail of a photo, or null when it has none. */
  thumbnailFile(id: number): string | null {
    const key = this.store.get(id)?.thumbnail;
    if (!key) return null;
    const path = thumbnailPath(this.thumbnailsDir, key);
    return existsSync(path) ? path : null;
  }

  failures(limit = 1000): Array<{ id: number; path: string; error: string }> {
    return this.db
      .prepare<[number], { id: number; path: string; error: string }>(
        `SELECT id, path, error FROM photos WHERE status = 'failed' ORDER BY path LIMIT ?`,
      )
      .all(limit);
  }

  stats(): LibraryStats {
    const counts = this.db
      .prepare<[], { status: string; count: number }>(
        'SELECT status, count(*) AS count FROM photos GROUP BY status',
      )
      .all();
    const count = (status: string): number =>
      counts.find((row) => row.status === status)?.count ?? 0;
    return {
      photos: counts.reduce((sum, row) => sum + row.count, 0),
      tagged: count('tagged'),
      failed: count('failed'),
      missing: count('missing'),
      pending: count('pending'),
      folders: this.folders(),
      activeModel: this.activeModel(),
      lastScan: this.lastSummary,
    };
  }

  /** Cancels a running scan, waits for it to store its last batch, and closes the database. */
  async close(): Promise<void> {
    const job = this.scan;
    if (job) {
      job.cancel();
      await job.done.catch(() => undefined);
    }
    this.db.close();
  }
}

/** Lists the ids of the `.onnx` files in the models folder, without opening them. */
function installedModelIds(modelsDir: string): string[] {
  try {
    return readdirSync(modelsDir)
      .filter((name) => name.endsWith('.onnx'))
      .map((name) => name.slice(0, -'.onnx'.length))
      .sort();
  } catch {
    return [];
  }
}

function checkFolder(path: string): string {
  const folder = resolve(path);
  const isFolder = statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
  if (!isFolder) throw new FolderNotFoundError(folder);
  return folder;
}
