import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Returns where the thumbnail with a content hash lives: two-level fan-out keeps folders small. */
export function thumbnailPath(thumbnailsDir: string, key: string): string {
  return join(thumbnailsDir, key.slice(0, 2), `${key}.jpg`);
}

/** Writes a thumbnail unless one for the same content exists; the rename makes it atomic. */
export async function saveThumbnail(
  thumbnailsDir: string,
  key: string,
  data: Buffer,
): Promise<void> {
  const target = thumbnailPath(thumbnailsDir, key);
  try {
    await stat(target);
    return;
  } catch {
    // Not cached yet.
  }
  await mkdir(join(thumbnailsDir, key.slice(0, 2)), { recursive: true });
  // Identical photos in one batch write the same thumbnail at once: each needs its own
  // temporary file, and whichever rename lands last wins with the same bytes.
  const temporary = `${target}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
}
