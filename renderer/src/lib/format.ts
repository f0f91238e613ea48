import { i18n } from '../i18n/index.svelte.js';

/** Formats a score in [0, 1] as a whole percentage. */
export function percent(score: number | null): string {
  return score === null ? '' : `${Math.round(score * 100)}%`;
}

export function formatDate(ms: number): string {
  return new Date(ms).toLocaleString(i18n.locale, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString(i18n.locale, { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${units[unit]}`;
}

/** Formats a duration in seconds as `1 h 05 min`, `3 min 20 s` or `12 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** Returns the last segment of a folder path, with either slash as the separator. */
export function folderName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}
