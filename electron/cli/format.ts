import type { ScanProgress } from '../core/library.js';

/** Formats seconds as "42 s", "3 min 05 s" or "2 h 07 min". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** Formats a tagging progress line; a width above 0 adds a bar that fits it. */
export function progressLine(progress: ScanProgress, width: number): string {
  const { done, total } = progress;
  const rate = `${progress.perSecond.toFixed(1)}/s`;
  const eta = progress.etaSeconds === null ? '' : `, ${formatDuration(progress.etaSeconds)} left`;
  const errors = progress.errors > 0 ? `, ${progress.errors} failed` : '';
  const text = `${done}/${total} photos, ${rate}${eta}${errors}${progress.paused ? ' (paused)' : ''}`;
  const barWidth = Math.min(40, width - text.length - 4);
  if (barWidth < 10) return text;
  const filled = total > 0 ? Math.round((done / total) * barWidth) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${text}`;
}

/** Formats a byte count with binary units. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
