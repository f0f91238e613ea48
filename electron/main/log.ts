/**
 * Logging for the main process: JSON lines to a rotating file in the app's data folder, and a
 * readable line to the console. Plain Node, no Electron import, so tests and other Node entry
 * points can use it too.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra fields of a log record; an Error becomes its name, message and stack. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Returns a logger whose records carry `module` (a short prefix such as 'ipc' or 'scan'). */
  child(module: string): Logger;
}

export interface LogRecord {
  time: string;
  level: LogLevel;
  module: string;
  message: string;
  [field: string]: unknown;
}

export interface RotatingFileOptions {
  /** The current log file; older ones get `.1`, `.2`... appended. */
  file: string;
  /** Size in bytes at which the current file is rotated. */
  maxBytes: number;
  /** Number of files kept, the current one included. */
  maxFiles: number;
}

/** Default rotation: 5 MB per file, the current file and two older ones. */
export const DEFAULT_ROTATION = { maxBytes: 5 * 1024 * 1024, maxFiles: 3 } as const;

/**
 * Appends lines to a file and rotates it once it would grow past `maxBytes`:
 * `main.log` becomes `main.log.1`, `main.log.1` becomes `main.log.2`, and the oldest is deleted.
 * Writes are synchronous so that the last lines before a crash reach the disk.
 */
export class RotatingFile {
  #size: number;

  constructor(readonly options: RotatingFileOptions) {
    if (options.maxBytes < 1)
      throw new RangeError(`maxBytes must be positive: ${options.maxBytes}`);
    if (options.maxFiles < 1)
      throw new RangeError(`maxFiles must be positive: ${options.maxFiles}`);
    mkdirSync(dirname(options.file), { recursive: true });
    this.#size = statSync(options.file, { throwIfNoEntry: false })?.size ?? 0;
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.options.maxBytes) this.rotate();
    appendFileSync(this.options.file, line);
    this.#size += bytes;
  }

  /** Returns the paths of the kept files, newest first. */
  files(): string[] {
    const { file, maxFiles } = this.options;
    return Array.from({ length: maxFiles }, (_, i) => (i === 0 ? file : `${file}.${i}`));
  }

  private rotate(): void {
    const files = this.files();
    const oldest = files.at(-1);
    if (oldest !== undefined) rmSync(oldest, { force: true });
    for (let i = files.length - 1; i > 0; i--) {
      const from = files[i - 1];
      const to = files[i];
      if (from === undefined || to === undefined) continue;
      if (statSync(from, { throwIfNoEntry: false })) renameSync(from, to);
    }
    this.#size = 0;
  }
}

export interface LoggerOptions {
  /** Records below this level are dropped. */
  level?: LogLevel;
  /** Destination of the JSON lines; none when left out. */
  file?: RotatingFile;
  /**
   * Destination of readable lines; by default `console.error` for warnings and errors, else
   * `console.log`. Null turns console output off.
   */
  console?: ((level: LogLevel, line: string) => void) | null;
  now?: () => Date;
}

const HOME = homedir();

/**
 * Replaces the home folder in a string with `~`, so log lines shared in a bug report do not
 * carry the user's account name. A safety net only: info lines should name files by
 * `fileLabel` in the first place.
 */
export function redactHome(text: string, home = HOME): string {
  return home.length > 1 ? text.split(home).join('~') : text;
}

/** Returns the last path segment, for naming a file or folder in an info-level line. */
export function fileLabel(path: string): string {
  return basename(path) || path;
}

function serializeField(value: unknown): unknown {
  if (typeof value === 'string') return redactHome(value);
  if (value instanceof Error) {
    const { name, message, stack } = value;
    return { name, message: redactHome(message), stack: stack && redactHome(stack) };
  }
  return value;
}

/** Formats a record as `time LEVEL module message key=value...` for the console. */
export function formatReadable(record: LogRecord): string {
  const { time, level, module, message, ...fields } = record;
  const extra = Object.entries(fields).map(([key, value]) => {
    const shown =
      typeof value === 'object' && value !== null && 'message' in value
        ? String(value.message)
        : JSON.stringify(value);
    return `${key}=${shown}`;
  });
  return [time, level.toUpperCase().padEnd(5), module, message, ...extra].join(' ');
}

function defaultConsole(level: LogLevel, line: string): void {
  if (level === 'warn' || level === 'error') console.error(line);
  else console.log(line);
}

/** Creates the root logger; `child(module)` gives each module its prefix. */
export function createLogger(options: LoggerOptions = {}, module = 'main'): Logger {
  const minRank = LEVEL_RANK[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const toConsole = options.console === undefined ? defaultConsole : options.console;

  const write = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (LEVEL_RANK[level] < minRank) return;
    const time = now().toISOString();
    const record: LogRecord = { time, level, module, message: redactHome(message) };
    for (const [key, value] of Object.entries(fields)) {
      if (!(key in record)) record[key] = serializeField(value);
    }
    try {
      options.file?.write(`${JSON.stringify(record)}\n`);
    } catch (error) {
      // A full disk or a deleted log folder must not take the app down with it.
      toConsole?.('error', `log file write failed: ${String(error)}`);
    }
    toConsole?.(level, formatReadable(record));
  };

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (name) => createLogger(options, name),
  };
}

/**
 * Creates the app's logger, writing to `<logsDir>/main.log` with the default rotation. When the
 * folder cannot be created (a read-only data folder), it warns and logs to the console only,
 * because a missing log file is no reason to keep the app from starting.
 */
export function createFileLogger(logsDir: string, level: LogLevel = 'info'): Logger {
  let file: RotatingFile;
  try {
    file = new RotatingFile({ file: join(logsDir, 'main.log'), ...DEFAULT_ROTATION });
  } catch (error) {
    const log = createLogger({ level });
    log.warn('cannot create the log file; logging to the console only', { error });
    return log;
  }
  return createLogger({ level, file });
}
