import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';

/** Returns the lock file that marks a scan running on a library database. */
export function scanLockPath(databasePath: string): string {
  return `${databasePath}.scan-lock`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the scan lock of a library for this process, so that a second process does not scan
 * the same library at once. Returns the holder's pid when another live process holds it, or
 * null once the lock is taken. A lock left by a process that died (killed, crashed) is taken
 * over.
 */
export function acquireScanLock(databasePath: string): number | null {
  const path = scanLockPath(databasePath);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) return holder;
    rmSync(path, { force: true });
  }
  // NOTE: this is reached only when stale locks were found twice in a row, a race between
  // processes that start together. The scan then runs without holding the lock.
  return null;
}

/** Releases the scan lock if this process holds it. */
export function releaseScanLock(databasePath: string): void {
  const path = scanLockPath(databasePath);
  try {
    if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) rmSync(path);
  } catch {
    // Already gone.
  }
}
