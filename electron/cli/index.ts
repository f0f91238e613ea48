import { DatabaseOpenError } from '../core/db/database.js';
import { FolderNotFoundError, ScanBusyError } from '../core/library.js';
import { ModelNotFoundError } from '../core/model/resolve.js';
import { runInfo } from './commands/info.js';
import { runScanCommand } from './commands/scan.js';
import { OutputClosedError, processIO, UsageError, type CliIO } from './io.js';
import { printableMessage } from './printable.js';

type Command = (args: string[], io: CliIO) => Promise<number>;

/** Commands whose modules load on demand, so `scan` does not pay for the HTTP server. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  scan: { summary: 'tag the photos in folders', load: () => Promise.resolve(runScanCommand) },
  info: {
    summary: 'show the library, model and execution provider',
    load: () => Promise.resolve(runInfo),
  },
  search: {
    summary: 'find photos by label, tag, file or folder name',
    load: async () => (await import('./commands/search.js')).runSearch,
  },
  tag: {
    summary: 'add, confirm or reject labels on photos',
    load: async () => (await import('./commands/tag.js')).runTag,
  },
  export: {
    summary: 'write the labels to CSV or JSON',
    load: async () => (await import('./commands/export.js')).runExport,
  },
  models: {
    summary: 'list, download, import and choose models',
    load: async () => (await import('./commands/models.js')).runModels,
  },
  serve: {
    summary: 'serve the gallery and its API over HTTP on this machine',
    load: async () => (await import('./commands/serve.js')).runServe,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const list = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join('\n');
  return `Usage: deit-tagger COMMAND [options]

DeiT Tagger tags a photo library with ImageNet-1k labels, runs searches and exports the tags.

Commands:
${list}

Run \`deit-tagger COMMAND --help\` for the options of a command.
`;
}

/**
 * Runs the command line and returns the exit code: 0 success, 1 failure, 2 invalid usage. A
 * reader that closes standard output early (`| head`) ends the command with 0.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...args] = argv;
  // `help COMMAND` is `COMMAND --help`.
  if (name === 'help' && args[0] !== undefined && args[0] in COMMANDS) {
    return main([args[0], '--help'], io);
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`deit-tagger: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(args, io);
  } catch (error) {
    if (error instanceof OutputClosedError) return 0;
    return reportError(name, error, io);
  }
}

function reportError(name: string, error: unknown, io: CliIO): number {
  // Messages often quote file names, which may contain terminal control sequences.
  const message = printableMessage(error instanceof Error ? error.message : String(error));
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.stderr(
      `deit-tagger ${name}: ${message}\nRun \`deit-tagger ${name} --help\` for its options.\n`,
    );
    return 2;
  }
  const known =
    error instanceof DatabaseOpenError ||
    error instanceof FolderNotFoundError ||
    error instanceof ModelNotFoundError ||
    error instanceof ScanBusyError ||
    (error instanceof Error && error.name === 'ModelValidationError');
  io.stderr(`deit-tagger ${name}: ${message}\n`);
  if (!known && error instanceof Error && error.stack && process.env.DEIT_TAGGER_DEBUG) {
    io.stderr(`${error.stack}\n`);
  }
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
