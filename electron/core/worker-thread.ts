import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from a module beside the caller, given without its extension. The
 * compiled app runs the .js file. Under the TypeScript sources (tests, tsx) the worker first
 * registers tsx's loader and then imports the .ts file, because loaders registered in the
 * parent thread do not reach worker threads on Node 20.
 */
export function startWorker(callerUrl: string, module: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) {
    return new Worker(new URL(`${module}.js`, callerUrl), { workerData });
  }
  // tsx's CommonJS entry resolves the ESM one beside it; the ESM entry registers the loader.
  const tsxCommonJs = createRequire(callerUrl).resolve('tsx/esm/api');
  const tsxApi = pathToFileURL(tsxCommonJs.replace(/\.cjs$/, '.mjs')).href;
  const script = new URL(`${module}.ts`, callerUrl).href;
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
