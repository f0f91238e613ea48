import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exportChunks,
  exportLibrary,
  type ExportOptions,
  type ExportSummary,
} from '../../core/export/export.js';
import { defaultPaths } from '../../core/paths.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { printable } from '../printable.js';
import { openExistingLibrary } from './search.js';

export const EXPORT_HELP = `Usage: deit-tagger export --out FILE [options]

Writes every photo's labels, or those of the photos a search finds, to CSV or JSON.
CSV has one row per photo and label: path,label,wnid,class_index,score,rank,source,model.
Rejected labels are left out. JSON lists every photo with its status and error.

Options:
  --out FILE         file to write, or - for standard output
  --db FILE          library database (default: ${defaultPaths().database})
  --query Q          export only what \`deit-tagger search Q\` finds, in its order
  --format FORMAT    csv or json (default: json for a .json file, else csv)
  --wide             CSV with one row per photo and its labels joined by "; "
  --bom              start the CSV with a UTF-8 byte order mark (for Excel)
`;

/** Runs `export`: writes the file and prints how many photos and rows it holds. */
export async function runExport(args: string[], io: CliIO): Promise<number> {
  await Promise.resolve();
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', short: 'o' },
      db: { type: 'string' },
      query: { type: 'string' },
      format: { type: 'string' },
      wide: { type: 'boolean', default: false },
      bom: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(EXPORT_HELP);
    return 0;
  }
  const out = values.out;
  if (!out) throw new UsageError('export needs --out FILE (or --out - for standard output)');
  const format = values.format ?? (extname(out).toLowerCase() === '.json' ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') {
    throw new UsageError(`--format must be csv or json, got "${format}"`);
  }
  if (format === 'json' && (values.wide || values.bom)) {
    throw new UsageError('--wide and --bom apply to CSV only');
  }

  const options: ExportOptions = {
    format,
    wide: values.wide,
    bom: values.bom,
    query: values.query === undefined ? undefined : { text: values.query },
  };
  const db = openExistingLibrary(values.db ?? defaultPaths().database);
  try {
    if (out === '-') {
      const summary: ExportSummary = { photos: 0, rows: 0 };
      for (const chunk of exportChunks(db, options, summary)) io.stdout(chunk);
      return 0;
    }
    // The path as typed, so errors name the folder the user wrote.
    const summary = exportLibrary(db, out, options);
    io.stdout(
      `wrote ${summary.photos} photos, ${summary.rows} rows to ${printable(resolve(out))}\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}
