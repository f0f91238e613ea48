import type { LibraryStats, ModelsInfo, Settings, UiCommand } from '../../../electron/api.js';
import { i18n } from '../i18n/index.svelte.js';
import { bridge, call } from '../lib/api.js';
import { Gallery } from './gallery.svelte.js';
import { ScanState } from './scan.svelte.js';

/** Interval of gallery refreshes during a scan. */
const LIVE_REFRESH_MS = 4000;
/**
 * Above this many loaded photos the user has scrolled deep into the results, and a refresh
 * would pull the pages away under them, so the gallery waits for the end of the scan.
 */
const LIVE_REFRESH_MAX_ITEMS = 1000;

export type View = 'library' | 'scan' | 'models' | 'settings';
export type Dialog = 'export' | 'tag' | null;

/** Top-level state: the current view, settings, library counts and the child states. */
export class AppState {
  view = $state<View>('library');
  dialog = $state<Dialog>(null);
  /** Index in the gallery of the photo open in the detail view, or null. */
  detailIndex = $state<number | null>(null);
  settings = $state<Settings>({ theme: 'system', language: 'en', provider: 'auto' });
  stats = $state<LibraryStats | null>(null);
  models = $state<ModelsInfo | null>(null);
  ready = $state(false);

  readonly gallery = new Gallery();
  readonly scan = new ScanState();

  /** Loads everything the first screen needs and subscribes to back-end events. */
  async start(): Promise<() => void> {
    const offScan = this.scan.listen(() => {
      void this.refreshStats();
      void this.gallery.reload(true);
    });
    // While a scan runs, newly tagged photos show up every few seconds.
    let lastRefresh = 0;
    const offProgress = bridge.on('scan.progress', (progress) => {
      const now = Date.now();
      if (progress.phase !== 'tagging' || now - lastRefresh < LIVE_REFRESH_MS) return;
      lastRefresh = now;
      void this.refreshStats();
      if (this.gallery.items.length <= LIVE_REFRESH_MAX_ITEMS) void this.gallery.reload(true);
    });
    const offChanged = bridge.on('library.changed', ({ reason }) => {
      void this.refreshStats();
      if (reason === 'folders') void this.scan.refresh();
      if (reason !== 'settings') void this.gallery.reload(true);
    });
    const offCommand = bridge.on('ui.command', ({ command }) => this.runCommand(command));
    const settings = await call('settings.get', {});
    if (settings) this.applySettings(settings);
    await Promise.all([this.refreshStats(), this.scan.refresh(), this.gallery.reload()]);
    this.ready = true;
    return () => {
      offScan();
      offProgress();
      offChanged();
      offCommand();
    };
  }

  /** Carries out a command from the desktop app's menu. */
  runCommand(command: UiCommand): void {
    switch (command) {
      case 'export':
        this.closeDetail();
        this.view = 'library';
        this.dialog = 'export';
        break;
      case 'add-folder':
        this.view = 'scan';
        void this.scan.pickFolders();
        break;
      case 'scan':
        this.view = 'scan';
        void this.scan.refresh();
        break;
      case 'settings':
        this.closeDetail();
        this.dialog = null;
        this.view = 'settings';
        break;
    }
  }

  async refreshStats(): Promise<void> {
    const stats = await call('library.stats', {});
    if (stats) this.stats = stats;
  }

  async loadModels(): Promise<void> {
    const models = await call('models.info', {});
    if (models) this.models = models;
  }

  async updateSettings(change: Partial<Settings>): Promise<void> {
    const settings = await call('settings.set', change);
    if (settings) this.applySettings(settings);
  }

  applySettings(settings: Settings): void {
    this.settings = settings;
    i18n.language = settings.language;
    document.documentElement.lang = settings.language;
    if (settings.theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = settings.theme;
  }

  openDetail(index: number): void {
    this.gallery.focus = index;
    this.detailIndex = index;
  }

  closeDetail(): void {
    this.detailIndex = null;
  }
}

export const app = new AppState();
