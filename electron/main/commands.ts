/**
 * The commands behind the application menu. A command that needs a choice from the user (which
 * folders, what to export) goes to the renderer as a `ui.command` event, so the menu and the
 * window's own buttons open the same dialogs. The others go through the same dispatch function
 * as the renderer's requests, so validation, error codes and events are the same from both
 * places.
 */
import type { BrowserWindow } from 'electron';

import type { Dispatch, Language, RequestName, Result, Theme, UiCommand } from '../api.js';
import type { Logger } from './log.js';
import type { MenuActions } from './menu.js';

export interface CommandContext {
  dispatch: Dispatch;
  log: Logger;
  window(): BrowserWindow | null;
  language(): Language;
  /** Shows the window (opening one if needed) and sends it a `ui.command` event. */
  sendCommand(command: UiCommand): void;
  /** Shows a failed command to the user. */
  showError(window: BrowserWindow | null, message: string, detail: string): void;
  openLogsFolder(): Promise<string>;
  showAbout(): void;
}

const FAILURE_TEXT: Record<Language, Record<'scan' | 'settings' | 'logs', string>> = {
  en: {
    scan: 'The scan could not start.',
    settings: 'The setting could not be saved.',
    logs: 'The logs folder could not be opened.',
  },
  ja: {
    scan: 'スキャンを開始できませんでした。',
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
    addFolders: () => context.sendCommand('add-folder'),
    scanNow: () =>
      background(
        run('scan.start', {}, 'scan').then((result) => {
          if (result.ok) context.sendCommand('scan');
        }),
        'starting a scan',
      ),
    exportLabels: () => context.sendCommand('export'),
    openSettings: () => context.sendCommand('settings'),
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
