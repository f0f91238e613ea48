import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';

import type { Theme, UiCommand } from '../../electron/api.js';
import { createMenuActions, type CommandContext } from '../../electron/main/commands.js';
import { createLogger } from '../../electron/main/log.js';
import { buildMenuTemplate, type MenuActions, type MenuOptions } from '../../electron/main/menu.js';

type Item = MenuItemConstructorOptions;

function recordingActions(calls: string[]): MenuActions {
  return {
    addFolders: () => calls.push('addFolders'),
    scanNow: () => calls.push('scanNow'),
    exportLabels: () => calls.push('exportLabels'),
    openSettings: () => calls.push('openSettings'),
    setTheme: (theme: Theme) => calls.push(`setTheme:${theme}`),
    openLogsFolder: () => calls.push('openLogsFolder'),
    showAbout: () => calls.push('showAbout'),
  };
}

const linux: MenuOptions = {
  platform: 'linux',
  isDev: false,
  appName: 'DeiT Tagger',
  theme: 'system',
  language: 'en',
};

function submenu(item: Item | undefined): Item[] {
  return Array.isArray(item?.submenu) ? item.submenu : [];
}

function find(items: Item[], label: string): Item | undefined {
  for (const item of items) {
    if (item.label === label) return item;
    const inner = find(submenu(item), label);
    if (inner) return inner;
  }
  return undefined;
}

function roles(items: Item[]): string[] {
  return items.flatMap((item) => [...(item.role ? [item.role] : []), ...roles(submenu(item))]);
}

function click(item: Item | undefined): void {
  const handler = item?.click as (() => void) | undefined;
  if (!handler) throw new Error(`menu item ${item?.label ?? '?'} has no click handler`);
  handler();
}

describe('buildMenuTemplate', () => {
  it('has File, Edit, View and Help', () => {
    const template = buildMenuTemplate(linux, recordingActions([]));
    expect(template.map((item) => item.label)).toEqual(['File', 'Edit', 'View', 'Help']);
  });

  it('runs the File commands', () => {
    const calls: string[] = [];
    const template = buildMenuTemplate(linux, recordingActions(calls));
    click(find(template, 'Add Folder…'));
    click(find(template, 'Scan Now'));
    click(find(template, 'Export Labels…'));
    click(find(submenu(template[0]), 'Settings…'));
    expect(calls).toEqual(['addFolders', 'scanNow', 'exportLabels', 'openSettings']);
    expect(roles(submenu(template[0]))).toEqual(['quit']);
  });

  it('puts Settings in the app menu on macOS', () => {
    const template = buildMenuTemplate({ ...linux, platform: 'darwin' }, recordingActions([]));
    const appMenu = submenu(template[0]);
    expect(find(appMenu, 'Settings…')?.accelerator).toBe('CmdOrCtrl+,');
    expect(find(submenu(template[1]), 'Settings…')).toBeUndefined();
  });

  it('leaves out reload and devtools when packaged', () => {
    const packaged = roles(buildMenuTemplate(linux, recordingActions([])));
    expect(packaged).not.toContain('reload');
    expect(packaged).not.toContain('toggleDevTools');

    const dev = roles(buildMenuTemplate({ ...linux, isDev: true }, recordingActions([])));
    expect(dev).toContain('reload');
    expect(dev).toContain('toggleDevTools');
  });

  it('has zoom in the View menu', () => {
    const view = submenu(buildMenuTemplate(linux, recordingActions([]))[2]);
    expect(roles(view)).toEqual(
      expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']),
    );
  });

  it('checks the current theme', () => {
    const calls: string[] = [];
    const template = buildMenuTemplate({ ...linux, theme: 'dark' }, recordingActions(calls));
    const appearance = submenu(find(template, 'Appearance'));

    expect(appearance.map((item) => [item.label, item.type, item.checked])).toEqual([
      ['Follow System', 'radio', false],
      ['Light', 'radio', false],
      ['Dark', 'radio', true],
    ]);
    click(appearance[1]);
    expect(calls).toEqual(['setTheme:light']);
  });

  it('puts About under Help outside macOS', () => {
    const calls: string[] = [];
    const template = buildMenuTemplate(linux, recordingActions(calls));
    const help = submenu(template.at(-1));
    click(find(help, 'About DeiT Tagger'));
    click(find(help, 'Open Logs Folder'));
    expect(calls).toEqual(['showAbout', 'openLogsFolder']);
  });

  it('adds the app and Window menus on macOS', () => {
    const template = buildMenuTemplate({ ...linux, platform: 'darwin' }, recordingActions([]));
    expect(template[0]?.label).toBe('DeiT Tagger');
    expect(find(submenu(template[0]), 'About DeiT Tagger')).toBeDefined();
    expect(roles(template)).toContain('windowMenu');
    expect(roles(submenu(template[1]))).toEqual(['close']);
    expect(find(submenu(template.at(-1)), 'About DeiT Tagger')).toBeUndefined();
  });

  it('labels items in Japanese', () => {
    const template = buildMenuTemplate({ ...linux, language: 'ja' }, recordingActions([]));
    expect(template.map((item) => item.label)).toEqual(['ファイル', '編集', '表示', 'ヘルプ']);
    expect(find(template, 'フォルダーを追加…')).toBeDefined();
  });
});

describe('createMenuActions', () => {
  function setup(results: Record<string, { ok: boolean }> = {}) {
    const dispatched: Array<[string, unknown]> = [];
    const commands: UiCommand[] = [];
    const errors: string[] = [];
    const context: CommandContext = {
      dispatch: (name, input) => {
        dispatched.push([name, input]);
        const ok = results[name]?.ok ?? true;
        return Promise.resolve(
          ok
            ? { ok: true, value: null }
            : { ok: false, error: { code: 'scan-busy', message: `${name} failed` } },
        );
      },
      log: createLogger({ console: null }),
      window: () => null,
      language: () => 'en',
      sendCommand: (command) => commands.push(command),
      showError: (_window, message, detail) => errors.push(`${message} ${detail}`),
      openLogsFolder: () => Promise.resolve(''),
      showAbout: () => undefined,
    };
    return { actions: createMenuActions(context), dispatched, commands, errors };
  }

  /** Lets the promise chains that menu clicks start run to the end. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('hands dialogs to the renderer', async () => {
    const { actions, dispatched, commands } = setup();
    actions.addFolders();
    actions.exportLabels();
    actions.openSettings();
    await settle();
    expect(commands).toEqual(['add-folder', 'export', 'settings']);
    expect(dispatched).toEqual([]);
  });

  it('starts a scan and shows the scan view', async () => {
    const { actions, dispatched, commands, errors } = setup();
    actions.scanNow();
    await settle();
    expect(dispatched).toEqual([['scan.start', {}]]);
    expect(commands).toEqual(['scan']);
    expect(errors).toEqual([]);
  });

  it('shows the error of a failed scan', async () => {
    const { actions, commands, errors } = setup({ 'scan.start': { ok: false } });
    actions.scanNow();
    await settle();
    expect(commands).toEqual([]);
    expect(errors).toEqual(['The scan could not start. scan.start failed']);
  });

  it('stores the theme', async () => {
    const { actions, dispatched, errors } = setup();
    actions.setTheme('dark');
    await settle();
    expect(dispatched).toEqual([['settings.set', { theme: 'dark' }]]);
    expect(errors).toEqual([]);
  });
});
