import type { ProviderAttempt, ProviderName } from '../model/providers.js';
import type { ResolvedModel } from '../model/resolve.js';

export interface ScanProgress {
  phase: 'walking' | 'comparing' | 'tagging' | 'done';
  /** Files processed so far in the tagging phase. */
  done: number;
  /** Files the tagging phase will process. */
  total: number;
  /** Files per second, averaged over the last few seconds. */
  perSecond: number;
  etaSeconds: number | null;
  errors: number;
  paused: boolean;
}

export interface ScanSummary {
  tagged: number;
  unchanged: number;
  moved: number;
  missing: number;
  failed: number;
  /** Causes of failure, most frequent first. */
  failures: Array<{ cause: string; count: number }>;
  warnings: string[];
  cancelled: boolean;
  model: string;
  provider: string;
  providerAttempts: ProviderAttempt[];
  durationMs: number;
}

/** Everything the scan worker needs; it must survive structured cloning. */
export interface ScanRequest {
  database: string;
  thumbnailsDir: string;
  folders: string[];
  model: ResolvedModel;
  provider: ProviderName | 'auto';
  retag: boolean;
  batchSize?: number;
}

export type WorkerCommand = { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

export type WorkerEvent =
  | { type: 'progress'; progress: ScanProgress }
  | { type: 'done'; summary: ScanSummary }
  | { type: 'failed'; message: string };
