/**
 * Downloads model files with progress, resume and verification.
 *
 * A transfer streams into `<modelsDir>/.partial/<id>.onnx.part`, hashing as it writes. An
 * interrupted or cancelled transfer keeps the part file, and the next attempt re-hashes it and
 * requests the rest with `Range: bytes=N-`. A finished file is checked against the expected
 * size and SHA-256, validated with inspectModel, and only then renamed into the models folder.
 * A file that fails any check is deleted. Nothing here runs unless a caller requests it.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  catalogEntry,
  catalogFile,
  downloadUrl,
  installedIdFor,
  type CatalogEntry,
  type ModelVariant,
} from './catalog.js';
import { inspectModel, ModelValidationError } from './inspect.js';
import {
  assertModelId,
  installStagedModel,
  ModelStoreError,
  PARTIAL_DIR,
  type InstalledModel,
} from './store.js';

export interface DownloadProgress {
  /** Bytes of the file on disk so far, including a resumed part. */
  bytes: number;
  /** Size of the whole file, when the server or the catalogue states it. */
  total: number | null;
  /** Transfer rate over the last few seconds, in bytes per second. */
  bytesPerSecond: number;
  /** Estimated seconds left, when the total and a rate are known. */
  etaSeconds: number | null;
  /** Bytes that were already on disk when this transfer started. */
  resumedFrom: number;
}

export interface TransferOptions {
  /** Exact size the file must have; the server's stated size is checked too. */
  expectedSize?: number | null;
  /** Expected SHA-256 (lowercase hex); when null the computed one is only reported. */
  expectedSha256?: string | null;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Minimum time between progress events, in milliseconds. */
  progressIntervalMs?: number;
}

export interface TransferResult {
  path: string;
  sizeBytes: number;
  sha256: string;
  /** True when part of the file came from an earlier, interrupted transfer. */
  resumed: boolean;
}

/** A failed download. `keptPartial` is true when a later attempt can resume it. */
export class DownloadError extends Error {
  override name = 'DownloadError';

  constructor(
    message: string,
    readonly keptPartial: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const DEFAULT_PROGRESS_INTERVAL_MS = 100;
const RATE_WINDOW_MS = 5000;

/** Source of a part file, kept so that a resume never mixes two different files. */
interface PartMetadata {
  url: string;
  etag: string | null;
}

/**
 * Downloads `url` to `partPath`, resuming a part file left by an earlier attempt, and checks
 * its size and SHA-256. The part file is kept when the transfer is interrupted or cancelled,
 * and deleted when the finished file fails a check or the disk fills up.
 */
export async function transferToFile(
  url: string,
  partPath: string,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const metadataPath = `${partPath}.json`;
  let existing = await partSize(partPath);
  const metadata = await readPartMetadata(metadataPath);
  if (existing > 0 && metadata?.url !== url) existing = await discardPart(partPath);
  if (options.expectedSize != null && existing > options.expectedSize) {
    existing = await discardPart(partPath);
  }

  // A resumed part is re-hashed first, so that the final digest covers every byte on disk.
  const hash = createHash('sha256');
  if (existing > 0) await hashFile(partPath, hash);

  if (options.expectedSize != null && existing === options.expectedSize) {
    return finish(partPath, metadataPath, hash, existing, options, true);
  }

  const response = await request(url, existing, metadata?.etag ?? null, options.signal);
  let total: number | null;

  if (response.status === 206 && existing > 0) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (!range || range.start !== existing) {
      await response.body?.cancel();
      await discardPart(partPath);
      throw new DownloadError(
        `the response to the resume request for ${url} has an unexpected range ` +
          `(${response.headers.get('content-range') ?? 'none'}); the partial file was deleted, ` +
          'so the next attempt starts over',
        false,
      );
    }
    total = range.total;
  } else if (response.status === 416 && existing > 0) {
    // Range Not Satisfiable: the part is already complete, or longer than the file.
    await response.body?.cancel();
    const range = parseContentRange(response.headers.get('content-range'));
    if (range?.total === existing) {
      return finish(partPath, metadataPath, hash, existing, options, true);
    }
    await discardPart(partPath);
    return transferToFile(url, partPath, options);
  } else if (response.status === 200) {
    // A full response, also what a server that ignores Range sends: start over.
    if (existing > 0) await discardPart(partPath);
    const fullSize = contentLength(response);
    return streamBody(response, url, partPath, metadataPath, createHash('sha256'), 0, fullSize, {
      ...options,
      resumed: false,
    });
  } else {
    await response.body?.cancel();
    throw new DownloadError(
      `HTTP ${response.status} ${response.statusText || statusText(response.status)} for ${url}`,
      existing > 0,
    );
  }

  return streamBody(response, url, partPath, metadataPath, hash, existing, total, {
    ...options,
    resumed: true,
  });
}

async function request(
  url: string,
  offset: number,
  etag: string | null,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'deit-tagger' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    // If the file changed since the part was written, the server sends all of it (200).
    // If-Range takes strong validators only.
    if (etag && !etag.startsWith('W/')) headers['if-range'] = etag;
  }
  try {
    return await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    throw networkError(url, error, offset > 0);
  }
}

async function streamBody(
  response: Response,
  url: string,
  partPath: string,
  metadataPath: string,
  hash: Hash,
  offset: number,
  total: number | null,
  options: TransferOptions & { resumed: boolean },
): Promise<TransferResult> {
  const expectedTotal = options.expectedSize ?? null;
  if (expectedTotal !== null && total !== null && total !== expectedTotal) {
    await response.body?.cancel();
    await discardPart(partPath);
    throw new DownloadError(
      `size mismatch for ${url}: the server offers ${total} bytes, expected ${expectedTotal}`,
      false,
    );
  }
  const etag = response.headers.get('etag');
  await writeFile(metadataPath, JSON.stringify({ url, etag } satisfies PartMetadata));

  const reporter = progressReporter(
    offset,
    total ?? expectedTotal,
    options.onProgress,
    options.progressIntervalMs,
  );
  const file = await open(partPath, offset > 0 ? 'a' : 'w');
  let written = offset;
  try {
    if (!response.body) throw new DownloadError(`empty response body from ${url}`, false);
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      await writeChunk(file, chunk, partPath, written);
      hash.update(chunk);
      written += chunk.byteLength;
      reporter.update(written);
    }
  } catch (error) {
    await file.close();
    if (error instanceof DownloadError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      const freed = await discardPart(partPath, true);
      throw new DownloadError(
        `disk full while writing ${partPath}; freed ${freed} bytes by deleting the partial ` +
          'download. Free some space and try again',
        false,
        { cause: error },
      );
    }
    throw interruptedError(url, error, written);
  }
  await file.close();
  reporter.finish(written);

  if (total !== null && written < total) {
    throw interruptedError(
      url,
      new Error(`connection closed at ${written} of ${total} bytes`),
      written,
    );
  }
  if (total !== null && written > total) {
    await discardPart(partPath);
    throw new DownloadError(
      `${url} sent ${written} bytes, more than the ${total} it announced; the file was deleted`,
      false,
    );
  }
  return finish(partPath, metadataPath, hash, written, options, options.resumed);
}

async function writeChunk(
  file: Awaited<ReturnType<typeof open>>,
  chunk: Uint8Array,
  partPath: string,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, done, chunk.byteLength - done);
    if (bytesWritten === 0) {
      throw new DownloadError(`writing ${partPath} made no progress at byte ${position}`, true);
    }
    done += bytesWritten;
  }
}

async function finish(
  partPath: string,
  metadataPath: string,
  hash: Hash,
  size: number,
  options: TransferOptions,
  resumed: boolean,
): Promise<TransferResult> {
  const sha256 = hash.digest('hex');
  if (options.expectedSize != null && size !== options.expectedSize) {
    await discardPart(partPath);
    throw new DownloadError(
      `size mismatch: downloaded ${size} bytes, expected ${options.expectedSize}; the file was deleted`,
      false,
    );
  }
  if (options.expectedSha256 && sha256 !== options.expectedSha256) {
    await discardPart(partPath);
    throw new DownloadError(
      `SHA-256 mismatch: expected ${options.expectedSha256}, got ${sha256}; the file was deleted`,
      false,
    );
  }
  await rm(metadataPath, { force: true });
  return { path: partPath, sizeBytes: size, sha256, resumed };
}

function progressReporter(
  resumedFrom: number,
  total: number | null,
  listener: ((progress: DownloadProgress) => void) | undefined,
  intervalMs = DEFAULT_PROGRESS_INTERVAL_MS,
) {
  const samples: Array<{ time: number; bytes: number }> = [
    { time: Date.now(), bytes: resumedFrom },
  ];
  let lastEmit = 0;

  const emit = (bytes: number, now: number) => {
    samples.push({ time: now, bytes });
    while (samples.length > 2 && now - samples[0].time > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const elapsed = (now - first.time) / 1000;
    const bytesPerSecond = elapsed > 0 ? (bytes - first.bytes) / elapsed : 0;
    const etaSeconds =
      total !== null && bytesPerSecond > 0 ? Math.max(0, (total - bytes) / bytesPerSecond) : null;
    listener?.({ bytes, total, bytesPerSecond, etaSeconds, resumedFrom });
    lastEmit = now;
  };

  return {
    update(bytes: number) {
      const now = Date.now();
      if (listener && now - lastEmit >= intervalMs) emit(bytes, now);
    },
    finish(bytes: number) {
      if (listener) emit(bytes, Date.now());
    },
  };
}

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function readPartMetadata(path: string): Promise<PartMetadata | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PartMetadata;
  } catch {
    return null;
  }
}

/** Deletes a part file and its metadata; returns the bytes freed (0 when there was none). */
async function discardPart(partPath: string, reportSize = false): Promise<number> {
  const size = reportSize ? await partSize(partPath) : 0;
  await rm(partPath, { force: true });
  await rm(`${partPath}.json`, { force: true });
  return size;
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

function contentLength(response: Response): number | null {
  const value = response.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}

/** Parses a Content-Range value: `bytes START-END/TOTAL`, or `bytes *\/TOTAL` on a 416. */
function parseContentRange(
  header: string | null,
): { start: number | null; total: number | null } | null {
  const match = header ? /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!match) return null;
  return {
    start: match[1] === undefined ? null : Number(match[1]),
    total: match[2] === '*' ? null : Number(match[2]),
  };
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return texts[status] ?? 'error';
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = (current as Error).cause;
  }
  return undefined;
}

function causeMessage(error: unknown): string {
  const cause = (error as Error).cause;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function isAbort(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'AbortError' || errorCode(error) === 'ABORT_ERR')
  );
}

function networkError(url: string, error: unknown, keptPartial: boolean): DownloadError {
  if (isAbort(error)) {
    return new DownloadError(`download of ${url} cancelled`, keptPartial, { cause: error });
  }
  const host = new URL(url).host;
  return new DownloadError(`cannot reach ${host}: ${causeMessage(error)}`, keptPartial, {
    cause: error,
  });
}

function interruptedError(url: string, error: unknown, bytes: number): DownloadError {
  const resume = bytes > 0 ? '; run the download again to resume' : '';
  if (isAbort(error)) {
    return new DownloadError(
      `download of ${url} cancelled after ${bytes} bytes${resume}`,
      bytes > 0,
      {
        cause: error,
      },
    );
  }
  return new DownloadError(
    `download of ${url} interrupted after ${bytes} bytes (${causeMessage(error)})${resume}`,
    bytes > 0,
    { cause: error },
  );
}

export interface DownloadModelOptions extends Omit<
  TransferOptions,
  'expectedSize' | 'expectedSha256'
> {
  modelsDir: string;
  variant?: ModelVariant;
  /** Replace an installed model with the same id. */
  replace?: boolean;
  /** Hub endpoint; defaults to `HF_ENDPOINT` or https://huggingface.co. */
  endpoint?: string;
  /** SHA-256 to check when the catalogue pins none, for example one published by a mirror. */
  sha256?: string;
}

export interface DownloadedModel extends InstalledModel {
  /** False when the catalogue pins no SHA-256, so the digest was computed, not checked. */
  sha256Verified: boolean;
  resumed: boolean;
}

/**
 * Downloads a catalogue model into the models folder: transfer with resume, size and SHA-256
 * check, validation with inspectModel, then an atomic rename to `<modelsDir>/<id>.onnx` and
 * a sidecar.
 */
export async function downloadModel(
  catalogId: string,
  options: DownloadModelOptions,
): Promise<DownloadedModel> {
  const entry = requireEntry(catalogId);
  const variant = options.variant ?? 'fp32';
  const file = catalogFile(entry, variant);
  if (!file) {
    throw new ModelStoreError(
      entry.files.length === 0
        ? `${entry.name} (${entry.id}) has no published ONNX export to download; import one with: deit-tagger models import FILE --id ${entry.id}`
        : `${entry.id} has no ${variant} download; available: ${entry.files.map((f) => f.variant).join(', ')}`,
    );
  }

  const id = assertModelId(installedIdFor(entry.id, variant));
  const url = downloadUrl(file, options.endpoint);
  const partDir = join(options.modelsDir, PARTIAL_DIR);
  await mkdir(partDir, { recursive: true });
  const partPath = join(partDir, `${id}.onnx.part`);

  const release = await lockPart(partPath);
  try {
    const result = await transferToFile(url, partPath, {
      ...options,
      expectedSize: file.sizeBytes,
      expectedSha256: file.sha256 ?? options.sha256?.toLowerCase() ?? null,
    });

    let signature;
    try {
      signature = await inspectModel(partPath);
    } catch (error) {
      await rm(partPath, { force: true });
      if (error instanceof ModelValidationError) {
        throw new DownloadError(
          `${url} is not a usable model (${error.message.replace(`${partPath}: `, '')}); the file was deleted`,
          false,
          { cause: error },
        );
      }
      throw error;
    }

    const installed = await installStagedModel(
      options.modelsDir,
      partPath,
      {
        id,
        name: variant === 'fp32' ? entry.name : `${entry.name} (8-bit)`,
        origin: 'catalog',
        catalogId: entry.id,
        variant,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
        signature,
        preprocessing: entry.preprocessing,
        installedAt: Date.now(),
        from: url,
      },
      options,
    );
    const sha256Verified = file.sha256 !== null || options.sha256 !== undefined;
    return { ...installed, sha256Verified, resumed: result.resumed };
  } finally {
    await release();
  }
}

function requireEntry(catalogId: string): CatalogEntry {
  const entry = catalogEntry(catalogId);
  if (!entry) throw new ModelStoreError(`unknown model "${catalogId}": not in the catalogue`);
  return entry;
}

/**
 * Takes an exclusive lock on a part file, so two processes (the app and the command line)
 * never append to the same file. A lock whose process has exited is taken over.
 */
async function lockPart(partPath: string): Promise<() => Promise<void>> {
  const lockPath = `${partPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(lockPath, 'utf8').catch(() => ''));
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new DownloadError(
          `another download of this model is running (process ${owner}); wait for it to finish`,
          true,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new DownloadError(`cannot lock ${partPath}`, true);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
