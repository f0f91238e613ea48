/**
 * Inputs of the benchmark, built once and cached under the OS temp folder: camera-sized JPEGs
 * upscaled from real photos, small generated JPEGs, a tree of 100,000 tiny files and
 * DeiT-shaped networks with seeded weights. Bump a version in a folder name when its generator
 * changes.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

import { writeDeitOnnx, type DeitSpec } from '../fixtures/deit-onnx.js';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
/** Real photos and the real DeiT-Ti, when this checkout sits beside them. */
export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
export const REAL_PHOTOS_DIR = join(SHARED_DIR, 'photos/real');
export const IMAGENET_PHOTOS_DIR = join(SHARED_DIR, 'photos/imagenet');
export const REAL_DEIT_TINY = join(SHARED_DIR, 'models/deit-tiny-patch16-224.onnx');
export const CACHE_DIR = join(tmpdir(), 'deit-tagger-bench');

/** A generated network: its file and the shape it was built with. */
export interface BenchNetwork {
  name: string;
  path: string;
  spec: DeitSpec;
}

export const NETWORK_SPECS: Record<'deit-ti-shape' | 'deit-s-shape' | 'small-224', DeitSpec> = {
  'deit-ti-shape': { embedDim: 192, depth: 12, heads: 3, seed: 11 },
  'deit-s-shape': { embedDim: 384, depth: 12, heads: 6, seed: 12 },
  // 224 px input like the real models, so decoding does the same work, but cheap inference.
  'small-224': { embedDim: 32, depth: 2, heads: 2, mlpRatio: 2, seed: 13 },
};

/** Writes `path` through a temporary name, so an interrupted run leaves no half-written file. */
async function writeOnce(path: string, build: (tmpPath: string) => Promise<void>): Promise<void> {
  if (existsSync(path)) return;
  const tmpPath = `${path}.partial${extname(path)}`;
  await build(tmpPath);
  await rename(tmpPath, path);
}

export async function benchNetwork(name: keyof typeof NETWORK_SPECS): Promise<BenchNetwork> {
  const spec = { ...NETWORK_SPECS[name], imageSize: 224, patchSize: 16, numClasses: 1000 };
  const folder = join(CACHE_DIR, 'networks-v1');
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${name}.onnx`);
  await writeOnce(path, (tmpPath) => writeDeitOnnx(tmpPath, spec));
  return { name, path, spec };
}

export const CAMERA_WIDTH = 4000;
export const CAMERA_HEIGHT = 3000;

/**
 * Returns a folder of `count` 12-megapixel JPEGs (4000x3000, quality 92) upscaled from the real
 * photos, or null when the real photos are absent. Past the number of real photos the copies
 * are mirrored, so every file has its own content.
 */
export async function cameraPhotos(count: number): Promise<string | null> {
  if (!existsSync(REAL_PHOTOS_DIR)) return null;
  const sources = (await readdir(REAL_PHOTOS_DIR))
    .filter((name) => /\.(jpe?g|png)$/i.test(name))
    .sort();
  if (sources.length === 0) return null;

  const folder = join(CACHE_DIR, `camera-12mp-v1-${count}`);
  await mkdir(folder, { recursive: true });
  for (let index = 0; index < count; index++) {
    const source = join(REAL_PHOTOS_DIR, sources[index % sources.length]);
    const mirrored = Math.floor(index / sources.length) % 2 === 1;
    const path = join(folder, `camera-${String(index).padStart(3, '0')}.jpg`);
    await writeOnce(path, async (tmpPath) => {
      await sharp(source)
        .rotate()
        .flop(mirrored)
        .resize(CAMERA_WIDTH, CAMERA_HEIGHT, { fit: 'cover', kernel: 'lanczos3' })
        .jpeg({ quality: 92 })
        .toFile(tmpPath);
    });
  }
  return folder;
}

/** Returns a folder of `count` 320x240 JPEGs with seeded content, 100 to a subfolder. */
export async function smallPhotos(count: number): Promise<string> {
  const folder = join(CACHE_DIR, `small-320x240-v1-${count}`);
  const marker = `${folder}.complete`;
  if (existsSync(marker)) return folder;

  await rm(folder, { recursive: true, force: true });
  const width = 320;
  const height = 240;
  const pixels = Buffer.alloc(width * height * 3);
  for (let index = 0; index < count; index++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const offset = (y * width + x) * 3;
        pixels[offset] = (x + index * 37) & 255;
        pixels[offset + 1] = (y * 2 + index * 91) & 255;
        pixels[offset + 2] = ((x ^ y) + index * 53) & 255;
      }
    }
    const subfolder = join(folder, `folder-${String(Math.floor(index / 100)).padStart(3, '0')}`);
    if (index % 100 === 0) await mkdir(subfolder, { recursive: true });
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    await writeFile(join(subfolder, `photo-${String(index).padStart(5, '0')}.jpg`), jpeg);
  }
  await writeFile(marker, '');
  return folder;
}

/**
 * Returns a folder of `count` copies of one 8x8 JPEG, 1,000 to a subfolder. The rescan only
 * compares paths, sizes and modification times, so the files need no content of their own.
 */
export async function tinyFileTree(count: number): Promise<string> {
  const folder = join(CACHE_DIR, `tiny-tree-v1-${count}`);
  const marker = `${folder}.complete`;
  if (existsSync(marker)) return folder;

  await rm(folder, { recursive: true, force: true });
  const jpeg = await sharp({
    create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 120, b: 40 } },
  })
    .jpeg()
    .toBuffer();
  const perFolder = 1000;
  for (let start = 0; start < count; start += perFolder) {
    const subfolder = join(folder, `folder-${String(start / perFolder).padStart(3, '0')}`);
    await mkdir(subfolder, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let index = start; index < Math.min(count, start + perFolder); index++) {
      writes.push(writeFile(join(subfolder, `img-${String(index).padStart(6, '0')}.jpg`), jpeg));
    }
    await Promise.all(writes);
  }
  await writeFile(marker, '');
  return folder;
}

/** Returns a fresh, empty folder for one run's database and thumbnails. */
export async function scratchFolder(name: string): Promise<string> {
  const folder = join(CACHE_DIR, 'scratch', `${name}-${process.pid}-${Date.now()}`);
  await mkdir(folder, { recursive: true });
  return folder;
}

/** Lays out a network the way transformers.js loads a local model: config files and onnx/model.onnx. */
export async function transformersModelFolder(
  network: BenchNetwork,
  labels: string[],
): Promise<string> {
  const root = join(CACHE_DIR, 'transformers-models-v1');
  const folder = join(root, network.name);
  await mkdir(join(folder, 'onnx'), { recursive: true });
  const modelFile = join(folder, 'onnx', 'model.onnx');
  await writeOnce(modelFile, (tmpPath) => copyFile(network.path, tmpPath));

  const id2label = Object.fromEntries(labels.map((label, index) => [String(index), label]));
  const label2id = Object.fromEntries(labels.map((label, index) => [label, index]));
  const config = {
    model_type: 'deit',
    architectures: ['DeiTForImageClassification'],
    image_size: 224,
    patch_size: network.spec.patchSize ?? 16,
    num_channels: 3,
    hidden_size: network.spec.embedDim,
    num_hidden_layers: network.spec.depth,
    num_attention_heads: network.spec.heads,
    id2label,
    label2id,
  };
  // DeiT's evaluation transform: shorter side to 256 (bicubic), centre crop 224, ImageNet stats.
  const preprocessor = {
    image_processor_type: 'DeiTImageProcessor',
    do_resize: true,
    size: { shortest_edge: 256 },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: 224, width: 224 },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.485, 0.456, 0.406],
    image_std: [0.229, 0.224, 0.225],
  };
  await writeFile(join(folder, 'config.json'), JSON.stringify(config));
  await writeFile(join(folder, 'preprocessor_config.json'), JSON.stringify(preprocessor));
  return root;
}
