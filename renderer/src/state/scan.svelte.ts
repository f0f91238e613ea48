import type { ScanProgress, ScanStatus, ScanSummary } from '../../../electron/api.js';
import { call, bridge } from '../lib/api.js';

export type ScanFailure = { id: number; path: string; error: string };

/** Library folders, the running scan and the files the last scans could not read. */
export class ScanState {
  folders = $state<string[]>([]);
  running = $state(false);
  progress = $state<ScanProgress | null>(null);
  last = $state<ScanSummary | null>(null);
  failures = $state<ScanFailure[]>([]);
  busy = $state(false);
  /** Scans that finished since the window opened: a signal views and tests can wait on. */
  completed = $state(0);

  get state(): 'idle' | 'running' | 'paused' | 'done' {
    if (this.running) return this.progress?.paused ? 'paused' : 'running';
    return this.last ? 'done' : 'idle';
  }

  /** Subscribes to scan events; returns the function that unsubscribes. */
  listen(onDone: () => void): () => void {
    const offProgress = bridge.on('scan.progress', (progress) => {
      this.running = progress.phase !== 'done';
      this.progress = progress;
    });
    const offDone = bridge.on('scan.done', (summary) => {
      this.running = false;
      this.last = summary;
      this.completed++;
      void this.loadFailures();
      onDone();
    });
    return () => {
      offProgress();
      offDone();
    };
  }

  async refresh(): Promise<void> {
    const finished = this.completed;
    const [folders, status] = await Promise.all([
      call('folders.list', {}),
      call('scan.status', {}),
    ]);
    if (folders) this.folders = folders;
    if (status) this.#apply(status, finished);
    await this.loadFailures();
  }

  async loadFailures(): Promise<void> {
    const failures = await call('scan.failures', { limit: 500 });
    if (failures) this.failures = failures;
  }

  async addFolder(path: string): Promise<boolean> {
    const folders = await call('folders.add', { path });
    if (folders) this.folders = folders;
    return folders !== null;
  }

  /** Opens the native folder picker (Electron only) and adds every folder chosen. */
  async pickFolders(): Promise<void> {
    const picked = await call('folders.pick', {});
    for (const path of picked?.paths ?? []) await this.addFolder(path);
  }

  async removeFolder(path: string): Promise<void> {
    const folders = await call('folders.remove', { path });
    if (folders) this.folders = folders;
  }

  async start(retag = false): Promise<void> {
    this.busy = true;
    this.progress = null;
    const finished = this.completed;
    const status = await call('scan.start', { retag });
    this.busy = false;
    if (status) this.#apply(status, finished);
  }

  async pause(): Promise<void> {
    const finished = this.completed;
    const status = await call('scan.pause', {});
    if (status) this.#apply(status, finished);
  }

  async resume(): Promise<void> {
    const finished = this.completed;
    const status = await call('scan.resume', {});
    if (status) this.#apply(status, finished);
  }

  async cancel(): Promise<void> {
    const finished = this.completed;
    const status = await call('scan.cancel', {});
    if (status) this.#apply(status, finished);
  }

  /**
   * Applies a reply to a scan request. `finished` is the count of finished scans when the
   * request was sent: when a scan.done event overtook the reply, the reply is stale.
   */
  #apply(status: ScanStatus, finished: number): void {
    if (this.completed !== finished) return;
    this.running = status.running;
    // A progress event may have overtaken the reply; keep whichever is further along.
    if (status.progress && (!this.progress || status.progress.done >= this.progress.done)) {
      this.progress = status.progress;
    }
    if (!status.running && status.last) this.last = status.last;
  }
}
