/**
 * Chooses the ONNX Runtime execution provider: each candidate is tried for real, in order of
 * preference for the platform, and the reason each one failed is kept to show the user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { listSupportedBackends } from 'onnxruntime-node';

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

export const PROVIDER_NAMES: readonly ProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  /** Reason the provider could not be used, absent when `ok`. */
  reason?: string;
}

/**
 * Installs onnxruntime-node's CUDA 12 provider libraries, which its install script skips when
 * `ONNXRUNTIME_NODE_INSTALL=skip` is set. The value 1 forces the install: onnxruntime-node
 * 1.30's install script ignores `cuda12` when run from an npm script. The provider also needs CUDA 12.x and cuDNN 9.x on
 * the system: ONNX Runtime's CUDA provider documentation lists those for its CUDA 12 builds.
 */
export const CUDA_INSTALL_COMMAND =
  'ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js';

/** Display names of the providers, for messages. */
export const PROVIDER_LABELS: Record<ProviderName, string> = {
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
  cpu: 'CPU',
};

/** Raised when no execution provider (or the one that was forced) can run the model. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';

  constructor(
    message: string,
    readonly attempts: ProviderAttempt[],
  ) {
    super(message);
  }
}

/** Returns the providers to try on a platform, fastest first. CPU is always last. */
export function providerOrder(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): ProviderName[] {
  // The platform table in the README of onnxruntime-node 1.30 lists CUDA for Linux x64 only,
  // DirectML for Windows only and CoreML for macOS only. WebGPU (marked experimental there) is
  // built for every platform except Linux arm64.
  if (platform === 'linux') return arch === 'x64' ? ['cuda', 'webgpu', 'cpu'] : ['cpu'];
  if (platform === 'win32') return ['dml', 'webgpu', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'webgpu', 'cpu'];
  return ['cpu'];
}

/** Returns the backends compiled into this onnxruntime-node binding. */
function supportedBackends(): Map<string, boolean> {
  return new Map(listSupportedBackends().map((b) => [b.name, b.bundled]));
}

/**
 * Returns the folder of onnxruntime-node's native binding, where its install script puts the CUDA
 * provider libraries (`libonnxruntime_providers_cuda.so` and `_shared.so`).
 */
function bindingFolder(): string {
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(dirname(require.resolve('onnxruntime-node')));
  return join(packageRoot, 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Returns whether the dynamic loader can find libvulkan.so.1, which ONNX Runtime's WebGPU
 * provider (Dawn) opens on Linux. It looks where dlopen looks: LD_LIBRARY_PATH, the
 * ld.so cache and the default library folders.
 */
function hasVulkanLoader(): boolean {
  const library = 'libvulkan.so.1';
  const folders = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((f) => f !== '');
  folders.push(
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
    `/usr/lib/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`,
  );
  if (folders.some((folder) => existsSync(join(folder, library)))) return true;

  try {
    return readFileSync('/etc/ld.so.cache').includes(library);
  } catch {
    // Without a cache, let ONNX Runtime try: a failure is still reported, only less clearly.
    return true;
  }
}

/**
 * Returns why `provider` cannot work in this installation, without loading it, or null when it
 * is worth trying. Loading a provider whose libraries are missing also fails, but ONNX Runtime
 * then prints an error to stderr, so the common cases are checked first.
 */
export function precheckProvider(provider: ProviderName): string | null {
  if (provider === 'cpu') return null;

  const backends = supportedBackends();
  const label = PROVIDER_LABELS[provider];
  if (!backends.has(provider)) {
    return `${label} is not part of onnxruntime-node on ${process.platform}/${process.arch}`;
  }
  if (provider === 'webgpu' && process.platform === 'linux' && !hasVulkanLoader()) {
    return 'WebGPU needs the Vulkan loader (libvulkan.so.1), which is not installed';
  }
  if (provider === 'cuda' && backends.get('cuda') === false) {
    const library = join(bindingFolder(), 'libonnxruntime_providers_cuda.so');
    if (!existsSync(library)) {
      return (
        "CUDA provider libraries are not installed (onnxruntime-node's install script did not " +
        `run); install them with: ${CUDA_INSTALL_COMMAND}`
      );
    }
  }
  return null;
}

/** Returns the end of `text` after its first parenthesised group, or null without one. */
function afterParameterList(text: string): string | null {
  const open = text.indexOf('(');
  if (open < 0) return null;

  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    if (text[i] === ')' && --depth === 0) return text.slice(i + 1);
  }
  return null;
}

/**
 * Returns the message of an ONNX Runtime error without the decoration its C++ checks add:
 * "Load model from PATH failed:", the source file and line, the function signature, the
 * condition that was false and the "[ONNXRuntimeError] : 1 : FAIL :" status prefix.
 */
export function ortErrorMessage(error: unknown): string {
  const original = (error instanceof Error ? error.message : String(error)).trim();
  let message = original.replace(/^Load model from .*? failed:/s, '').trim();

  const located = /^\/onnxruntime_src\/\S+ (.*)$/s.exec(message);
  if (located) {
    const rest = afterParameterList(located[1]) ?? located[1];
    message = rest.replace(/^::<lambda\(\)>/, '').replace(/^ const\b/, '');
  }
  message = message
    .replace(/^.*? was false\. /s, '')
    .replace(/^.*?\[ONNXRuntimeError\] : \d+ : \w+ : /s, '')
    .trim();
  return message === '' ? original : message;
}

/**
 * Tries `open` with each provider in turn and returns the first value it produces, with a
 * record of every attempt. `open` must throw when the provider cannot run the model (for
 * example by running one batch), and release what it created before throwing.
 */
export async function openWithFallback<T>(
  candidates: readonly ProviderName[],
  open: (provider: ProviderName) => Promise<T>,
): Promise<{ value: T; provider: ProviderName; attempts: ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];

  for (const provider of candidates) {
    const precheck = precheckProvider(provider);
    if (precheck !== null) {
      attempts.push({ provider, ok: false, reason: precheck });
      continue;
    }
    try {
      const value = await open(provider);
      attempts.push({ provider, ok: true });
      return { value, provider, attempts };
    } catch (error) {
      attempts.push({ provider, ok: false, reason: ortErrorMessage(error) });
    }
  }

  const summary = attempts.map((a) => `${PROVIDER_LABELS[a.provider]}: ${a.reason}`).join('; ');
  const message =
    candidates.length === 1
      ? `execution provider ${candidates[0]} is not available (${summary})`
      : `no execution provider could run the model (${summary})`;
  throw new ProviderUnavailableError(message, attempts);
}
