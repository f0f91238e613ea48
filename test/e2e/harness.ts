/**
 * Starts `deit-tagger serve` in-process on a temporary library with generated photos and a
 * generated DeiT network, and opens it in Debian's Chromium through playwright-core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import type { Result } from '../../electron/api.js';
import { startServe, type ServeHandle } from '../../electron/server/app.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { writeTestPhotos } from '../fixtures/images.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'screenshots');
export const RENDERER_BUILD = join(REPO_ROOT, 'out', 'renderer');

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function rendererIsFresh(): boolean {
  const index = join(RENDERER_BUILD, 'index.html');
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, 'renderer')),
    newestMtime(join(REPO_ROOT, 'electron', 'api.ts')),
  );
  return existsSync(index) && statSync(index).mtimeMs >= sources;
}

/** A lock older than this was left by a killed test run. */
const STALE_LOCK_MS = 5 * 60_000;

/**
 * Builds the renderer when out/renderer is missing or older than a file under renderer/ or
 * electron/api.ts, so the tests never run against a stale bundle. Test files run in parallel,
 * so a lock folder lets one of them build while the others wait for it.
 */
export async function ensureRendererBuilt(): Promise<void> {
  if (rendererIsFresh()) return;
  const lock = join(REPO_ROOT, 'out', '.renderer-build-lock');
  await mkdir(dirname(lock), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (!rendererIsFresh()) buildRenderer();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function buildRenderer(): void {
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `renderer build failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
    );
  }
}

export interface TestApp {
  root: string;
  photosDir: string;
  /** The generated DeiT network. */
  modelPath: string;
  server: ServeHandle;
  context: BrowserContext;
  page: Page;
  /** Console messages the page logged that report a Content-Security-Policy violation. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** Creates the library, starts the server and opens the gallery in a fresh browser profile. */
export async function startTestApp(options: {
  photos: number;
  seed: number;
  /** Fills the library database before the server opens it. */
  prepareDatabase?: (path: string) => void;
  /**
   * Whether every scan uses the generated network, as `serve --model FILE` does (the default).
   * When false, the library starts without a model and a test installs one.
   */
  commandLineModel?: boolean;
}): Promise<TestApp> {
  await ensureRendererBuilt();
  const root = await mkdtemp(join(tmpdir(), 'deit-tagger-e2e-'));
  const photosDir = join(root, 'photos');
  await writeTestPhotos(photosDir, options.photos, options.seed);
  const modelPath = join(root, 'tiny-deit.onnx');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
  const profile = join(root, 'profile');
  await mkdir(profile);

  const database = join(root, 'library.sqlite');
  options.prepareDatabase?.(database);
  const server = await startServe({
    database,
    modelsDir: join(root, 'models'),
    ...(options.commandLineModel === false ? {} : { modelPath }),
    host: '127.0.0.1',
    port: 0,
    staticDir: RENDERER_BUILD,
    log: () => undefined,
  });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  await page.goto(server.url);
  await page.locator('.shell[data-state="ready"]').waitFor();

  return {
    root,
    photosDir,
    modelPath,
    server,
    context,
    page,
    cspViolations,
    close: async () => {
      await context.close();
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page under test-output/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Calls the API from the page, with the page's own token cookie. */
export async function api<T>(page: Page, name: string, input: unknown): Promise<T> {
  const result = await page.evaluate(
    async ([name, input]) => {
      const response = await fetch(`/api/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      });
      return await response.json();
    },
    [name, input] as const,
  );
  const typed = result as Result<T>;
  if (!typed.ok) throw new Error(`${name} failed: ${typed.error.code}: ${typed.error.message}`);
  return typed.value;
}

/** Returns the id of the element that has the keyboard focus ('' when it has none). */
export function activeId(page: Page): Promise<string> {
  return page.evaluate<string>('document.activeElement?.id ?? ""');
}
