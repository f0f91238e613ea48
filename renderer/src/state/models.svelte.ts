import type {
  ModelDownloadDone,
  ModelDownloadProgress,
  ModelListItem,
  ProviderCheck,
} from '../../../electron/api.js';
import { t } from '../i18n/index.svelte.js';
import { bridge, call } from '../lib/api.js';
import { app } from './app.svelte.js';
import { notices } from './notices.svelte.js';

/** The model manager: catalogue and installed models, downloads and the provider check. */
export class ModelsState {
  items = $state<ModelListItem[]>([]);
  loaded = $state(false);
  /** Id of the model a request is running for, which disables that row's buttons. */
  pending = $state<string | null>(null);
  importing = $state(false);
  checking = $state(false);
  check = $state<ProviderCheck | null>(null);
  /** Cause of the last failed download of each model, shown in its row. */
  failures = $state<Record<string, string>>({});

  /** Subscribes to download and model events; returns the function that unsubscribes. */
  listen(): () => void {
    const offProgress = bridge.on('models.progress', (progress) => this.#progress(progress));
    const offDone = bridge.on('models.done', (done) => this.#done(done));
    const offChanged = bridge.on('library.changed', ({ reason }) => {
      if (reason === 'models') void this.load();
    });
    return () => {
      offProgress();
      offDone();
      offChanged();
    };
  }

  async load(): Promise<void> {
    const items = await call('models.list', {});
    if (items) this.items = items;
    this.loaded = true;
    await app.loadModels();
  }

  use(id: string): Promise<void> {
    return this.#run(id, () => call('models.use', { id }));
  }

  download(id: string): Promise<void> {
    delete this.failures[id];
    return this.#run(id, () => call('models.download', { id }));
  }

  async cancel(id: string): Promise<void> {
    await call('models.cancelDownload', { id });
  }

  remove(id: string): Promise<void> {
    return this.#run(id, () => call('models.remove', { id }));
  }

  /** Imports an ONNX file by path; returns true when it was installed. */
  async importFile(path: string): Promise<boolean> {
    this.importing = true;
    try {
      const items = await call('models.import', { path });
      if (!items) return false;
      this.items = items;
      notices.info(t('models.imported', { path }));
      return true;
    } finally {
      this.importing = false;
    }
  }

  /** Opens the desktop app's file picker and imports the chosen file. */
  async pickAndImport(): Promise<void> {
    const picked = await call('models.pickFile', {});
    if (picked?.path) await this.importFile(picked.path);
  }

  async checkProviders(): Promise<void> {
    this.checking = true;
    try {
      const check = await call('models.checkProviders', {});
      if (check) this.check = check;
      await app.loadModels();
    } finally {
      this.checking = false;
    }
  }

  async #run(id: string, request: () => Promise<ModelListItem[] | null>): Promise<void> {
    this.pending = id;
    try {
      const items = await request();
      if (items) this.items = items;
    } finally {
      this.pending = null;
    }
  }

  #progress(progress: ModelDownloadProgress): void {
    const item = this.items.find((model) => model.id === progress.id);
    if (item) item.download = progress;
  }

  #done(done: ModelDownloadDone): void {
    const item = this.items.find((model) => model.id === done.id);
    if (item) item.download = null;
    if (done.outcome === 'failed') this.failures[done.id] = done.message ?? '';
    if (done.outcome === 'installed') {
      notices.info(t('models.downloaded', { name: item?.name ?? done.id }));
    }
  }
}

export const models = new ModelsState();
