import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Db } from '../../core/db/database.js';
import { displayName } from '../../core/labels/classes.js';
import {
  addTag,
  clearCorrection,
  confirmLabel,
  rejectLabel,
  resolveLabel,
  type TagTarget,
} from '../../core/labels/corrections.js';
import { defaultPaths } from '../../core/paths.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { printable } from '../printable.js';
import { openExistingLibrary } from './search.js';

export const TAG_HELP = `Usage: deit-tagger tag PATH... (--add LABEL | --confirm LABEL | --reject LABEL | --clear LABEL)

Corrects the labels of photos in the library. A rejected label no longer matches searches
and is left out of exports, also after the photo is tagged again.

LABEL is an ImageNet class name or synonym ("tabby cat"), a WordNet id (n02123045) or a class
index (281); --add and --clear also take free text as a tag of your own.

Options:
  --add LABEL        add a class or a free-text tag
  --confirm LABEL    confirm a class
  --reject LABEL     reject a class
  --clear LABEL      remove your own addition, confirmation or rejection of LABEL
  --db FILE          library database (default: ${defaultPaths().database})
`;

type Action = 'add' | 'confirm' | 'reject' | 'clear';
const ACTIONS: readonly Action[] = ['add', 'confirm', 'reject', 'clear'];
const PAST: Record<Action, string> = {
  add: 'added',
  confirm: 'confirmed',
  reject: 'rejected',
  clear: 'cleared',
};

function photoIds(db: Db, paths: string[]): number[] {
  const find = db.prepare<[string], { id: number }>(`SELECT id FROM photos WHERE path = ?`);
  const missing: string[] = [];
  const ids = paths.flatMap((path) => {
    const row = find.get(resolve(path));
    if (!row) missing.push(path);
    return row ? [row.id] : [];
  });
  if (missing.length > 0) {
    throw new Error(
      `not in the library: ${missing.join(', ')}; scan the folder first, then tag its photos`,
    );
  }
  return ids;
}

function apply(db: Db, action: Action, ids: number[], target: TagTarget): number {
  if (action === 'add') return addTag(db, ids, target);
  if (action === 'clear') return clearCorrection(db, ids, target);
  if (!('classIndex' in target)) throw new Error('only a class can be confirmed or rejected');
  return action === 'confirm'
    ? confirmLabel(db, ids, target.classIndex)
    : rejectLabel(db, ids, target.classIndex);
}

/** Runs `tag`: applies one correction to every photo named, in one transaction. */
export async function runTag(args: string[], io: CliIO): Promise<number> {
  await Promise.resolve();
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      add: { type: 'string' },
      confirm: { type: 'string' },
      reject: { type: 'string' },
      clear: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(TAG_HELP);
    return 0;
  }
  const chosen = ACTIONS.filter((action) => values[action] !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError('tag needs exactly one of --add, --confirm, --reject or --clear');
  }
  const action = chosen[0];
  const label = values[action]!;
  if (positionals.length === 0) throw new UsageError('tag needs at least one PATH');

  const target = resolveLabel(label, { freeText: action === 'add' || action === 'clear' });
  const db = openExistingLibrary(values.db ?? defaultPaths().database);
  try {
    const ids = photoIds(db, positionals);
    const changed = apply(db, action, ids, target);
    const name = 'classIndex' in target ? displayName(target.classIndex) : `"${target.tag}"`;
    const unchanged = ids.length - changed;
    io.stdout(
      `${PAST[action]} ${printable(name)} on ${changed} photo${changed === 1 ? '' : 's'}` +
        (unchanged > 0 ? ` (${unchanged} unchanged)` : '') +
        '\n',
    );
    return 0;
  } finally {
    db.close();
  }
}
