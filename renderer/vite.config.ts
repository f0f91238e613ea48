import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * For `vite --config renderer/vite.config.ts` during development: set DEIT_TAGGER_URL to the
 * URL `deit-tagger serve` printed, and the dev server forwards API, media and download
 * requests to it with the token from that URL.
 */
function devProxy(): Record<string, ProxyOptions> | undefined {
  const served = process.env.DEIT_TAGGER_URL;
  if (!served) return undefined;
  const url = new URL(served);
  const options: ProxyOptions = {
    target: url.origin,
    // The server accepts only loopback Host headers.
    changeOrigin: true,
    headers: { Authorization: `Bearer ${url.searchParams.get('token') ?? ''}` },
  };
  return { '/api': options, '/photos': options, '/downloads': options };
}

export default defineConfig({
  root,
  // Relative asset URLs work both from `deit-tagger serve` and from Electron's app protocol.
  base: './',
  plugins: [svelte()],
  server: { proxy: devProxy() },
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The strict Content-Security-Policy allows no inline scripts or data: scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
