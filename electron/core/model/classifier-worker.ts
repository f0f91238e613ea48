// Entry point of the classifier thread: one Classifier, driven by messages from its owner.
import { parentPort, workerData } from 'node:worker_threads';
import { Classifier, type ClassifierOptions } from './classifier.js';
import type { ClassifierReply, ClassifierRequest } from './classifier-thread.js';
import type { ProviderAttempt } from './providers.js';

const port = parentPort;
if (!port) throw new Error('the classifier must run in a worker thread');
const reply = (message: ClassifierReply): void => port.postMessage(message);

async function serve(classifier: Classifier, request: ClassifierRequest): Promise<void> {
  if (request.type === 'close') {
    await classifier.close();
    port?.close();
    return;
  }
  try {
    const predictions = await classifier.classify(request.tensor, request.n, request.topK);
    reply({ type: 'predictions', id: request.id, predictions });
  } catch (error) {
    reply({ type: 'failed', id: request.id, message: (error as Error).message });
  }
}

try {
  const classifier = await Classifier.load(workerData as ClassifierOptions);
  const { signature, provider, attempts, inputSize, preferredBatchSize } = classifier;
  port.on('message', (request: ClassifierRequest) => void serve(classifier, request));
  reply({ type: 'loaded', info: { signature, provider, attempts, inputSize, preferredBatchSize } });
} catch (error) {
  const { message, name } = error as Error;
  const attempts = (error as { attempts?: ProviderAttempt[] }).attempts;
  reply({ type: 'load-failed', message, name, attempts });
  port.close();
}
