/**
 * The contract in electron/api.ts re-declares the engine's scan and library types, because the
 * renderer type-checks api.ts without Node's types and cannot import electron/core. These
 * checks fail `npm run typecheck` when the two copies drift apart.
 */
import { expectTypeOf, test } from 'vitest';

import type * as Api from '../../electron/api.js';
import type * as Core from '../../electron/core/library.js';
import type * as Providers from '../../electron/core/model/providers.js';

test('scan types match the engine', () => {
  expectTypeOf<Api.ScanProgress>().toEqualTypeOf<Core.ScanProgress>();
  expectTypeOf<Api.ScanSummary>().toEqualTypeOf<Core.ScanSummary>();
  expectTypeOf<Api.ProviderAttempt>().toEqualTypeOf<Providers.ProviderAttempt>();
  expectTypeOf<Api.ProviderName>().toEqualTypeOf<Providers.ProviderName>();
});

test('library stats match the engine', () => {
  expectTypeOf<Api.LibraryStats>().toEqualTypeOf<Core.LibraryStats>();
});
