/**
 * Checks that decodePhoto feeds DeiT the same input as the PyTorch and Pillow evaluation
 * transform: decodes every photo under `../shared/photos`, runs the real DeiT-Ti ONNX model on
 * it with onnxruntime-node, and compares the top-1 label with the stored reference top-5.
 * Prints the top-1 agreement, the top-1 accuracy on the ImageNet sample photos (true class =
 * the WordNet id that starts the file name) and every photo whose label differs.
 *
 * With `--large`, it also upscales the ImageNet photos 8x to 4000x3000-class JPEGs and compares
 * the top-1 label with shrink-on-load against a full-size decode of the same file.
 *
 * Run: npx tsx test/accuracy/reference-agreement.ts [--large]
 * Exits 0 without checking anything when `../shared` is missing.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

import { decodePhoto, DEIT_224 } from '../../electron/core/image/decode.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(repoRoot, '../shared');
const photosDir = join(shared, 'photos');
const modelPath = join(shared, 'models/deit-tiny-patch16-224.onnx');
const referencePath = join(shared, 'models/deit-tiny-reference-top5.json');
const classesPath = join(shared, 'data/imagenet-1k-classes.tsv');

const BATCH_SIZE = 8;

interface ReferenceEntry {
  top5: number[];
  scores: number[];
  labels: string[];
}

function softmax(logits: Float32Array, offset: number, count: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]);
  const out = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    out[i] = Math.exp(logits[offset + i] - max);
    sum += out[i];
  }
  for (let i = 0; i < count; i++) out[i] /= sum;
  return out;
}

async function top1(session: ort.InferenceSession, tensor: Float32Array): Promise<number> {
  const feeds = {
    pixel_values: new ort.Tensor('float32', tensor, [1, 3, DEIT_224.size, DEIT_224.size]),
  };
  const logits = (await session.run(feeds)).logits.data as Float32Array;
  return top2(softmax(logits, 0, 1000))[0];
}

/** Compares shrink-on-load with a full-size decode on 8x upscaled copies of the photos. */
async function compareShrinkOnLoad(session: ort.InferenceSession, names: string[]): Promise<void> {
  let same = 0;
  let shrinkMs = 0;
  let fullMs = 0;
  const differing: string[] = [];
  for (const name of names) {
    const original = readFileSync(join(photosDir, name));
    const { width = 0, height = 0 } = await sharp(original).metadata();
    const large = await sharp(original)
      .resize(width * 8, height * 8, { kernel: 'cubic' })
      .jpeg({ quality: 90 })
      .toBuffer();

    let began = performance.now();
    const shrunk = await decodePhoto(large, DEIT_224);
    shrinkMs += performance.now() - began;
    began = performance.now();
    const full = await decodePhoto(large, DEIT_224, { shrinkOnLoad: false });
    fullMs += performance.now() - began;

    const [a, b] = [await top1(session, shrunk.tensor), await top1(session, full.tensor)];
    if (a === b) same++;
    else differing.push(`${name}: shrink-on-load ${a}, full size ${b}`);
  }
  console.log(
    `8x upscaled photos: shrink-on-load gives the full-size top-1 for ${same}/${names.length}; ` +
      `mean ${(shrinkMs / names.length).toFixed(0)} ms with, ${(fullMs / names.length).toFixed(0)} ms without`,
  );
  for (const line of differing) console.log(`differs: ${line}`);
}

function top2(scores: Float64Array): [number, number] {
  let first = 0;
  let second = 1;
  if (scores[second] > scores[first]) [first, second] = [second, first];
  for (let i = 2; i < scores.length; i++) {
    if (scores[i] > scores[first]) {
      second = first;
      first = i;
    } else if (scores[i] > scores[second]) {
      second = i;
    }
  }
  return [first, second];
}

async function main(): Promise<void> {
  if (![photosDir, modelPath, referencePath, classesPath].every((path) => existsSync(path))) {
    console.log(`skipped: ${shared} does not have the photos, model and reference`);
    return;
  }

  const reference = JSON.parse(readFileSync(referencePath, 'utf8')) as Record<
    string,
    ReferenceEntry
  >;
  const wnids = readFileSync(classesPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t')[0]);
  const names = Object.keys(reference).sort();
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });

  const plane = 3 * DEIT_224.size * DEIT_224.size;
  let agree = 0;
  let imagenetTotal = 0;
  let imagenetCorrect = 0;
  let referenceCorrect = 0;
  let decodeMs = 0;
  // Reference scores have 5 decimals: a difference under 1e-4 means the same input up to rounding.
  let maxScoreDifference = 0;
  let sameScores = 0;
  const disagreements: string[] = [];

  for (let start = 0; start < names.length; start += BATCH_SIZE) {
    const batch = names.slice(start, start + BATCH_SIZE);
    const input = new Float32Array(batch.length * plane);
    for (const [i, name] of batch.entries()) {
      const began = performance.now();
      const photo = await decodePhoto(readFileSync(join(photosDir, name)), DEIT_224);
      decodeMs += performance.now() - began;
      input.set(photo.tensor, i * plane);
    }

    const feeds = {
      pixel_values: new ort.Tensor('float32', input, [
        batch.length,
        3,
        DEIT_224.size,
        DEIT_224.size,
      ]),
    };
    const logits = (await session.run(feeds)).logits.data as Float32Array;

    for (const [i, name] of batch.entries()) {
      const scores = softmax(logits, i * 1000, 1000);
      const [first, second] = top2(scores);
      const expected = reference[name];
      const difference = Math.max(
        ...expected.top5.map((c, k) => Math.abs(scores[c] - expected.scores[k])),
      );
      maxScoreDifference = Math.max(maxScoreDifference, difference);
      if (difference < 1e-4) sameScores++;
      if (first === expected.top5[0]) {
        agree++;
      } else {
        disagreements.push(
          `${name}: ours ${first} (${scores[first].toFixed(4)}), ${second} (${scores[second].toFixed(4)}); ` +
            `reference ${expected.top5[0]} (${expected.scores[0]}), ${expected.top5[1]} (${expected.scores[1]})`,
        );
      }
      if (name.startsWith('imagenet/')) {
        const truth = wnids.indexOf(name.slice('imagenet/'.length, 'imagenet/'.length + 9));
        imagenetTotal++;
        if (first === truth) imagenetCorrect++;
        if (expected.top5[0] === truth) referenceCorrect++;
      }
    }
  }

  const percent = (part: number, whole: number): string => ((100 * part) / whole).toFixed(1);
  console.log(
    `photos: ${names.length}, mean decode + preprocess: ${(decodeMs / names.length).toFixed(1)} ms`,
  );
  console.log(
    `top-1 agreement with the reference: ${agree}/${names.length} (${percent(agree, names.length)} %)`,
  );
  console.log(
    `ImageNet top-1 accuracy: ${imagenetCorrect}/${imagenetTotal} (${percent(imagenetCorrect, imagenetTotal)} %), ` +
      `reference ${referenceCorrect}/${imagenetTotal} (${percent(referenceCorrect, imagenetTotal)} %)`,
  );
  console.log(
    `photos whose top-5 scores match the reference within 1e-4: ${sameScores}/${names.length}, ` +
      `largest difference ${maxScoreDifference.toFixed(5)}`,
  );
  for (const line of disagreements) console.log(`differs: ${line}`);
  if (agree < 0.99 * names.length) process.exitCode = 1;

  if (process.argv.includes('--large')) {
    await compareShrinkOnLoad(
      session,
      names.filter((name) => name.startsWith('imagenet/')),
    );
  }
}

await main();
