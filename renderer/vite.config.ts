import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs work both from `deit-tagger serve` and from Electron's app protocol.
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The strict Content-Security-Policy allows no inline scripts or data: scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
