import { open, opendir, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { extname, join } from 'node:path';
import { IMAGE_EXTENSIONS, sniffFormat } from '../image/format.js';

/** A file the walk found that looks like an image, by extension or by its first bytes. */
export interface WalkEntry {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: WalkEntry[];
  /** Folders that could not be read; the photos stored under them are not marked missing. */
  unreadable: string[];
  warnings: string[];
}

/** Folder names that hold caches, trash or NAS metadata rather than photos. */
const SKIPPED_FOLDERS = new Set([
  '@eaDir',
  '#recycle',
  '#snapshot',
  '$RECYCLE.BIN',
  'System Volume Information',
  'lost+found',
  'node_modules',
]);

/** Extensions of common files that are never photos, so their bytes need not be sniffed. */
const NOT_IMAGE_EXTENSIONS = new Set(
  '.txt .md .json .xml .xmp .csv .html .htm .pdf .doc .docx .xls .xlsx .zip .gz .tar .7z .rar .exe .dll .so .js .ts .py .sh .db .sqlite .ini .log .mp3 .wav .flac .aac .m4a .mp4 .mov .avi .mkv .m4v .webm .wmv .mts .3gp .thm .aae .lrf .srt'.split(
    ' ',
  ),
);

const STAT_CONCURRENCY = 64;

/** Returns true for folder names the walk skips: dot-folders, caches, trash and NAS metadata. */
export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

/**
 * Lists the image files under the given folders. Hidden files and folders and system folders
 * are skipped. Symbolic links are followed, but a folder reached twice (a link loop, or two
 * roots that overlap) is listed once. A folder that cannot be read becomes a warning.
 */
export async function walkFolders(
  roots: readonly string[],
  options: { exclude?: readonly string[] } = {},
): Promise<WalkResult> {
  const result: WalkResult = { files: [], unreadable: [], warnings: [] };
  const excluded = new Set(options.exclude ?? []);
  const visited = new Set<string>();
  const seenFiles = new Set<string>();
  const pending = [...roots];

  while (pending.length > 0) {
    const folder = pending.pop() as string;
    let identity: string;
    try {
      const info = await stat(folder);
      identity = `${info.dev}:${info.ino}`;
    } catch (error) {
      noteUnreadable(result, folder, error);
      continue;
    }
    if (visited.has(identity)) continue;
    visited.add(identity);

    let entries: Dirent[];
    try {
      entries = await readFolder(folder);
    } catch (error) {
      noteUnreadable(result, folder, error);
      continue;
    }

    const candidates: string[] = [];
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.name.includes('\uFFFD')) {
        // Node decodes file names as UTF-8 and cannot open a name that is not valid UTF-8.
        result.warnings.push(`skipped ${path}: the file name is not valid UTF-8`);
      } else if (entry.isDirectory()) {
        if (!isSkippedFolder(entry.name) && !excluded.has(path)) pending.push(path);
      } else if (entry.isSymbolicLink()) {
        await followLink(path, entry.name, pending, candidates, result);
      } else if (entry.isFile()) {
        if (!entry.name.startsWith('.')) candidates.push(path);
      } else if (looksLikeImageName(entry.name)) {
        result.warnings.push(`skipped ${path}: not a regular file`);
      }
    }
    await statCandidates(candidates, result, seenFiles);
  }

  // Code-unit order, the same on every machine, unlike a locale-aware sort.
  result.files.sort((a, b) => compareCodeUnits(a.path, b.path));
  return result;
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

async function readFolder(folder: string): Promise<Dirent[]> {
  const entries: Dirent[] = [];
  const dir = await opendir(folder, { bufferSize: 256 });
  for await (const entry of dir) entries.push(entry);
  return entries;
}

async function followLink(
  path: string,
  name: string,
  pending: string[],
  candidates: string[],
  result: WalkResult,
): Promise<void> {
  if (name.startsWith('.')) return;
  try {
    const target = await stat(path);
    if (target.isDirectory()) {
      if (!isSkippedFolder(name)) pending.push(path);
    } else if (target.isFile()) {
      candidates.push(path);
    } else if (looksLikeImageName(name)) {
      result.warnings.push(`skipped ${path}: the link points at something that is not a file`);
    }
  } catch {
    // A dangling link or a link loop (ELOOP) points at nothing that can be tagged.
    if (looksLikeImageName(name)) result.warnings.push(`skipped ${path}: broken symbolic link`);
  }
}

function looksLikeImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

async function statCandidates(
  candidates: string[],
  result: WalkResult,
  seenFiles: Set<string>,
): Promise<void> {
  for (let start = 0; start < candidates.length; start += STAT_CONCURRENCY) {
    const chunk = candidates.slice(start, start + STAT_CONCURRENCY);
    const found = await Promise.all(chunk.map((path) => imageEntry(path)));
    for (const entry of found) {
      if (!entry) continue;
      // The same file reached through two paths (a hard or symbolic link) is tagged once.
      if (seenFiles.has(entry.identity)) continue;
      seenFiles.add(entry.identity);
      result.files.push({ path: entry.path, size: entry.size, mtimeMs: entry.mtimeMs });
    }
  }
}

async function imageEntry(path: string): Promise<(WalkEntry & { identity: string }) | null> {
  const extension = extname(path).toLowerCase();
  if (NOT_IMAGE_EXTENSIONS.has(extension)) return null;
  let info;
  try {
    info = await stat(path);
  } catch {
    return null; // Deleted since the folder was listed.
  }
  if (!info.isFile()) return null;
  const entry = {
    path,
    size: info.size,
    mtimeMs: Math.trunc(info.mtimeMs),
    identity: `${info.dev}:${info.ino}`,
  };
  if (IMAGE_EXTENSIONS.has(extension)) return entry;
  return (await looksLikeImage(path)) ? entry : null;
}

/** Reads the first bytes of a file without an image extension and checks for an image signature. */
async function looksLikeImage(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(32);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return sniffFormat(head.subarray(0, bytesRead)) !== null;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

function noteUnreadable(result: WalkResult, folder: string, error: unknown): void {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'folder not found'
        : code === 'ELOOP'
          ? 'symbolic link loop'
          : (error as Error).message;
  result.unreadable.push(folder);
  result.warnings.push(`cannot read folder ${folder}: ${reason}`);
}
