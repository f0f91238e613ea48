import { describe, expect, it } from 'vitest';
import { ApiException } from '../../electron/api.js';
import { ExportPathError } from '../../electron/core/export/index.js';
import { SearchQueryError } from '../../electron/core/search/index.js';
import { toApiException } from '../../electron/server/handlers.js';

describe('toApiException', () => {
  it.each([
    ['a search with too many terms', new SearchQueryError('too many terms')],
    ['an export onto the database', new ExportPathError('the output is the library database')],
  ])('maps %s to invalid-input', (_case, error) => {
    const mapped = toApiException(error);

    expect(mapped).toBeInstanceOf(ApiException);
    expect((mapped as ApiException).code).toBe('invalid-input');
    expect((mapped as ApiException).message).toBe(error.message);
  });
});
