import { randomUUID } from 'node:crypto';
import { startWorker } from '../worker-thread.js';
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

/** Starts a scan in a new worker thread. */
export function startScanWorker(request: ScanRequest): ScanJob {
  const worker = startWorker(import.meta.url, './worker', request);
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
