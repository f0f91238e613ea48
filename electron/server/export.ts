import { once } from 'node:events';
import type { Writable } from 'node:stream';

import type { ParsedInput, SearchQuery } from '../api.js';
import { exportChunks } from '../core/export/index.js';
import type { Library } from '../core/library.js';
import type { SearchQuery as CoreSearchQuery } from '../core/search/index.js';

/** Maps the API's search (query text plus filters) to the engine's. */
export function toCoreSearch(search: SearchQuery): Omit<CoreSearchQuery, 'cursor' | 'limit'> {
  const filters = search.filters ?? {};
  return {
    text: search.query,
    sort: search.sort ?? 'score',
    ...(filters.folder ? { folder: filters.folder } : {}),
    ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
    ...(filters.source ? { source: filters.source } : {}),
  };
}

/**
 * Streams the export a request describes, waiting for the stream to drain between chunks so
 * a large library never piles up in memory. The engine reads the database a page at a time,
 * so other requests can run between chunks.
 */
export async function writeExport(
  library: Library,
  input: ParsedInput<'export'>,
  out: Writable,
): Promise<void> {
  const chunks = exportChunks(library.db, {
    format: input.format,
    wide: input.wide,
    bom: input.bom,
    ...(input.search ? { query: toCoreSearch(input.search) } : {}),
  });
  for (const chunk of chunks) {
    if (out.destroyed) return;
    if (!out.write(chunk)) await once(out, 'drain');
  }
}
