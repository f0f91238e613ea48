import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  ScanProgress,
  ScanRequest,
  ScanSummary,
  WorkerCommand,
  WorkerEvent,
} from './types.js';

/** A scan running in a worker thread. */
export interface ScanJob {
  readonly id: string;
  /** Subscribes to progress events; returns the function that unsubscribes. */
  onProgress(listener: (progress: ScanProgress) => void): () => void;
  pause(): void;
  resume(): void;
  /** Stops after the batch in flight is stored; `done` then resolves with `cancelled: true`. */
  cancel(): void;
  readonly done: Promise<ScanSummary>;
  /** The last progress event, or null before the first. */
  readonly progress: ScanProgress | null;
}

/**
 * Creates the worker thread. The compiled app runs worker.js beside this module; under the
 * TypeScript sources (tests, tsx) the worker first registers tsx's loader, then imports
 * worker.ts, because loaders of the parent thread do not reach workers on Node 20.
 */
function createWorker(request: ScanRequest): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./worker.js', import.meta.url), { workerData: request });
  }
  // tsx's CommonJS entry resolves the ESM one beside it; the ESM entry registers the loader.
  const tsxCommonJs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsxApi = pathToFileURL(tsxCommonJs.replace(/\.cjs$/, '.mjs')).href;
  const script = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: request });
}

/** Starts a scan in a new worker thread. */
export function startScanWorker(request: ScanRequest): ScanJob {
  const worker = createWorker(request);
  const listeners = new Set<(progress: ScanProgress) => void>();
  let last: ScanProgress | null = null;
  const send = (command: WorkerCommand): void => worker.postMessage(command);

  const done = new Promise<ScanSummary>((resolve, reject) => {
    let settled = false;
    worker.on('message', (event: WorkerEvent) => {
      if (event.type === 'progress') {
        last = event.progress;
        for (const listener of listeners) listener(event.progress);
      } else if (event.type === 'done') {
        settled = true;
        resolve(event.summary);
      } else {
        settled = true;
        reject(new Error(event.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`scan worker exited with code ${code} before finishing`));
    });
  });

  return {
    id: randomUUID(),
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    cancel: () => send({ type: 'cancel' }),
    done,
    get progress() {
      return last;
    },
  };
}
