// Entry point of the scan worker thread: runs one scan and reports over the parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { runScan, type ScanControl } from './pipeline.js';
import type { ScanRequest, WorkerCommand, WorkerEvent } from './types.js';

const port = parentPort;
if (!port) throw new Error('scan worker must run in a worker thread');

class WorkerControl implements ScanControl {
  cancelled = false;
  paused = false;
  private resumers: Array<() => void> = [];

  handle(command: WorkerCommand): void {
    if (command.type === 'pause') this.paused = true;
    if (command.type === 'resume' || command.type === 'cancel') {
      this.paused = false;
      if (command.type === 'cancel') this.cancelled = true;
      for (const resume of this.resumers.splice(0)) resume();
    }
  }

  whenResumed(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((resolve) => this.resumers.push(resolve));
  }
}

const control = new WorkerControl();
const post = (event: WorkerEvent): void => port.postMessage(event);
port.on('message', (command: WorkerCommand) => control.handle(command));

runScan(workerData as ScanRequest, control, (progress) => post({ type: 'progress', progress }))
  .then((summary) => post({ type: 'done', summary }))
  .catch((error: unknown) => {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  })
  .finally(() => port.close());
