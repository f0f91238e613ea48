#!/usr/bin/env node
// Entry point of the `deit-tagger` command. The TypeScript sources are compiled to out/ by
// `npm run build:node`, which `npm install` runs through the prepare script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/electron/cli/run.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('deit-tagger: out/ is missing. Run `npm run build:node` in the checkout first.');
  process.exit(1);
}
await import(entry.href);
