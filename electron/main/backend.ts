/**
 * The back end of the desktop app: the library, the shared API handlers of
 * electron/server/handlers.ts and the event hub. Only the folder picker, the file manager and
 * the export destination differ from `deit-tagger serve`, so those are the parts passed in here.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

import {
  bindApi,
  type Dispatch,
  type ExportResult,
  type MediaKind,
  type ParsedInput,
} from '../api.js';
import { Library } from '../core/library.js';
import { EventHub } from '../server/events.js';
import { writeExport } from '../server/export.js';
import { createApiHandlers, withErrorCodes } from '../server/handlers.js';
import { photoMedia, type MediaFile } from '../server/media.js';
import { fileLabel, type Logger } from './log.js';

export interface BackendOptions {
  database: string;
  modelsDir: string;
  log: Logger;
  /** Opens the native folder picker; returns the chosen folders, [] when the user cancels. */
  pickFolders: () => Promise<string[]>;
  /** Opens the native file picker for an ONNX model; null when the user cancels. */
  pickModelFile?: () => Promise<string | null>;
  /** Shows a file in the system file manager (Electron's `shell.showItemInFolder`). */
  showItemInFolder: (path: string) => void;
  /** Opens the save dialog for an export; null when the user cancels. */
  chooseExportFile: (format: 'csv' | 'json') => Promise<string | null>;
}

export interface Backend {
  library: Library;
  events: EventHub;
  dispatch: Dispatch;
  /** Resolves `photo://` requests to files. */
  media: (kind: MediaKind, id: number) => MediaFile | null;
  close: () => Promise<void>;
}

/** Opens the library and binds the API handlers; throws DatabaseOpenError when it cannot. */
export function openBackend(options: BackendOptions): Backend {
  const { log } = options;
  const library = Library.open({ database: options.database, modelsDir: options.modelsDir });
  const events = new EventHub();
  const apiLog = log.child('api');

  const handlers = createApiHandlers(library, {
    emit: events.emit,
    pickFolders: options.pickFolders,
    ...(options.pickModelFile ? { pickModelFile: options.pickModelFile } : {}),
    revealPhoto: (id) => revealPhoto(library, id, options.showItemInFolder),
    exportPhotos: (input) => exportToFile(library, input, options.chooseExportFile, apiLog),
    log: (line) => apiLog.warn(line),
  });
  const dispatch = bindApi(withErrorCodes(handlers), (name, error) => {
    apiLog.error('request failed', { request: name, error });
  });

  return {
    library,
    events,
    dispatch,
    media: (kind, id) => photoMedia(library, kind, id),
    close: () => library.close(),
  };
}

/**
 * Shows a photo in the system file manager, by id. Returns false when the photo is unknown or
 * its file is gone.
 */
export function revealPhoto(
  library: Library,
  id: number,
  showItemInFolder: (path: string) => void,
): boolean {
  const photo = library.photo(id);
  if (!photo || photo.status === 'missing' || !existsSync(photo.path)) return false;
  showItemInFolder(photo.path);
  return true;
}

/**
 * Asks for a destination and writes the export there. A failed write removes the partial file,
 * so a truncated CSV never looks like a finished one.
 */
export async function exportToFile(
  library: Library,
  input: ParsedInput<'export'>,
  chooseFile: (format: 'csv' | 'json') => Promise<string | null>,
  log: Logger,
): Promise<ExportResult> {
  const file = await chooseFile(input.format);
  if (!file) return { kind: 'cancelled' };

  const out = createWriteStream(file);
  try {
    await writeExport(library, input, out);
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    await rm(file, { force: true });
    throw error;
  }
  log.info('export written', { file: fileLabel(file), format: input.format });
  return { kind: 'saved', path: file };
}
