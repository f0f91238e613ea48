/**
 * The application menu as a template for `Menu.buildFromTemplate`. Building it is a pure
 * function of the options and the actions, so tests check it without Electron.
 */
import type { MenuItemConstructorOptions } from 'electron';

import type { Language, Theme } from '../api.js';

export interface MenuActions {
  addFolders(): void;
  scanNow(): void;
  exportLabels(): void;
  openSettings(): void;
  setTheme(theme: Theme): void;
  openLogsFolder(): void;
  showAbout(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Adds reload and developer tools, which a packaged app leaves out. */
  isDev: boolean;
  appName: string;
  theme: Theme;
  language: Language;
}

/** Labels of the items the app defines; Electron names the role items itself. */
const LABELS = {
  en: {
    file: 'File',
    addFolders: 'Add Folder…',
    scanNow: 'Scan Now',
    export: 'Export Labels…',
    settings: 'Settings…',
    edit: 'Edit',
    view: 'View',
    appearance: 'Appearance',
    system: 'Follow System',
    light: 'Light',
    dark: 'Dark',
    help: 'Help',
    about: 'About',
    openLogs: 'Open Logs Folder',
  },
  ja: {
    file: 'ファイル',
    addFolders: 'フォルダーを追加…',
    scanNow: '今すぐスキャン',
    export: 'ラベルを書き出す…',
    settings: '設定…',
    edit: '編集',
    view: '表示',
    appearance: '外観',
    system: 'システムに合わせる',
    light: 'ライト',
    dark: 'ダーク',
    help: 'ヘルプ',
    about: 'について',
    openLogs: 'ログフォルダーを開く',
  },
} satisfies Record<Language, Record<string, string>>;

const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

/** Builds the menu template: File, Edit, View, (Window on macOS) and Help. */
export function buildMenuTemplate(
  options: MenuOptions,
  actions: MenuActions,
): MenuItemConstructorOptions[] {
  const text = LABELS[options.language];
  const isMac = options.platform === 'darwin';
  const about =
    options.language === 'ja'
      ? `${options.appName} ${text.about}`
      : `${text.about} ${options.appName}`;

  const settings: MenuItemConstructorOptions = {
    label: text.settings,
    accelerator: 'CmdOrCtrl+,',
    click: () => actions.openSettings(),
  };

  const appMenu: MenuItemConstructorOptions = {
    label: options.appName,
    submenu: [
      { label: about, click: () => actions.showAbout() },
      { type: 'separator' },
      settings,
      { type: 'separator' },
      { role: 'services' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };

  const fileMenu: MenuItemConstructorOptions = {
    label: text.file,
    submenu: [
      { label: text.addFolders, accelerator: 'CmdOrCtrl+O', click: () => actions.addFolders() },
      { label: text.scanNow, accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.scanNow() },
      { label: text.export, accelerator: 'CmdOrCtrl+E', click: () => actions.exportLabels() },
      // macOS keeps Settings… in the app menu.
      ...(isMac ? [] : [{ type: 'separator' } as const, settings]),
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const editMenu: MenuItemConstructorOptions = {
    label: text.edit,
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };

  const themeItems: MenuItemConstructorOptions[] = THEMES.map((theme) => ({
    label: text[theme],
    type: 'radio',
    checked: options.theme === theme,
    click: () => actions.setTheme(theme),
  }));
  const devItems: MenuItemConstructorOptions[] = options.isDev
    ? [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
      ]
    : [];
  const viewMenu: MenuItemConstructorOptions = {
    label: text.view,
    submenu: [
      ...devItems,
      { label: text.appearance, submenu: themeItems },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const helpItems: MenuItemConstructorOptions[] = [
    { label: text.openLogs, click: () => actions.openLogsFolder() },
  ];
  // macOS shows About in the app menu; elsewhere it belongs under Help.
  if (!isMac)
    helpItems.unshift({ label: about, click: () => actions.showAbout() }, { type: 'separator' });
  const helpMenu: MenuItemConstructorOptions = {
    role: 'help',
    label: text.help,
    submenu: helpItems,
  };

  return [
    ...(isMac ? [appMenu] : []),
    fileMenu,
    editMenu,
    viewMenu,
    ...(isMac ? [{ role: 'windowMenu' } satisfies MenuItemConstructorOptions] : []),
    helpMenu,
  ];
}
