import { parseArgs } from 'node:util';
import { Library } from '../../core/library.js';
import { Classifier } from '../../core/model/classifier.js';
import {
  PROVIDER_LABELS,
  PROVIDER_NAMES,
  precheckProvider,
  providerOrder,
  type ProviderAttempt,
  type ProviderName,
} from '../../core/model/providers.js';
import { modelFromFile, type ResolvedModel } from '../../core/model/resolve.js';
import { defaultPaths } from '../../core/paths.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { printable } from '../printable.js';

export const INFO_HELP = `Usage: deit-tagger info [options]

Shows the library's photo counts, folders, active model and the execution provider in use.

Options:
  --db FILE          library database (default: ${defaultPaths().database})
  --model FILE       probe providers with this model instead of the active one
  --models-dir DIR   folder of installed models (default: ${defaultPaths().modelsDir})
  --provider NAME    probe only this provider: ${PROVIDER_NAMES.join(', ')}
  --json             print JSON
`;

interface ProviderReport {
  model: string | null;
  provider: string | null;
  attempts: ProviderAttempt[];
  error?: string;
}

/** Runs `info`. Probing the providers loads the model and runs one batch on each candidate. */
export async function runInfo(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      model: { type: 'string' },
      'models-dir': { type: 'string' },
      provider: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(INFO_HELP);
    return 0;
  }
  const forced = values.provider as ProviderName | undefined;
  if (forced !== undefined && !PROVIDER_NAMES.includes(forced)) {
    throw new UsageError(`unknown provider "${forced}"; use ${PROVIDER_NAMES.join(', ')}`);
  }

  const library = Library.open({
    database: values.db ?? defaultPaths().database,
    modelsDir: values['models-dir'],
  });
  try {
    const stats = library.stats();
    const model = chooseModel(library, values.model);
    const providers = await probeProviders(model, forced);
    if (values.json) {
      io.stdout(
        JSON.stringify({ database: library.databasePath, ...stats, providers }, null, 2) + '\n',
      );
      return 0;
    }
    const lines = [
      `Library    ${printable(library.databasePath)}`,
      `Photos     ${stats.photos} (${stats.tagged} tagged, ${stats.failed} failed, ${stats.missing} missing, ${stats.pending} pending)`,
      `Folders    ${stats.folders.length === 0 ? '(none added)' : stats.folders.map(printable).join('\n           ')}`,
      `Model      ${stats.activeModel ?? (providers.model ? `${providers.model} (used by the next scan)` : '(none installed)')}`,
      `Provider   ${providers.provider ? PROVIDER_LABELS[providers.provider as ProviderName] : '(not probed)'}` +
        (providers.model ? `, probed with ${providers.model}` : ''),
    ];
    for (const attempt of providers.attempts) {
      const usable = providers.provider ? 'in use' : 'available';
      const status = attempt.ok ? usable : `not available: ${attempt.reason ?? 'failed'}`;
      lines.push(`  ${PROVIDER_LABELS[attempt.provider].padEnd(9)}${status}`);
    }
    if (providers.error) lines.push(`  ${providers.error}`);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  } finally {
    await library.close();
  }
}

function chooseModel(library: Library, path: string | undefined): ResolvedModel | null {
  if (path) return modelFromFile(path);
  try {
    return library.scanModel();
  } catch {
    return null;
  }
}

/** Loads the model on the preferred providers; without a model, only the static checks run. */
async function probeProviders(
  model: ResolvedModel | null,
  forced: ProviderName | undefined,
): Promise<ProviderReport> {
  const candidates = forced ? [forced] : providerOrder();
  if (!model) {
    const attempts = candidates.map((provider) => {
      const reason = precheckProvider(provider);
      return reason === null ? { provider, ok: true } : { provider, ok: false, reason };
    });
    return {
      model: null,
      provider: null,
      attempts,
      error: 'no model installed: the providers above passed only static checks',
    };
  }
  try {
    const classifier = await Classifier.load({
      modelPath: model.path,
      provider: forced ?? 'auto',
      imageSize: model.preprocessing?.size,
    });
    await classifier.close();
    return { model: model.id, provider: classifier.provider, attempts: classifier.attempts };
  } catch (error) {
    const attempts = (error as { attempts?: ProviderAttempt[] }).attempts ?? [];
    return { model: model.id, provider: null, attempts, error: (error as Error).message };
  }
}
