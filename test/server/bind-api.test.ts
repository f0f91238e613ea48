import { expect, test } from 'vitest';

import {
  API_REQUESTS,
  ApiException,
  bindApi,
  EVENT_NAMES,
  ipcChannel,
  REQUEST_NAMES,
  type ApiHandlers,
} from '../../electron/api.js';

/** Handlers that fail loudly when a test reaches one it did not mean to call. */
function handlers(overrides: Partial<ApiHandlers>): ApiHandlers {
  const base: Record<string, () => never> = {};
  for (const name of REQUEST_NAMES) {
    base[name] = () => {
      throw new Error(`unexpected call to ${name}`);
    };
  }
  return { ...base, ...overrides } as ApiHandlers;
}

test('handler receives parsed input with defaults', async () => {
  let received: unknown;
  const dispatch = bindApi(
    handlers({
      'photos.search': (input) => {
        received = input;
        return { items: [], nextCursor: null, total: 0 };
      },
    }),
  );
  const result = await dispatch('photos.search', { query: 'dog' });
  expect(result).toEqual({ ok: true, value: { items: [], nextCursor: null, total: 0 } });
  expect(received).toEqual({ query: 'dog', filters: {}, sort: 'score', cursor: null, limit: 200 });
});

test('ApiException keeps its code', async () => {
  const dispatch = bindApi(
    handlers({
      'scan.pause': () => {
        throw new ApiException('no-scan', 'no scan is running');
      },
    }),
  );
  expect(await dispatch('scan.pause', {})).toEqual({
    ok: false,
    error: { code: 'no-scan', message: 'no scan is running' },
  });
});

test('unexpected error becomes internal and is reported', async () => {
  const reported: string[] = [];
  const dispatch = bindApi(
    handlers({
      'library.stats': () => {
        throw new TypeError('boom');
      },
    }),
    (name, error) => reported.push(`${name}: ${(error as Error).message}`),
  );
  expect(await dispatch('library.stats', {})).toEqual({
    ok: false,
    error: { code: 'internal', message: 'boom' },
  });
  expect(reported).toEqual(['library.stats: boom']);
});

test('unknown name is not-found', async () => {
  const dispatch = bindApi(handlers({}));
  const result = await dispatch('__proto__', {});
  expect(result).toMatchObject({ ok: false, error: { code: 'not-found' } });
});

test('labels.add takes a class or a tag, not both', async () => {
  const dispatch = bindApi(handlers({ 'labels.add': () => ({ changed: 1 }) }));
  expect(await dispatch('labels.add', { photoIds: [1], tag: 'holiday' })).toMatchObject({
    ok: true,
  });
  expect(await dispatch('labels.add', { photoIds: [1], classIndex: 3 })).toMatchObject({
    ok: true,
  });
  expect(
    await dispatch('labels.add', { photoIds: [1], classIndex: 3, tag: 'holiday' }),
  ).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  expect(await dispatch('labels.add', { photoIds: [], tag: 'x' })).toMatchObject({
    ok: false,
    error: { code: 'invalid-input' },
  });
});

test('channel names are unique', () => {
  const channels = [...REQUEST_NAMES, ...EVENT_NAMES].map(ipcChannel);
  expect(new Set(channels).size).toBe(channels.length);
  expect(REQUEST_NAMES.length).toBe(Object.keys(API_REQUESTS).length);
});
