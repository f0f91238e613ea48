/**
 * The commands behind the application menu. Each command goes through the same dispatch
 * function as the renderer's requests, so validation, error codes and events are the same from
 * both places.
 */
import type { BrowserWindow } from 'electron';

import type { Dispatch, Language, RequestName, Result, Theme } from '../api.js';
import type { Logger } from './log.js';
import type { MenuActions } from './menu.js';

export interface CommandContext {
  dispatch: Dispatch;
  log: Logger;
  window(): BrowserWindow | null;
  language(): Language;
  pickFolders(window: BrowserWindow | null, language: Language): Promise<string[]>;
  /** Shows a failed command to the user. */
  showError(window: BrowserWindow | null, message: string, detail: string): void;
  openLogsFolder(): Promise<string>;
  showAbout(): void;
}

const FAILURE_TEXT: Record<
  Language,
  Record<'folders' | 'scan' | 'export' | 'settings' | 'logs', string>
> = {
  en: {
    folders: 'The folder could not be added.',
    scan: 'The scan could not start.',
    export: 'The export failed.',
    settings: 'The setting could not be saved.',
    logs: 'The logs folder could not be opened.',
  },
  ja: {
    folders: 'フォルダーを追加できませんでした。',
    scan: 'スキャンを開始できませんでした。',
    export: '書き出しに失敗しました。',
    settings: '設定を保存できませんでした。',
    logs: 'ログフォルダーを開けませんでした。',
  },
};

/** Creates the menu's actions over a dispatch function and the native dialogs. */
export function createMenuActions(context: CommandContext): MenuActions {
  const { dispatch, log } = context;

  function report(kind: keyof (typeof FAILURE_TEXT)['en'], detail: string): void {
    context.showError(context.window(), FAILURE_TEXT[context.language()][kind], detail);
  }

  async function run(
    name: RequestName,
    input: unknown,
    kind: keyof (typeof FAILURE_TEXT)['en'],
  ): Promise<Result<unknown>> {
    const result = await dispatch(name, input);
    if (!result.ok) {
      log.warn('menu command failed', { request: name, code: result.error.code });
      report(kind, result.error.message);
    }
    return result;
  }

  function background(task: Promise<unknown>, what: string): void {
    task.catch((error: unknown) => log.error(`${what} failed`, { error }));
  }

  return {
    addFolders: () =>
      background(
        (async () => {
          const folders = await context.pickFolders(context.window(), context.language());
          for (const path of folders) await run('folders.add', { path }, 'folders');
        })(),
        'adding folders',
      ),
    scanNow: () => background(run('scan.start', {}, 'scan'), 'starting a scan'),
    exportLabels: () => background(run('export', { format: 'csv' }, 'export'), 'exporting'),
    setTheme: (theme: Theme) =>
      background(run('settings.set', { theme }, 'settings'), 'changing the theme'),
    openLogsFolder: () =>
      background(
        context.openLogsFolder().then((error) => {
          if (error) report('logs', error);
        }),
        'opening the logs folder',
      ),
    showAbout: () => context.showAbout(),
  };
}
