/** Keyset cursors: the position after the last hit of a page, opaque to callers. */

/** A cursor that is malformed or belongs to another sort order. */
export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`invalid cursor: ${reason}; start again from the first page`);
    this.name = 'InvalidCursorError';
  }
}

/** Position after the last hit of a page: (score, id) or (taken_at, id). */
export type Cursor =
  | { sort: 'score'; score: number | null; id: number }
  | { sort: 'date'; takenAt: number; id: number };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Decodes a cursor and checks that it belongs to the sort order of the query. */
export function decodeCursor(text: string, sort: 'score' | 'date'): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor of this app');
  }
  const cursor = value as Partial<Record<string, unknown>>;
  if (typeof cursor !== 'object' || cursor === null) {
    throw new InvalidCursorError('not a cursor of this app');
  }
  if (cursor.sort !== sort) {
    // A search of words that name no class is sorted by date whatever sort it requests.
    const other = cursor.sort === 'score' || cursor.sort === 'date' ? cursor.sort : 'unknown';
    throw new InvalidCursorError(
      `it belongs to a search sorted by ${other}, and this one is sorted by ${sort}`,
    );
  }
  if (!Number.isInteger(cursor.id)) throw new InvalidCursorError('missing photo id');
  if (sort === 'date' && typeof cursor.takenAt !== 'number') {
    throw new InvalidCursorError('missing date');
  }
  if (sort === 'score' && cursor.score !== null && typeof cursor.score !== 'number') {
    throw new InvalidCursorError('missing score');
  }
  return value as Cursor;
}
