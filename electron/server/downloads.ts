import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';

/** How long a prepared download stays valid. */
const DOWNLOAD_TTL_MS = 5 * 60_000;

interface PendingDownload {
  fileName: string;
  contentType: string;
  write: (out: Writable) => Promise<void>;
  expires: number;
}

/**
 * One-time downloads: an API request prepares one and returns its URL, and the browser then
 * fetches that URL as a file. The data is produced while it streams, never held in memory.
 */
export class Downloads {
  readonly #pending = new Map<string, PendingDownload>();

  /** Registers a download and returns its id, valid once within five minutes. */
  create(download: Omit<PendingDownload, 'expires'>): string {
    const now = Date.now();
    for (const [id, old] of this.#pending) if (old.expires < now) this.#pending.delete(id);
    const id = randomBytes(18).toString('base64url');
    this.#pending.set(id, { ...download, expires: now + DOWNLOAD_TTL_MS });
    return id;
  }

  /** Streams a download into the response; returns false when the id is unknown or expired. */
  async send(id: string, res: ServerResponse): Promise<boolean> {
    const download = this.#pending.get(id);
    this.#pending.delete(id);
    if (!download || download.expires < Date.now()) return false;
    res.statusCode = 200;
    res.setHeader('Content-Type', download.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${download.fileName.replace(/[^\w.-]/g, '_')}"`,
    );
    await download.write(res);
    res.end();
    return true;
  }
}
