/**
 * The one contract between the renderer and the back end. Both transports are generated from
 * the tables below: Electron IPC (electron/main binds `API_REQUESTS` with `bindApi`, the preload
 * script exposes a `DeitTaggerBridge`) and HTTP (`deit-tagger serve` posts to `/api/<name>` and
 * streams events from `/api/events`). No channel name or payload shape is written anywhere else.
 *
 * The renderer imports only types from this file; the zod schemas run on the back end.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Results and errors

/**
 * Stable error codes. The renderer translates each one (renderer/src/i18n), so never rename one;
 * add a new code instead.
 */
export const ERROR_CODES = [
  'invalid-input', // the request failed schema validation
  'not-found', // no photo, folder or request with that id or name
  'scan-busy', // a scan is already running
  'no-scan', // pause, resume or cancel without a running scan
  'no-model', // tagging needs a model and none is installed or active
  'folder-invalid', // the folder does not exist, is not a folder or cannot be read
  'unsupported', // the request does not exist on this transport (a native dialog over HTTP)
  'model-invalid', // a model file is not a usable ImageNet-1k classifier, and the message gives the reason
  'unauthorized', // HTTP: the access token is missing or wrong; IPC: the sender is not the app's page
  'transport', // the client could not reach the back end
  'internal', // anything else; the message carries the cause
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** An error a handler throws on purpose; `bindApi` turns it into `{ ok: false, error }`. */
export class ApiException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiException';
  }
}

// ---------------------------------------------------------------------------------------------
// Payload types

export type Theme = 'system' | 'light' | 'dark';
export type Language = 'en' | 'ja';
export interface Settings {
  theme: Theme;
  language: Language;
  /** Execution provider of scans that do not name one; 'auto' tries the fastest first. */
  provider: ProviderPreference;
}

export interface ScanProgress {
  phase: 'walking' | 'comparing' | 'tagging' | 'done';
  done: number;
  total: number;
  /** Photos tagged per second, averaged over the last few seconds. */
  perSecond: number;
  etaSeconds: number | null;
  errors: number;
  paused: boolean;
}

/** ONNX Runtime execution providers the app tries, in electron/core/model/providers.ts. */
export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
export const PROVIDER_PREFERENCES = ['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderPreference = (typeof PROVIDER_PREFERENCES)[number];

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  reason?: string;
}

export interface ScanSummary {
  tagged: number;
  unchanged: number;
  moved: number;
  missing: number;
  failed: number;
  failures: Array<{ cause: string; count: number }>;
  warnings: string[];
  cancelled: boolean;
  model: string;
  provider: string;
  providerAttempts: ProviderAttempt[];
  durationMs: number;
}

export interface ScanStatus {
  running: boolean;
  progress: ScanProgress | null;
  last: ScanSummary | null;
}

export interface LibraryStats {
  photos: number;
  tagged: number;
  failed: number;
  missing: number;
  pending: number;
  folders: string[];
  activeModel: string | null;
  lastScan: ScanSummary | null;
}

export interface PhotoLabel {
  /** ImageNet-1k class index, or null for a free-text tag. */
  classIndex: number | null;
  /** Short display name ("tabby cat") or the free-text tag. */
  name: string;
  /** Softmax probability for model labels, null for manual ones. */
  score: number | null;
  source: 'model' | 'manual';
  /** The user's verdict on this label: confirmed, rejected, or added by hand. */
  verdict: 'added' | 'confirmed' | 'rejected' | null;
}

/** One cell of the thumbnail grid. */
export interface PhotoSummary {
  id: number;
  name: string;
  takenAt: number;
  width: number | null;
  height: number | null;
  status: 'pending' | 'tagged' | 'failed' | 'missing';
  /** The best label that is not rejected, or null. */
  label: { name: string; score: number | null } | null;
  /** Score of the label the query matched, when sorting by score. */
  matchScore: number | null;
}

export interface PhotoDetail {
  id: number;
  path: string;
  folder: string;
  name: string;
  size: number;
  format: string | null;
  width: number | null;
  height: number | null;
  /** EXIF DateTimeOriginal, else the modification time; ms since the Unix epoch. */
  takenAt: number;
  camera: string | null;
  status: PhotoSummary['status'];
  error: string | null;
  model: string | null;
  /** Top-5 model labels by score, then manual labels. */
  labels: PhotoLabel[];
}

export interface SearchPage {
  items: PhotoSummary[];
  /** Pass back as `cursor` to get the next page; null at the end. */
  nextCursor: string | null;
  /**
   * Number of photos matching the query and filters, or null when counting them would cost a
   * full search (text queries with more pages to come).
   */
  total: number | null;
}

export interface Suggestion {
  /** Text to put in the search box. */
  text: string;
  kind: 'class' | 'synonym' | 'hypernym' | 'tag';
  /** Number of photos the suggestion finds. */
  count: number;
  /** For synonyms and hypernyms: the class name or chain it stands for. */
  detail: string | null;
}

export interface ModelInfo {
  id: string;
  name: string;
  installed: boolean;
  active: boolean;
  /** ImageNet top-1 accuracy in percent, where published. */
  top1: number | null;
  sizeBytes: number | null;
}

export interface ModelsInfo {
  active: ModelInfo | null;
  /**
   * Execution provider of the last scan or provider check in this process ('cpu', 'cuda'...),
   * else of the last stored scan; null before the first one.
   */
  provider: string | null;
  providerAttempts: ProviderAttempt[];
  models: ModelInfo[];
  modelsDir: string;
}

export interface ModelDownloadProgress {
  id: string;
  /** Bytes on disk so far, including a part kept from an interrupted download. */
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

/** One row of the model manager: a catalogue entry or variant, or an imported model. */
export interface ModelListItem extends ModelInfo {
  distilled: boolean | null;
  /** True when the catalogue has a published ONNX file to download. */
  downloadable: boolean;
  /** SHA-256 of the installed file, else the one the catalogue pins; null when unknown. */
  sha256: string | null;
  origin: 'catalog' | 'import' | 'unregistered' | 'catalog-available';
  /** Progress of a download running in this process, else null. */
  download: ModelDownloadProgress | null;
}

export interface ModelDownloadDone {
  id: string;
  outcome: 'installed' | 'cancelled' | 'failed';
  /** Cause of a failure, null otherwise. */
  message: string | null;
}

/** Result of loading the active model once on each execution provider in turn. */
export interface ProviderCheck {
  model: string;
  /** The provider the model runs on, null when none could run it. */
  provider: ProviderName | null;
  attempts: ProviderAttempt[];
}

/** Ids of every photo a search finds, for "select all". */
export interface PhotoIds {
  ids: number[];
  /** True when more photos match than MAX_SELECTION; `ids` then contains the first ones. */
  truncated: boolean;
}

/** Menu commands the main process forwards to the renderer. */
export type UiCommand = 'export' | 'add-folder' | 'scan' | 'settings';

export type ExportResult =
  | { kind: 'download'; url: string; fileName: string }
  | { kind: 'saved'; path: string }
  | { kind: 'cancelled' };

// ---------------------------------------------------------------------------------------------
// Input schemas

/** Maximum number of photo ids in one labelling request, and so in one "select all". */
export const MAX_SELECTION = 100_000;

const photoId = z.number().int().positive();
const photoIds = z.array(photoId).min(1).max(MAX_SELECTION);
const classIndex = z.number().int().min(0).max(999);
const folderPath = z.string().trim().min(1).max(4096);
const empty = z.object({}).strict();
const modelId = z.string().trim().min(1).max(80);

export const searchFiltersSchema = z
  .object({
    folder: folderPath.optional(),
    /** Minimum score of the matched label, 0 to 1. */
    minScore: z.number().min(0).max(1).optional(),
    source: z.enum(['any', 'model', 'manual']).optional(),
  })
  .strict();

export const searchQuerySchema = z
  .object({
    query: z.string().max(500),
    filters: searchFiltersSchema.default({}),
    sort: z.enum(['score', 'date']).default('score'),
  })
  .strict();

export type SearchFilters = z.input<typeof searchFiltersSchema>;
export type SearchQuery = z.input<typeof searchQuerySchema>;

// ---------------------------------------------------------------------------------------------
// The request table

declare const outputType: unique symbol;

/** A request's input schema; its output type rides along as a type-only marker. */
export interface RequestDef<I extends z.ZodType, O> {
  readonly input: I;
  readonly [outputType]?: O;
}

function request<O>() {
  return <I extends z.ZodType>(input: I): RequestDef<I, O> => ({ input });
}

export const API_REQUESTS = {
  'library.stats': request<LibraryStats>()(empty),

  'folders.list': request<string[]>()(empty),
  'folders.add': request<string[]>()(z.object({ path: folderPath }).strict()),
  'folders.remove': request<string[]>()(z.object({ path: folderPath }).strict()),
  /**
   * Electron only: opens the native folder picker, which takes several folders, and returns
   * the chosen ones ([] when the user cancels). It does not add them.
   */
  'folders.pick': request<{ paths: string[] }>()(empty),

  'scan.start': request<ScanStatus>()(
    z
      .object({
        /** Folders to scan; all library folders when left out. */
        folders: z.array(folderPath).optional(),
        /** Also re-tag unchanged photos whose labels come from another model. */
        retag: z.boolean().optional(),
        /** Execution provider for this scan; the `provider` setting when left out. */
        provider: z.enum(PROVIDER_PREFERENCES).optional(),
      })
      .strict(),
  ),
  'scan.pause': request<ScanStatus>()(empty),
  'scan.resume': request<ScanStatus>()(empty),
  'scan.cancel': request<ScanStatus>()(empty),
  'scan.status': request<ScanStatus>()(empty),
  'scan.failures': request<Array<{ id: number; path: string; error: string }>>()(
    z.object({ limit: z.number().int().min(1).max(10_000).default(500) }).strict(),
  ),

  'photos.search': request<SearchPage>()(
    searchQuerySchema.extend({
      cursor: z.string().max(200).nullable().default(null),
      limit: z.number().int().min(1).max(1000).default(200),
    }),
  ),
  /** Ids of every photo the search finds, in its order, up to MAX_SELECTION. */
  'photos.ids': request<PhotoIds>()(searchQuerySchema),
  'photos.get': request<PhotoDetail>()(z.object({ id: photoId }).strict()),
  /**
   * Electron only: shows the photo's file in the system file manager. `revealed` is false when
   * the file is gone.
   */
  'photos.reveal': request<{ revealed: boolean }>()(z.object({ id: photoId }).strict()),
  'search.suggest': request<Suggestion[]>()(
    z
      .object({ prefix: z.string().max(100), limit: z.number().int().min(1).max(50).default(8) })
      .strict(),
  ),

  'labels.add': request<{ changed: number }>()(
    z.union([
      z.object({ photoIds, classIndex }).strict(),
      z.object({ photoIds, tag: z.string().trim().min(1).max(100) }).strict(),
    ]),
  ),
  'labels.confirm': request<{ changed: number }>()(z.object({ photoIds, classIndex }).strict()),
  'labels.reject': request<{ changed: number }>()(z.object({ photoIds, classIndex }).strict()),

  export: request<ExportResult>()(
    z
      .object({
        format: z.enum(['csv', 'json']),
        /** CSV only: one row per photo with label columns, instead of one row per label. */
        wide: z.boolean().default(false),
        /** CSV only: start with a UTF-8 byte order mark, which Excel needs to read UTF-8. */
        bom: z.boolean().default(false),
        /** Export only the photos this search finds; the whole library when left out. */
        search: searchQuerySchema.optional(),
      })
      .strict(),
  ),

  'models.info': request<ModelsInfo>()(empty),
  'models.list': request<ModelListItem[]>()(empty),
  'models.use': request<ModelListItem[]>()(z.object({ id: modelId }).strict()),
  /** Validates a local ONNX file and copies it into the models folder. */
  'models.import': request<ModelListItem[]>()(
    z.object({ path: folderPath, id: modelId.optional() }).strict(),
  ),
  /** Electron only: opens the native file picker for an `.onnx` file; null when cancelled. */
  'models.pickFile': request<{ path: string | null }>()(empty),
  /**
   * Starts a catalogue download in the background and returns at once; `models.progress` and
   * then `models.done` report it.
   */
  'models.download': request<ModelListItem[]>()(z.object({ id: modelId }).strict()),
  'models.cancelDownload': request<{ cancelled: boolean }>()(z.object({ id: modelId }).strict()),
  'models.remove': request<ModelListItem[]>()(z.object({ id: modelId }).strict()),
  /** Loads the active model once, trying each execution provider of this machine in turn. */
  'models.checkProviders': request<ProviderCheck>()(empty),

  'settings.get': request<Settings>()(empty),
  'settings.set': request<Settings>()(
    z
      .object({
        theme: z.enum(['system', 'light', 'dark']).optional(),
        language: z.enum(['en', 'ja']).optional(),
        provider: z.enum(PROVIDER_PREFERENCES).optional(),
      })
      .strict(),
  ),
} as const;

export type ApiRequests = typeof API_REQUESTS;
export type RequestName = keyof ApiRequests;
/** Input as a caller passes it, before defaults are applied. */
export type RequestInput<N extends RequestName> = z.input<ApiRequests[N]['input']>;
/** Input as a handler receives it: validated, with defaults applied. */
export type ParsedInput<N extends RequestName> = z.output<ApiRequests[N]['input']>;
export type RequestOutput<N extends RequestName> =
  ApiRequests[N] extends RequestDef<z.ZodType, infer O> ? O : never;

export const REQUEST_NAMES = Object.keys(API_REQUESTS) as RequestName[];

export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(API_REQUESTS, name);
}

// ---------------------------------------------------------------------------------------------
// Events

export interface ApiEvents {
  'scan.progress': ScanProgress;
  'scan.done': ScanSummary;
  /** Photos, labels or folders changed: views re-run their queries. */
  'library.changed': { reason: 'scan' | 'labels' | 'folders' | 'settings' | 'models' };
  'models.progress': ModelDownloadProgress;
  'models.done': ModelDownloadDone;
  /** Electron only: a menu item the renderer carries out, such as opening its export dialog. */
  'ui.command': { command: UiCommand };
}
export type EventName = keyof ApiEvents;

export const EVENT_NAMES = [
  'scan.progress',
  'scan.done',
  'library.changed',
  'models.progress',
  'models.done',
  'ui.command',
] as const satisfies readonly EventName[];

/** Names the IPC channel of a request or event, for electron/main and electron/preload. */
export function ipcChannel(name: RequestName | EventName): string {
  return `deit-tagger:${name}`;
}

// ---------------------------------------------------------------------------------------------
// Binding handlers to a transport

export type MediaKind = 'thumbnail' | 'original';

/** The back end's side: one function per request. `bindApi` validates inputs before calling. */
export type ApiHandlers = {
  [N in RequestName]: (input: ParsedInput<N>) => RequestOutput<N> | Promise<RequestOutput<N>>;
};

/** Receives every error a handler throws that is not an ApiException (for logging). */
export type UnexpectedErrorListener = (name: RequestName, error: unknown) => void;

export type Dispatch = (name: string, input: unknown) => Promise<Result<unknown>>;

/**
 * Wraps handlers into one dispatch function shared by every transport: it rejects unknown
 * names, validates the input with the request's schema and turns every throw into a Result,
 * so nothing crosses a transport as an untyped exception.
 */
export function bindApi(handlers: ApiHandlers, onUnexpected?: UnexpectedErrorListener): Dispatch {
  return async (name, input) => {
    if (!isRequestName(name)) {
      return { ok: false, error: { code: 'not-found', message: `unknown request: ${name}` } };
    }
    const parsed = API_REQUESTS[name].input.safeParse(input ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid-input', message: `${name}: ${z.prettifyError(parsed.error)}` },
      };
    }
    try {
      const handler = handlers[name] as (input: unknown) => unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof ApiException) {
        return { ok: false, error: { code: error.code, message: error.message } };
      }
      onUnexpected?.(name, error);
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { code: 'internal', message } };
    }
  };
}

/** A typed event sink the back end publishes to; each transport forwards it. */
export type EmitEvent = <E extends EventName>(name: E, payload: ApiEvents[E]) => void;

/**
 * The renderer's connection to the back end. The preload script exposes one as
 * `window.deitTagger`, and over HTTP the renderer builds one from fetch and EventSource.
 */
export interface DeitTaggerBridge {
  request<N extends RequestName>(
    name: N,
    input: RequestInput<N>,
  ): Promise<Result<RequestOutput<N>>>;
  on<E extends EventName>(name: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /** URL of a photo's thumbnail or original, by id only (`photo://` in Electron). */
  mediaUrl(kind: MediaKind, id: number): string;
  /** 'electron' shows native pickers and save dialogs; 'http' uses text fields and downloads. */
  readonly transport: 'electron' | 'http';
}
