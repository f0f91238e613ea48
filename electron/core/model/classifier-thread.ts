import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.js';
import type { ClassifierOptions, Prediction } from './classifier.js';
import type { ModelSignature } from './inspect.js';
import type { ProviderAttempt, ProviderName } from './providers.js';

/** Session details the classifier thread reports once its session is open. */
export interface ClassifierInfo {
  signature: ModelSignature;
  provider: ProviderName;
  attempts: ProviderAttempt[];
  inputSize: number;
  preferredBatchSize: number;
}

export type ClassifierRequest =
  | { type: 'classify'; id: number; tensor: Float32Array; n: number; topK: number }
  | { type: 'close' };

export type ClassifierReply =
  | { type: 'loaded'; info: ClassifierInfo }
  | { type: 'load-failed'; message: string; name: string; attempts?: ProviderAttempt[] }
  | { type: 'predictions'; id: number; predictions: Prediction[][] }
  | { type: 'failed'; id: number; message: string };

/**
 * A Classifier in a thread of its own. onnxruntime-node runs a session on the calling thread
 * and blocks it until the batch is done, so a pipeline that decodes on the same thread cannot
 * overlap decoding with inference. Tensors are transferred, not copied.
 */
export class ClassifierThread implements ClassifierInfo {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (predictions: Prediction[][]) => void; reject: (error: Error) => void }
  >();
  private exitError: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly signature: ModelSignature,
    readonly provider: ProviderName,
    readonly attempts: ProviderAttempt[],
    readonly inputSize: number,
    readonly preferredBatchSize: number,
  ) {
    worker.on('message', (reply: ClassifierReply) => this.settle(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) =>
      this.failAll(new Error(`classifier thread exited with code ${code}`)),
    );
  }

  /** Opens the model in a new thread; rejects with the same errors as Classifier.load. */
  static load(options: ClassifierOptions): Promise<ClassifierThread> {
    const worker = startWorker(import.meta.url, './classifier-worker', options);
    return new Promise((resolve, reject) => {
      const onExit = (code: number): void =>
        reject(new Error(`classifier thread exited with code ${code} while loading`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (reply: ClassifierReply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (reply.type === 'loaded') {
          const { signature, provider, attempts, inputSize, preferredBatchSize } = reply.info;
          resolve(
            new ClassifierThread(
              worker,
              signature,
              provider,
              attempts,
              inputSize,
              preferredBatchSize,
            ),
          );
        } else if (reply.type === 'load-failed') {
          void worker.terminate();
          const error = Object.assign(new Error(reply.message), { attempts: reply.attempts });
          error.name = reply.name;
          reject(error);
        }
      });
    });
  }

  /** Classifies `n` images; the tensor's buffer moves to the thread and is unusable after. */
  classify(tensor: Float32Array, n: number, topK = 5): Promise<Prediction[][]> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: ClassifierRequest = { type: 'classify', id, tensor, n, topK };
      this.worker.postMessage(request, [tensor.buffer as ArrayBuffer]);
    });
  }

  /** Waits for the batches in flight, then releases the session and ends the thread. */
  async close(): Promise<void> {
    if (this.exitError) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    const request: ClassifierRequest = { type: 'close' };
    this.worker.postMessage(request);
    await exited;
  }

  private settle(reply: ClassifierReply): void {
    if (reply.type !== 'predictions' && reply.type !== 'failed') return;
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.type === 'predictions') waiter?.resolve(reply.predictions);
    else waiter?.reject(new Error(reply.message));
  }

  private failAll(error: Error): void {
    this.exitError ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
