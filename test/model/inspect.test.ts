import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import onnxProto from 'onnx-proto';
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  inspectModel,
  ModelValidationError,
  signatureFromMetadata,
} from '../../electron/core/model/inspect.js';
import {
  buildDeitOnnx,
  TINY_TEST_SPEC,
  writeDeitOnnx,
  type DeitSpec,
} from '../fixtures/deit-onnx.js';

const { onnx } = onnxProto;

type Dims = (number | string)[];

/** Builds a graph that copies its float input to each output through an Identity node. */
function identityModel(input: Dims, outputs: { name: string; shape: Dims }[]): Uint8Array {
  const info = (name: string, dims: Dims) => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'identity',
      node: outputs.map((o) => ({ opType: 'Identity', input: ['x'], output: [o.name] })),
      input: [info('x', input)],
      output: outputs.map((o) => info(o.name, o.shape)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function tensor(name: string, shape: Dims, type = 'float32'): InferenceSession.ValueMetadata {
  return { name, isTensor: true, type, shape } as InferenceSession.ValueMetadata;
}

describe('inspectModel', () => {
  let dir: string;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspect-'));
    const specs: Record<string, DeitSpec> = {
      single: TINY_TEST_SPEC,
      twoOutputs: { ...TINY_TEST_SPEC, distilled: true, distilledOutputs: 'two-outputs' },
      averaged: { ...TINY_TEST_SPEC, distilled: true, distilledOutputs: 'averaged' },
      tenClasses: { ...TINY_TEST_SPEC, numClasses: 10 },
      dynamicSize: { ...TINY_TEST_SPEC, dynamicImageSize: true, dynamicBatch: false },
    };
    for (const [name, spec] of Object.entries(specs)) {
      paths[name] = join(dir, `${name}.onnx`);
      await writeDeitOnnx(paths[name], spec);
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the input and logits of a DeiT', async () => {
    expect(await inspectModel(paths.single)).toEqual({
      inputName: 'pixel_values',
      inputSize: { height: 32, width: 32 },
      outputNames: ['logits'],
      numClasses: 1000,
      distilled: false,
      fixedBatchSize: null,
    });
  });

  it('accepts a distilled DeiT with two outputs', async () => {
    const signature = await inspectModel(paths.twoOutputs);

    expect(signature.distilled).toBe(true);
    expect(signature.outputNames).toEqual(['logits', 'distillation_logits']);
  });

  it('treats an averaged distilled DeiT as one head', async () => {
    const signature = await inspectModel(paths.averaged);

    expect(signature.distilled).toBe(false);
    expect(signature.outputNames).toEqual(['logits']);
  });

  it('reports dynamic size and fixed batch', async () => {
    const signature = await inspectModel(paths.dynamicSize);

    expect(signature.inputSize).toBeNull();
    expect(signature.fixedBatchSize).toBe(1);
  });

  it('rejects a 10-class network, naming the shape', async () => {
    const error = await inspectModel(paths.tenClasses).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as Error).message).toBe(
      `${paths.tenClasses}: model output "logits" has shape [batch,10]; ` +
        'expected [N,1000] (ImageNet-1k)',
    );
  });

  it('rejects a non-image input, naming the shape', async () => {
    const path = join(dir, 'vector-input.onnx');
    await writeFile(path, identityModel(['n', 1000], [{ name: 'y', shape: ['n', 1000] }]));

    await expect(inspectModel(path)).rejects.toThrow(
      `${path}: model input "x" has shape [n,1000]; expected [N,3,H,W]`,
    );
  });

  it('rejects a file that is not ONNX', async () => {
    const path = join(dir, 'garbage.onnx');
    await writeFile(path, 'this is not a protobuf message\n'.repeat(20));

    const error = await inspectModel(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as Error).message).toBe(
      `${path}: not a valid ONNX model (Protobuf parsing failed.)`,
    );
  });

  it('rejects an empty file', async () => {
    const path = join(dir, 'empty.onnx');
    await writeFile(path, '');

    await expect(inspectModel(path)).rejects.toThrow(`${path}: model file is empty`);
  });

  it('rejects a truncated model', async () => {
    const path = join(dir, 'truncated.onnx');
    await writeFile(path, buildDeitOnnx(TINY_TEST_SPEC).subarray(0, 5000));

    await expect(inspectModel(path)).rejects.toThrow(`${path}: not a valid ONNX model`);
  });

  it('rejects a model without a graph', async () => {
    const path = join(dir, 'no-graph.onnx');
    await writeFile(path, onnx.ModelProto.encode({ irVersion: 8 }).finish());

    await expect(inspectModel(path)).rejects.toThrow(
      `${path}: not a valid ONNX model (ModelProto does not have a graph.)`,
    );
  });

  it('rejects a missing file', async () => {
    const path = join(dir, 'absent.onnx');

    await expect(inspectModel(path)).rejects.toThrow(`${path}: model file not found`);
  });

  it('rejects a folder', async () => {
    const path = join(dir, 'folder.onnx');
    await mkdir(path);

    await expect(inspectModel(path)).rejects.toThrow(`${path}: model path is not a file`);
  });
});

describe('signatureFromMetadata', () => {
  const image = tensor('pixel_values', ['batch', 3, 224, 224]);
  const logits = tensor('logits', ['batch', 1000]);

  const rejected: {
    name: string;
    inputs: InferenceSession.ValueMetadata[];
    outputs: InferenceSession.ValueMetadata[];
    message: string;
  }[] = [
    {
      name: 'two inputs',
      inputs: [image, tensor('mask', ['batch', 197])],
      outputs: [logits],
      message: 'model has 2 inputs ("pixel_values", "mask"); expected one image input',
    },
    {
      name: 'grey input',
      inputs: [tensor('x', ['batch', 1, 224, 224])],
      outputs: [logits],
      message: 'model input "x" has shape [batch,1,224,224]; expected [N,3,H,W]',
    },
    {
      name: 'NHWC input',
      inputs: [tensor('x', ['batch', 224, 224, 3])],
      outputs: [logits],
      message: 'model input "x" has shape [batch,224,224,3]; expected [N,3,H,W]',
    },
    {
      name: 'float16 input',
      inputs: [tensor('x', ['batch', 3, 224, 224], 'float16')],
      outputs: [logits],
      message: 'model input "x" has type float16; expected float32',
    },
    {
      name: 'only height dynamic',
      inputs: [tensor('x', ['batch', 3, 'h', 224])],
      outputs: [logits],
      message: 'expected H and W both fixed or both dynamic',
    },
    {
      name: 'no outputs',
      inputs: [image],
      outputs: [],
      message: 'model has 0 outputs (); expected one [N,1000] logits output',
    },
    {
      name: 'three outputs',
      inputs: [image],
      outputs: [logits, logits, logits],
      message: 'model has 3 outputs',
    },
    {
      name: 'unknown output shape',
      inputs: [image],
      outputs: [tensor('logits', [])],
      message: 'model output "logits" has shape []; expected [N,1000] (ImageNet-1k)',
    },
    {
      name: 'features instead of logits',
      inputs: [image],
      outputs: [tensor('features', ['batch', 197, 192])],
      message: 'model output "features" has shape [batch,197,192]; expected [N,1000]',
    },
    {
      name: 'second head of 21k classes',
      inputs: [image],
      outputs: [logits, tensor('head21k', ['batch', 21843])],
      message: 'model output "head21k" has shape [batch,21843]; expected [N,1000]',
    },
    {
      name: 'non-tensor output',
      inputs: [image],
      outputs: [{ name: 'seq', isTensor: false }],
      message: 'model output "seq" is not a tensor',
    },
  ];

  for (const { name, inputs, outputs, message } of rejected) {
    it(`rejects ${name}`, () => {
      expect(() => signatureFromMetadata('model.onnx', inputs, outputs)).toThrow(message);
    });
  }

  it('accepts a fixed batch and size', () => {
    const signature = signatureFromMetadata(
      'model.onnx',
      [tensor('input', [4, 3, 384, 384])],
      [tensor('output', [4, 1000])],
    );

    expect(signature.inputName).toBe('input');
    expect(signature.inputSize).toEqual({ height: 384, width: 384 });
    expect(signature.fixedBatchSize).toBe(4);
  });

  it('prefixes errors with the path', () => {
    expect(() => signatureFromMetadata('/models/x.onnx', [image], [])).toThrow(
      /^\/models\/x\.onnx: /,
    );
  });
});
