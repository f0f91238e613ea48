import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native modules (sharp, onnxruntime-node, better-sqlite3) are safest in forked processes.
    pool: 'forks',
  },
});
