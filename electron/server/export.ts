import type { Writable } from 'node:stream';

import { ApiException, type ParsedInput } from '../api.js';
import type { Library } from '../core/library.js';

/** Writes the export a request describes to a stream. */
export function writeExport(
  _library: Library,
  _input: ParsedInput<'export'>,
  _out: Writable,
): Promise<void> {
  // TODO: call the engine's CSV/JSON exporter (electron/core/export) once it exists.
  return Promise.reject(new ApiException('unsupported', 'export is not available yet'));
}
