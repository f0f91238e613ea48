import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { openDatabase } from '../../electron/core/db/database.js';
import { ModelValidationError } from '../../electron/core/model/inspect.js';
import {
  activeModel,
  getInstalledModel,
  importModel,
  listInstalledModels,
  listModels,
  modelForScan,
  modelIdFromFileName,
  ModelStoreError,
  PARTIAL_DIR,
  photosLabelledByModel,
  removeModel,
  resolveModel,
  setActiveModel,
  useModel,
} from '../../electron/core/model/store.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { temporaryFolder } from '../helpers/tmp.js';

let root: string;
let imagenetNet: string;
let tenClassNet: string;
let dynamicSizeNet: string;
let modelsDir: string;
let testIndex = 0;

beforeAll(async () => {
  root = await temporaryFolder('store');
  imagenetNet = join(root, 'Tiny DeiT (seed 1).onnx');
  tenClassNet = join(root, 'ten-classes.onnx');
  dynamicSizeNet = join(root, 'dynamic-size.onnx');
  await writeDeitOnnx(imagenetNet, TINY_TEST_SPEC);
  await writeDeitOnnx(tenClassNet, { ...TINY_TEST_SPEC, numClasses: 10 });
  await writeDeitOnnx(dynamicSizeNet, { ...TINY_TEST_SPEC, dynamicImageSize: true });
});

beforeEach(async () => {
  modelsDir = join(root, `models-${testIndex++}`);
  await mkdir(modelsDir, { recursive: true });
});

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe('importModel', () => {
  it('accepts a 1000-class network', async () => {
    const model = await importModel(imagenetNet, { modelsDir });

    expect(model.id).toBe('tiny-deit-seed-1');
    expect(model.origin).toBe('import');
    expect(model.path).toBe(join(modelsDir, 'tiny-deit-seed-1.onnx'));
    expect(model.sha256).toBe(await sha256(imagenetNet));
    expect(await sha256(model.path)).toBe(model.sha256);
    expect(model.signature?.numClasses).toBe(1000);
    expect(model.preprocessing).toMatchObject({ inputSize: 32, cropRatio: 0.875, resizeSize: 36 });
    expect((await listInstalledModels(modelsDir)).map((m) => m.id)).toEqual(['tiny-deit-seed-1']);
    expect(await readdir(join(modelsDir, PARTIAL_DIR))).toEqual([]);
  });

  it('rejects a 10-class network naming the shape', async () => {
    const attempt = importModel(tenClassNet, { modelsDir });

    await expect(attempt).rejects.toThrow(ModelValidationError);
    await expect(attempt).rejects.toThrow(tenClassNet);
    await expect(attempt).rejects.toThrow('shape [batch,10]; expected [N,1000]');
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('takes an id and a crop ratio', async () => {
    const model = await importModel(imagenetNet, { modelsDir, id: 'mine', cropRatio: 1 });

    expect(model.id).toBe('mine');
    expect(model.preprocessing).toMatchObject({ inputSize: 32, cropRatio: 1, resizeSize: 32 });
  });

  it('rejects an id that is taken unless replacing', async () => {
    await importModel(imagenetNet, { modelsDir, id: 'taken' });

    await expect(importModel(imagenetNet, { modelsDir, id: 'taken' })).rejects.toThrow(
      /"taken" is already installed/,
    );
    await expect(
      importModel(imagenetNet, { modelsDir, id: 'taken', replace: true }),
    ).resolves.toBeTruthy();
  });

  it('rejects ids that are not file-name safe', async () => {
    await expect(importModel(imagenetNet, { modelsDir, id: '../escape' })).rejects.toThrow(
      ModelStoreError,
    );
  });

  it('needs an image size for a symbolic input size', async () => {
    await expect(importModel(dynamicSizeNet, { modelsDir })).rejects.toThrow(
      /height and width are symbolic/,
    );

    const model = await importModel(dynamicSizeNet, { modelsDir, imageSize: 32 });

    expect(model.preprocessing?.inputSize).toBe(32);
  });

  it('rejects an image size out of range', async () => {
    for (const imageSize of [100000, 8, 32.5]) {
      const attempt = importModel(dynamicSizeNet, { modelsDir, imageSize });
      await expect(attempt, String(imageSize)).rejects.toThrow(ModelValidationError);
      await expect(attempt, String(imageSize)).rejects.toThrow(/out of range/);
    }
    expect(await listInstalledModels(modelsDir)).toEqual([]);
  });

  it('rejects a size the network cannot run at', async () => {
    // The position embedding is built for (32 / 8)^2 = 16 patches; 48 px and 40 px give 36
    // and 25 patches.
    for (const imageSize of [48, 40]) {
      const attempt = importModel(dynamicSizeNet, { modelsDir, imageSize });
      await expect(attempt, String(imageSize)).rejects.toThrow(ModelValidationError);
      await expect(attempt, String(imageSize)).rejects.toThrow(
        `failed to run at image size ${imageSize}`,
      );
    }
    expect(await listInstalledModels(modelsDir)).toEqual([]);
  });
});

describe('resolveModel', () => {
  it('resolves an installed id and a file path', async () => {
    await importModel(imagenetNet, { modelsDir, id: 'tiny' });

    const byId = await resolveModel('tiny', { modelsDir });
    const byPath = await resolveModel(imagenetNet, { modelsDir });

    expect(byId.path).toBe(join(modelsDir, 'tiny.onnx'));
    expect(byId.preprocessing).toMatchObject({ size: 32, cropRatio: 0.875 });
    expect(byId.signature.inputName).toBe('pixel_values');
    expect(byPath.id).toBe('tiny-deit-seed-1');
    expect(byPath.preprocessing.size).toBe(32);
  });

  it('tells how to get a catalogue model that is missing', async () => {
    await expect(resolveModel('deit-tiny-distilled-224', { modelsDir })).rejects.toThrow(
      'deit-tagger models download deit-tiny-distilled-224',
    );
    await expect(resolveModel('no-such-model', { modelsDir })).rejects.toThrow(/unknown model/);
  });

  it('tells how to import a file of symbolic size', async () => {
    await expect(resolveModel(dynamicSizeNet, { modelsDir })).rejects.toThrow(
      'import it with `deit-tagger models import FILE --image-size N`',
    );
  });
});

describe('active model', () => {
  it('is stored in the settings table and cleared on removal', async () => {
    const db = openDatabase(join(modelsDir, 'library.sqlite'));
    try {
      expect(activeModel(db)).toBeNull();
      await expect(useModel(db, modelsDir, 'tiny')).rejects.toThrow(/unknown model "tiny"/);

      await importModel(imagenetNet, { modelsDir, id: 'tiny' });
      await useModel(db, modelsDir, 'tiny');
      expect(activeModel(db)).toBe('tiny');
      const row = db.prepare("SELECT value FROM settings WHERE key = 'active_model'").get();
      expect(row).toEqual({ value: 'tiny' });

      const { freedBytes, wasActive } = await removeModel(modelsDir, 'tiny', db);
      expect(freedBytes).toBeGreaterThan(0);
      expect(wasActive).toBe(true);
      expect(activeModel(db)).toBeNull();
      expect(await getInstalledModel(modelsDir, 'tiny')).toBeNull();
    } finally {
      db.close();
    }
  });

  it('keeps labels of other models when switching', async () => {
    const db = openDatabase(join(modelsDir, 'library.sqlite'));
    try {
      await importModel(imagenetNet, { modelsDir, id: 'first' });
      await importModel(imagenetNet, { modelsDir, id: 'second' });
      setActiveModel(db, 'first');
      const photo = db
        .prepare(
          `INSERT INTO photos (path, folder, name, size, mtime_ms, taken_at, status, model)
           VALUES ('/p/a.jpg', '/p', 'a.jpg', 1, 1, 1, 'tagged', 'first')`,
        )
        .run().lastInsertRowid;
      db.prepare(
        `INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
         VALUES (?, 'model', 'first', 207, 0.9, 1, 1)`,
      ).run(photo);

      await useModel(db, modelsDir, 'second');

      expect(activeModel(db)).toBe('second');
      expect(photosLabelledByModel(db)).toEqual(new Map([['first', 1]]));
      const listed = await listModels(modelsDir, db);
      expect(listed.find((m) => m.id === 'first')).toMatchObject({
        active: false,
        labelledPhotos: 1,
      });
      expect(listed.find((m) => m.id === 'second')).toMatchObject({ active: true });
    } finally {
      db.close();
    }
  });
});

describe('modelForScan', () => {
  it('prefers the active model, then the default', async () => {
    const db = openDatabase(join(modelsDir, 'library.sqlite'));
    try {
      expect(await modelForScan(db, modelsDir, false)).toBeNull();

      await importModel(imagenetNet, { modelsDir, id: 'deit-tiny-distilled-224' });
      expect(await modelForScan(db, modelsDir, false)).toBe('deit-tiny-distilled-224');
      expect(await modelForScan(db, modelsDir, true)).toBeNull();

      await importModel(imagenetNet, { modelsDir, id: 'mine' });
      setActiveModel(db, 'mine');
      expect(await modelForScan(db, modelsDir, false)).toBe('mine');
    } finally {
      db.close();
    }
  });
});

describe('listModels', () => {
  it('lists the catalogue and imported models', async () => {
    await importModel(imagenetNet, { modelsDir, id: 'custom' });

    const listed = await listModels(modelsDir);

    const small = listed.find((m) => m.id === 'deit-small-distilled-224');
    expect(small).toMatchObject({ installed: false, downloadable: true, top1: 81.2 });
    expect(listed.find((m) => m.id === 'deit-small-224')).toMatchObject({ downloadable: false });
    expect(listed.find((m) => m.id === 'deit-small-distilled-224-quantized')?.top1).toBeNull();
    expect(listed.find((m) => m.id === 'custom')).toMatchObject({
      installed: true,
      origin: 'import',
      inputSize: 32,
    });
  });
});

describe('modelIdFromFileName', () => {
  it.each([
    ['/a/deit-tiny-patch16-224.onnx', 'deit-tiny-patch16-224'],
    ['C Model (v2).onnx', 'c-model-v2'],
    ['__Weird__.ONNX', 'weird'],
  ])('%s gives %s', (file, id) => {
    expect(modelIdFromFileName(file)).toBe(id);
  });
});
