import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Classifier } from '../../electron/core/model/classifier.js';
import {
  openWithFallback,
  ortErrorMessage,
  precheckProvider,
  providerOrder,
  ProviderUnavailableError,
  type ProviderName,
} from '../../electron/core/model/providers.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';

describe('providerOrder', () => {
  const cases: [NodeJS.Platform, string, ProviderName[]][] = [
    ['linux', 'x64', ['cuda', 'webgpu', 'cpu']],
    ['linux', 'arm64', ['cpu']],
    ['win32', 'x64', ['dml', 'webgpu', 'cpu']],
    ['win32', 'arm64', ['dml', 'webgpu', 'cpu']],
    ['darwin', 'arm64', ['coreml', 'webgpu', 'cpu']],
    ['darwin', 'x64', ['coreml', 'webgpu', 'cpu']],
    ['freebsd', 'x64', ['cpu']],
  ];

  for (const [platform, arch, order] of cases) {
    it(`orders ${platform}/${arch}`, () => {
      expect(providerOrder(platform, arch)).toEqual(order);
    });
  }

  it('defaults to this machine', () => {
    expect(providerOrder()).toEqual(providerOrder(process.platform, process.arch));
  });
});

describe('ortErrorMessage', () => {
  const cases: [string, string][] = [
    ['Load model from /m/x.onnx failed:Protobuf parsing failed.', 'Protobuf parsing failed.'],
    [
      '/onnxruntime_src/onnxruntime/core/graph/model.cc:187 onnxruntime::Model::Model(' +
        'onnx::ModelProto&&, const onnxruntime::PathString&) ModelProto does not have a graph.',
      'ModelProto does not have a graph.',
    ],
    [
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 ' +
        'onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::' +
        'WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::' +
        'Success was false. Failed to get a WebGPU adapter: No supported adapters',
      'Failed to get a WebGPU adapter: No supported adapters',
    ],
    [
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    ],
  ];

  for (const [raw, expected] of cases) {
    it(`cleans "${expected}"`, () => {
      expect(ortErrorMessage(new Error(raw))).toBe(expected);
    });
  }
});

describe('openWithFallback', () => {
  it('records each failure and returns the first success', async () => {
    const tried: ProviderName[] = [];
    const result = await openWithFallback(['webgpu', 'cpu'], (provider) => {
      tried.push(provider);
      if (provider === 'webgpu') return Promise.reject(new Error('no adapter'));
      return Promise.resolve(`session on ${provider}`);
    });

    expect(result.value).toBe('session on cpu');
    expect(result.provider).toBe('cpu');
    // A provider that the precheck rules out is never opened.
    const prechecked = precheckProvider('webgpu');
    expect(result.attempts).toEqual([
      { provider: 'webgpu', ok: false, reason: prechecked ?? 'no adapter' },
      { provider: 'cpu', ok: true },
    ]);
    expect(tried).toEqual(prechecked === null ? ['webgpu', 'cpu'] : ['cpu']);
  });

  it('names a forced provider that fails', async () => {
    const error = await openWithFallback(['cpu'], () =>
      Promise.reject(new Error('out of memory')),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toBe(
      'execution provider cpu is not available (CPU: out of memory)',
    );
    expect((error as ProviderUnavailableError).attempts).toEqual([
      { provider: 'cpu', ok: false, reason: 'out of memory' },
    ]);
  });
});

describe('precheckProvider', () => {
  it('never rules out the CPU', () => {
    expect(precheckProvider('cpu')).toBeNull();
  });

  it('rules out providers of other platforms', () => {
    const foreign: ProviderName[] = ['dml', 'coreml'].filter(
      (p) => !providerOrder().includes(p as ProviderName),
    ) as ProviderName[];
    for (const provider of foreign) {
      expect(precheckProvider(provider)).toMatch(/is not part of onnxruntime-node on /);
    }
  });
});

describe('provider selection on this machine', () => {
  let dir: string;
  let modelPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'providers-'));
    modelPath = join(dir, 'tiny.onnx');
    await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports why each faster provider failed', async () => {
    const classifier = await Classifier.load({ modelPath });
    try {
      const { attempts, provider } = classifier;
      const order = providerOrder();
      // Attempts follow the platform order and stop at the first provider that works.
      expect(attempts.map((a) => a.provider)).toEqual(order.slice(0, attempts.length));
      expect(attempts.at(-1)).toEqual({ provider, ok: true });
      for (const failed of attempts.slice(0, -1)) {
        expect(failed.ok).toBe(false);
        expect(failed.reason).toMatch(/\S/);
      }
      // A provider ruled out before loading reports the precheck's reason, such as missing
      // CUDA libraries or a missing Vulkan loader.
      for (const failed of attempts.slice(0, -1)) {
        const precheck = precheckProvider(failed.provider);
        if (precheck !== null) expect(failed.reason).toBe(precheck);
      }
    } finally {
      await classifier.close();
    }
  });

  it('runs a forced CPU provider', async () => {
    const classifier = await Classifier.load({ modelPath, provider: 'cpu' });
    try {
      expect(classifier.provider).toBe('cpu');
      expect(classifier.attempts).toEqual([{ provider: 'cpu', ok: true }]);
    } finally {
      await classifier.close();
    }
  });

  it('fails clearly for a forced foreign provider', async () => {
    const foreign = process.platform === 'win32' ? 'coreml' : 'dml';

    await expect(Classifier.load({ modelPath, provider: foreign })).rejects.toThrow(
      new RegExp(`^execution provider ${foreign} is not available \\(\\w+: .+ is not part of`),
    );
  });

  it('rejects an unknown provider name', async () => {
    await expect(Classifier.load({ modelPath, provider: 'tpu' as ProviderName })).rejects.toThrow(
      'unknown execution provider "tpu"',
    );
  });
});
