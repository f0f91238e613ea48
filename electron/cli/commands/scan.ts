import { resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { Library, type ScanProgress, type ScanSummary } from '../../core/library.js';
import { defaultPaths } from '../../core/paths.js';
import { PROVIDER_NAMES, type ProviderName } from '../../core/model/providers.js';
import { formatDuration, progressLine } from '../format.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { printable } from '../printable.js';

export const SCAN_HELP = `Usage: deit-tagger scan FOLDER... [options]

Tags every new or changed photo below the folders and stores the labels.

Options:
  --db FILE          library database (default: ${defaultPaths().database})
  --model FILE       ONNX model file (default: the library's active model)
  --models-dir DIR   folder of installed models (default: ${defaultPaths().modelsDir})
  --provider NAME    execution provider: auto, ${PROVIDER_NAMES.join(', ')} (default: auto)
  --retag            also re-tag photos that lack labels from the model
  --batch-size N     photos per inference batch (default: chosen by the provider)
`;

/** Runs `scan`: exits 0 when the scan finishes, even when some files failed. */
export async function runScanCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      model: { type: 'string' },
      'models-dir': { type: 'string' },
      provider: { type: 'string', default: 'auto' },
      retag: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(SCAN_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('scan needs at least one FOLDER');
  const provider = values.provider;
  if (provider !== 'auto' && !PROVIDER_NAMES.includes(provider as ProviderName)) {
    throw new UsageError(`unknown provider "${provider}"; use auto, ${PROVIDER_NAMES.join(', ')}`);
  }
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new UsageError(`--batch-size must be a positive integer, got ${values['batch-size']}`);
  }

  const library = Library.open({
    database: values.db ?? defaultPaths().database,
    modelsDir: values['models-dir'],
  });
  try {
    const job = library.startScan({
      folders: positionals,
      modelPath: values.model,
      provider: provider as ProviderName | 'auto',
      retag: values.retag,
      batchSize,
    });
    const reporter = progressReporter(io);
    job.onProgress(reporter.update);
    const stop = (): void => job.cancel();
    process.once('SIGINT', stop);
    try {
      const summary = await job.done;
      reporter.finish();
      io.stdout(formatSummary(summary));
      if (summary.failed > 0)
        io.stdout(
          formatFailures(
            library,
            positionals.map((p) => resolve(p)),
          ),
        );
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  } finally {
    await library.close();
  }
}

/** Draws a progress bar on a terminal, and plain lines at most every few seconds otherwise. */
function progressReporter(io: CliIO): {
  update: (progress: ScanProgress) => void;
  finish: () => void;
} {
  let lastLine = 0;
  let drawn = false;
  return {
    update(progress) {
      if (progress.phase !== 'tagging' || progress.total === 0) return;
      if (io.isTTY) {
        io.stderr(`\r${progressLine(progress, process.stderr.columns ?? 80)}\x1b[K`);
        drawn = true;
        return;
      }
      const now = Date.now();
      if (now - lastLine < 2000 && progress.done < progress.total) return;
      lastLine = now;
      io.stderr(`${progressLine(progress, 0)}\n`);
    },
    finish() {
      if (drawn) io.stderr('\n');
    },
  };
}

const LISTED_FAILURES = 20;

/** Lists the failed files below the scanned folders, the first few with their causes. */
function formatFailures(library: Library, folders: readonly string[]): string {
  const failed = library
    .failures(Number.MAX_SAFE_INTEGER)
    .filter((file) => folders.some((folder) => file.path.startsWith(folder + sep)));
  const lines = ['Failed files:'];
  for (const file of failed.slice(0, LISTED_FAILURES))
    lines.push(`  ${printable(file.path)}: ${printable(file.error)}`);
  if (failed.length > LISTED_FAILURES) {
    lines.push(
      `  ... and ${failed.length - LISTED_FAILURES} more (\`deit-tagger export --format json\` lists all)`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Formats the end-of-scan summary, with the causes of failures grouped. */
export function formatSummary(summary: ScanSummary): string {
  const lines = [
    `${summary.cancelled ? 'Scan cancelled' : 'Scan finished'} in ${formatDuration(summary.durationMs / 1000)}` +
      (summary.provider === 'none' ? '' : ` (model ${summary.model} on ${summary.provider})`),
    `  tagged     ${summary.tagged}`,
    `  unchanged  ${summary.unchanged}`,
    `  moved      ${summary.moved}`,
    `  missing    ${summary.missing}`,
    `  failed     ${summary.failed}`,
  ];
  for (const { cause, count } of summary.failures) lines.push(`    ${count} × ${cause}`);
  const skipped = summary.providerAttempts.filter((attempt) => !attempt.ok);
  if (skipped.length > 0) {
    const names = skipped.map((attempt) => attempt.provider).join(', ');
    lines.push(`  (${names} not available: \`deit-tagger info\` shows why)`);
  }
  for (const warning of summary.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n') + '\n';
}
