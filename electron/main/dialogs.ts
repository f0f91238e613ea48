/** Native dialogs: folder pickers, the export destination and the fatal error box. */
import { join } from 'node:path';
import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';

import type { Language } from '../api.js';

const TEXT = {
  en: {
    pickFolders: 'Add photo folders',
    add: 'Add',
    pickModel: 'Import an ONNX model',
    importModel: 'Import',
    onnx: 'ONNX model',
    exportTitle: 'Export labels',
    csv: 'CSV (comma-separated values)',
    json: 'JSON',
  },
  ja: {
    pickFolders: '写真フォルダーを追加',
    add: '追加',
    pickModel: 'ONNX モデルを読み込む',
    importModel: '読み込む',
    onnx: 'ONNX モデル',
    exportTitle: 'ラベルを書き出す',
    csv: 'CSV（カンマ区切り）',
    json: 'JSON',
  },
} satisfies Record<Language, Record<string, string>>;

async function openFolders(
  window: BrowserWindow | null,
  options: OpenDialogOptions,
): Promise<string[]> {
  const result = window
    ? await dialog.showOpenDialog(window, options)
    : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

/** Opens the folder picker with multiple selection; returns [] when the user cancels. */
export function pickFolders(window: BrowserWindow | null, language: Language): Promise<string[]> {
  return openFolders(window, {
    title: TEXT[language].pickFolders,
    buttonLabel: TEXT[language].add,
    properties: ['openDirectory', 'multiSelections', 'createDirectory'],
  });
}

/** Opens the file picker for one `.onnx` model; returns null when the user cancels. */
export async function pickModelFile(
  window: BrowserWindow | null,
  language: Language,
): Promise<string | null> {
  const text = TEXT[language];
  const paths = await openFolders(window, {
    title: text.pickModel,
    buttonLabel: text.importModel,
    filters: [{ name: text.onnx, extensions: ['onnx'] }],
    properties: ['openFile'],
  });
  return paths[0] ?? null;
}

/** Returns the suggested export file name: `deit-tagger-YYYY-MM-DD.csv` (UTC date). */
export function exportFileName(format: 'csv' | 'json', now: Date = new Date()): string {
  return `deit-tagger-${now.toISOString().slice(0, 10)}.${format}`;
}

/** Asks where to save an export; returns null when the user cancels. */
export async function chooseExportFile(
  window: BrowserWindow | null,
  format: 'csv' | 'json',
  language: Language,
  defaultDir: string,
): Promise<string | null> {
  const text = TEXT[language];
  const options = {
    title: text.exportTitle,
    defaultPath: join(defaultDir, exportFileName(format)),
    filters: [{ name: format === 'csv' ? text.csv : text.json, extensions: [format] }],
    properties: ['createDirectory', 'showOverwriteConfirmation'] as Array<
      'createDirectory' | 'showOverwriteConfirmation'
    >,
  };
  const result = window
    ? await dialog.showSaveDialog(window, options)
    : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}

/**
 * Shows a native error box. Unlike the other dialogs it works before the app is ready, which is
 * when the library database fails to open.
 */
export function showFatalError(title: string, detail: string): void {
  dialog.showErrorBox(title, detail);
}

/** Shows an error message box for a command that failed; returns when the user closes it. */
export async function showCommandError(
  window: BrowserWindow | null,
  message: string,
  detail: string,
): Promise<void> {
  const options = { type: 'error' as const, message, detail };
  if (window) await dialog.showMessageBox(window, options);
  else await dialog.showMessageBox(options);
}
