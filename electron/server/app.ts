/**
 * `deit-tagger serve` without its command line: opens a library, binds the API handlers to
 * HTTP and serves the built renderer. Tests start it in-process through `startServe`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bindApi, type ExportResult, type ParsedInput } from '../api.js';
import { Library } from '../core/library.js';
import { createToken } from './auth.js';
import { Downloads } from './downloads.js';
import { writeExport } from './export.js';
import { EventHub } from './events.js';
import { createApiHandlers, withErrorCodes } from './handlers.js';
import { startHttpServer } from './http.js';
import { photoMedia } from './media.js';

export interface ServeOptions {
  database: string;
  modelsDir?: string;
  /** ONNX file every scan uses instead of the library's active model. */
  modelPath?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder of the built renderer; defaults to out/renderer of this checkout or package. */
  staticDir?: string;
  /** Fixed token, for tests; a random one otherwise. */
  token?: string;
  log: (line: string) => void;
}

export interface ServeHandle {
  /** The URL to open, with the access token. */
  url: string;
  port: number;
  token: string;
  library: Library;
  /** Stops the server, then cancels a running scan and closes the database. */
  close(): Promise<void>;
}

/** Returns out/renderer, from the compiled module (out/electron/server) or from the sources. */
export function defaultStaticDir(): string {
  const fromSources = import.meta.url.endsWith('.ts');
  return fileURLToPath(
    new URL(fromSources ? '../../out/renderer/' : '../../renderer/', import.meta.url),
  );
}

/** Opens the library and starts serving it. */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const staticDir = options.staticDir ?? defaultStaticDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    options.log(
      `no renderer build in ${staticDir}; run \`npm run build:renderer\` for the gallery`,
    );
  }
  const library = Library.open({
    database: options.database,
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  });
  const events = new EventHub();
  const downloads = new Downloads();
  const token = options.token ?? createToken();

  const handlers = createApiHandlers(library, {
    emit: events.emit,
    ...(options.modelPath ? { modelPath: options.modelPath } : {}),
    exportPhotos: (input) => Promise.resolve(prepareDownload(library, downloads, input)),
    log: options.log,
  });
  const dispatch = bindApi(withErrorCodes(handlers), (name, error) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    options.log(`request ${name} failed: ${detail}`);
  });

  let server;
  try {
    server = await startHttpServer({
      dispatch,
      events,
      media: (kind, id) => photoMedia(library, kind, id),
      download: (id, res) => downloads.send(id, res),
      staticDir,
      token,
      host: options.host,
      port: options.port,
      log: options.log,
    });
  } catch (error) {
    await library.close();
    throw error;
  }
  const running = server;

  return {
    url: running.url,
    port: running.port,
    token,
    library,
    close: async () => {
      await running.close();
      await library.close();
    },
  };
}

function prepareDownload(
  library: Library,
  downloads: Downloads,
  input: ParsedInput<'export'>,
): ExportResult {
  const stamp = new Date().toISOString().slice(0, 10);
  const fileName = `deit-tagger-${stamp}.${input.format}`;
  const id = downloads.create({
    fileName,
    contentType:
      input.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    write: (out) => writeExport(library, input, out),
  });
  return { kind: 'download', url: `/downloads/${id}`, fileName };
}
