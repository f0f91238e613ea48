import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Preprocessing } from '../image/decode.js';
import { preprocessingForSize as catalogPreprocessing, toImagePreprocessing } from './catalog.js';

/** A model file to tag with, and how photos are prepared for it. */
export interface ResolvedModel {
  /** The id stored with every label it produces: a catalogue id or the imported file's name. */
  id: string;
  path: string;
  /** When absent, it follows from the network's input size (see preprocessingForSize). */
  preprocessing?: Preprocessing;
}

/** No model was given and none is installed or active. */
export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}

/** Returns DeiT's evaluation transform for a square input size, in the decoder's form. */
export function preprocessingForSize(size: number): Preprocessing {
  return toImagePreprocessing(catalogPreprocessing(size));
}

/** Returns the model id for a file outside the catalogue: its name without `.onnx`. */
export function modelIdFromPath(path: string): string {
  return basename(path, extname(path));
}

/** Resolves an explicit model file, checking that it exists. */
export function modelFromFile(path: string): ResolvedModel {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ModelNotFoundError(`model file not found: ${absolute}`);
  return { id: modelIdFromPath(absolute), path: absolute };
}

/** Resolves an installed model by id: the file `<id>.onnx` in the models folder. */
export function modelFromId(modelsDir: string, id: string): ResolvedModel {
  const path = join(modelsDir, `${id}.onnx`);
  if (!existsSync(path)) {
    throw new ModelNotFoundError(
      `model "${id}" is not installed in ${modelsDir}; run \`deit-tagger models download ${id}\``,
    );
  }
  return { id, path };
}
