/** The machine and the library versions a benchmark ran on. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';

import { REPO_ROOT } from './fixtures.js';

export type MachineInfo = Record<string, string>;

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
    if (pretty) return `${pretty}, ${type()} ${release()}`;
  } catch {
    // Not Linux, or no os-release: the kernel name and release below are enough.
  }
  return `${type()} ${release()}`;
}

/** Returns the 1-minute load average: runnable processes, averaged over the last minute. */
export function loadAverage(): string {
  return loadavg()[0].toFixed(1);
}

/** Returns the CPU, memory, OS and the versions of Node and the native libraries. */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    CPU: cores[0]?.model.trim() ?? 'unknown',
    'logical cores': String(cores.length),
    RAM: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    OS: osName(),
    Node: process.version,
    'onnxruntime-node': packageVersion('onnxruntime-node'),
    sharp: `${packageVersion('sharp')} (libvips ${sharp.versions.vips})`,
    'better-sqlite3': packageVersion('better-sqlite3'),
    '@huggingface/transformers': packageVersion('@huggingface/transformers'),
  };
}
