import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { DatabaseOpenError, openDatabase, type Db } from '../../core/db/database.js';
import { catalogEntry, defaultModelId, type ModelVariant } from '../../core/model/catalog.js';
import { downloadModel, DownloadError, type DownloadProgress } from '../../core/model/download.js';
import { ModelValidationError } from '../../core/model/inspect.js';
import {
  activeModel,
  hasGpuProvider,
  importModel,
  listModels,
  ModelStoreError,
  removeModel,
  setActiveModel,
  useModel,
  type InstalledModel,
  type ModelListing,
} from '../../core/model/store.js';
import { defaultPaths } from '../../core/paths.js';
import { formatBytes, formatDuration } from '../format.js';
import { UsageError, type CliIO } from '../io.js';
import { printable } from '../printable.js';
import { MAX_IMAGE_SIZE, MIN_IMAGE_SIZE } from '../../core/model/import-check.js';

export const MODELS_HELP = `Usage: deit-tagger models COMMAND [options]

Commands:
  list             list the catalogue and the installed models
  download [ID]    download a catalogue model (default: ${defaultModelId(true)} on a machine
                   with a GPU provider, ${defaultModelId(false)} without)
  import FILE      check that an ONNX file is an ImageNet-1k classifier and install a copy
  use ID           make an installed model the library's active model
  remove ID        delete an installed model; the labels it produced stay in the library

Options:
  --models-dir DIR   folder of installed models (default: ${defaultPaths().modelsDir})
  --db FILE          library database (default: ${defaultPaths().database})
  --json             list: print JSON
  --variant NAME     download: fp32 or quantized (default: fp32)
  --sha256 HEX       download: SHA-256 to check where the catalogue pins none
  --id ID            import: install under this id (default: derived from the file name)
  --crop-ratio R     import: centre-crop ratio (default: 0.875 below 384 px, 1.0 from 384 px)
  --image-size N     import: input size in pixels (16 to 1024), for a network whose height and
                     width are symbolic; the network is test-run once at this size
  --replace          download, import: replace an installed model with the same id
  --use              download, import: also make the model the active one

Downloads come from the Hugging Face hub (HF_ENDPOINT overrides it), only when asked. An
interrupted download resumes when the same command runs again.
`;

interface ModelsOptions {
  modelsDir: string;
  database: string;
  json: boolean;
  variant: ModelVariant;
  sha256?: string;
  id?: string;
  cropRatio?: number;
  imageSize?: number;
  replace: boolean;
  use: boolean;
}

/** Runs `models`: returns 0 on success, 1 when the operation failed, 2 for invalid usage. */
export async function runModels(args: string[], io: CliIO): Promise<number> {
  let parsed: { command: string | undefined; operands: string[]; options: ModelsOptions };
  try {
    parsed = parse(args);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`deit-tagger models: ${(error as Error).message}\n\n${MODELS_HELP}`);
      return 2;
    }
    throw error;
  }
  const { command, operands, options } = parsed;
  if (command === undefined || command === 'help') {
    io.stdout(MODELS_HELP);
    return command === undefined ? 2 : 0;
  }

  try {
    switch (command) {
      case 'list':
        return await listCommand(io, options);
      case 'download':
        return await downloadCommand(io, options, optionalOperand(operands, 'download'));
      case 'import':
        return await importCommand(io, options, requiredOperand(operands, 'import', 'FILE'));
      case 'use':
        return await useCommand(io, options, requiredOperand(operands, 'use', 'ID'));
      case 'remove':
        return await removeCommand(io, options, requiredOperand(operands, 'remove', 'ID'));
      default:
        throw new UsageError(`unknown models command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`deit-tagger models: ${error.message}\n\n${MODELS_HELP}`);
      return 2;
    }
    if (
      error instanceof ModelStoreError ||
      error instanceof DownloadError ||
      error instanceof ModelValidationError ||
      error instanceof DatabaseOpenError
    ) {
      io.stderr(`deit-tagger models ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'models-dir': { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      variant: { type: 'string', default: 'fp32' },
      sha256: { type: 'string' },
      id: { type: 'string' },
      'crop-ratio': { type: 'string' },
      'image-size': { type: 'string' },
      replace: { type: 'boolean', default: false },
      use: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...operands] = values.help ? ['help'] : positionals;

  if (values.variant !== 'fp32' && values.variant !== 'quantized') {
    throw new UsageError(`--variant must be fp32 or quantized, got "${values.variant}"`);
  }
  if (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256)) {
    throw new UsageError(`--sha256 must be 64 hexadecimal digits, got "${values.sha256}"`);
  }
  const cropRatio = optionalNumber(values['crop-ratio'], '--crop-ratio');
  if (cropRatio !== undefined && !(cropRatio > 0 && cropRatio <= 1)) {
    throw new UsageError(`--crop-ratio must be in (0, 1], got ${cropRatio}`);
  }
  const imageSize = optionalNumber(values['image-size'], '--image-size');
  if (
    imageSize !== undefined &&
    !(Number.isInteger(imageSize) && imageSize >= MIN_IMAGE_SIZE && imageSize <= MAX_IMAGE_SIZE)
  ) {
    throw new UsageError(
      `--image-size must be a whole number from ${MIN_IMAGE_SIZE} to ${MAX_IMAGE_SIZE}, got ${imageSize}`,
    );
  }

  const paths = defaultPaths();
  const options: ModelsOptions = {
    modelsDir: values['models-dir'] ?? paths.modelsDir,
    database: values.db ?? paths.database,
    json: values.json,
    variant: values.variant,
    sha256: values.sha256,
    id: values.id,
    cropRatio,
    imageSize,
    replace: values.replace,
    use: values.use,
  };
  return { command, operands, options };
}

function optionalNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`${name} must be a number, got "${text}"`);
  return value;
}

function requiredOperand(operands: string[], command: string, name: string): string {
  if (operands.length !== 1) {
    throw new UsageError(`models ${command} takes one ${name}, got ${operands.length}`);
  }
  return operands[0];
}

function optionalOperand(operands: string[], command: string): string | undefined {
  if (operands.length > 1) {
    throw new UsageError(`models ${command} takes at most one ID, got ${operands.length}`);
  }
  return operands[0];
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Opens the library when its file exists, else returns undefined: listing creates nothing. */
function openExistingLibrary(path: string): Db | undefined {
  return existsSync(path) ? openDatabase(path) : undefined;
}

async function listCommand(io: CliIO, options: ModelsOptions): Promise<number> {
  const db = openExistingLibrary(options.database);
  try {
    const models = await listModels(options.modelsDir, db);
    if (options.json) {
      io.stdout(`${JSON.stringify({ modelsDir: options.modelsDir, models }, null, 2)}\n`);
    } else {
      io.stdout(formatListing(models, db !== undefined));
      io.stdout(`\nModels folder: ${printable(options.modelsDir)}\n`);
    }
    return 0;
  } finally {
    db?.close();
  }
}

function formatListing(models: ModelListing[], withLibrary: boolean): string {
  const header = ['ID', 'NAME', 'TOP-1', 'SIZE', 'STATUS', ...(withLibrary ? ['PHOTOS'] : [])];
  const rows = models.map((model) => [
    printable(model.id),
    printable(model.name),
    model.top1 === null ? '-' : model.top1.toFixed(1),
    model.sizeBytes === null ? '-' : `${model.installed ? '' : '~'}${formatBytes(model.sizeBytes)}`,
    statusOf(model),
    ...(withLibrary ? [String(model.labelledPhotos ?? 0)] : []),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    `${cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd()}\n`;
  return [line(header), ...rows.map(line)].join('');
}

function statusOf(model: ModelListing): string {
  if (model.active) return 'active';
  if (model.installed) return model.origin === 'import' ? 'imported' : 'installed';
  return model.downloadable ? 'available' : 'import only';
}

async function downloadCommand(
  io: CliIO,
  options: ModelsOptions,
  requested: string | undefined,
): Promise<number> {
  const id = requested ?? defaultModelId(hasGpuProvider());
  const entry = catalogEntry(id);
  if (!entry) throw new ModelStoreError(`unknown model "${id}"; see deit-tagger models list`);
  if (entry.files.some((file) => file.variant === options.variant)) {
    io.stderr(`Downloading ${entry.name} (${id}, ${options.variant})\n`);
  }

  const progress = progressPrinter(io);
  let model;
  try {
    model = await downloadModel(id, {
      modelsDir: options.modelsDir,
      variant: options.variant,
      sha256: options.sha256,
      replace: options.replace,
      onProgress: progress.update,
      progressIntervalMs: io.isTTY ? 100 : 1000,
    });
  } finally {
    progress.end();
  }

  io.stdout(`Installed ${model.id} (${printable(model.name)}) at ${printable(model.path)}\n`);
  const checked = model.sha256Verified
    ? 'verified'
    : 'computed here; the catalogue pins no checksum for this file';
  io.stdout(`  ${formatBytes(model.sizeBytes)}, SHA-256 ${model.sha256} (${checked})\n`);
  activateIfRequested(io, options, model);
  return 0;
}

/** Draws a progress bar on a terminal, else prints a line at each further 10 %. */
function progressPrinter(io: CliIO) {
  let lastDecile = -1;
  let drawn = false;
  return {
    update: (p: DownloadProgress) => {
      const percent = p.total ? Math.floor((p.bytes / p.total) * 100) : null;
      const rate = `${formatBytes(p.bytesPerSecond)}/s`;
      const eta = p.etaSeconds === null ? '' : `, ${formatDuration(p.etaSeconds)} left`;
      const amount = p.total
        ? `${formatBytes(p.bytes)} of ${formatBytes(p.total)}`
        : formatBytes(p.bytes);
      const text = `${amount}, ${rate}${eta}`;
      if (io.isTTY) {
        const width = 30;
        const filled = percent === null ? 0 : Math.round((percent / 100) * width);
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
        io.stdout(`\r${bar} ${percent ?? '?'}% ${text}\u001b[K`);
        drawn = true;
        return;
      }
      const decile = percent === null ? lastDecile + 1 : Math.floor(percent / 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        io.stdout(`${percent === null ? '' : `${percent}% `}${text}\n`);
      }
    },
    end: () => {
      if (drawn) io.stdout('\n');
    },
  };
}

async function importCommand(io: CliIO, options: ModelsOptions, file: string): Promise<number> {
  const model = await importModel(file, {
    modelsDir: options.modelsDir,
    id: options.id,
    cropRatio: options.cropRatio,
    imageSize: options.imageSize,
    replace: options.replace,
  });
  const signature = model.signature!;
  const pre = model.preprocessing!;
  io.stdout(`Imported ${printable(file)} as ${model.id} at ${printable(model.path)}\n`);
  io.stdout(
    `  input "${signature.inputName}" ${pre.inputSize}x${pre.inputSize}, ` +
      `${signature.outputNames.length === 2 ? 'two heads averaged' : 'one logits output'}, ` +
      `crop ratio ${pre.cropRatio}\n`,
  );
  io.stdout(`  ${formatBytes(model.sizeBytes)}, SHA-256 ${model.sha256}\n`);
  activateIfRequested(io, options, model);
  return 0;
}

/** Makes the model active with --use, or when the library has no active model yet. */
function activateIfRequested(io: CliIO, options: ModelsOptions, model: InstalledModel): void {
  const db = options.use ? openDatabase(options.database) : openExistingLibrary(options.database);
  if (!db) {
    io.stdout(`Make it the active model with: deit-tagger models use ${model.id}\n`);
    return;
  }
  try {
    if (options.use || activeModel(db) === null) {
      setActiveModel(db, model.id);
      io.stdout(`Active model: ${model.id}\n`);
    }
  } finally {
    db.close();
  }
}

function useCommand(io: CliIO, options: ModelsOptions, id: string): Promise<number> {
  const db = openDatabase(options.database);
  const previous = activeModel(db);
  return useModel(db, options.modelsDir, id)
    .then((model) => {
      io.stdout(`Active model: ${model.id} (${printable(model.name)})\n`);
      if (previous !== null && previous !== model.id) {
        io.stdout(
          `Photos tagged by ${previous} keep those labels. To tag them with ${model.id}, run: ` +
            'deit-tagger scan FOLDER --retag\n',
        );
      }
      return 0;
    })
    .finally(() => db.close());
}

async function removeCommand(io: CliIO, options: ModelsOptions, id: string): Promise<number> {
  const db = openExistingLibrary(options.database);
  try {
    const { freedBytes, wasActive } = await removeModel(options.modelsDir, id, db);
    io.stdout(`Removed ${id}, freed ${formatBytes(freedBytes)}. Its labels stay in the library.\n`);
    if (wasActive) {
      io.stdout('No model is active now; choose one with: deit-tagger models use ID\n');
    }
    return 0;
  } finally {
    db?.close();
  }
}
