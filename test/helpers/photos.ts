import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** Writes a small photo whose colours depend on the seed, as JPEG or PNG by the name's extension. */
export async function writeSeededPhoto(path: string, seed: number, size = 48): Promise<void> {
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const offset = (y * size + x) * 3;
      pixels[offset] = (x * 5 + seed * 37) & 255;
      pixels[offset + 1] = (y * 7 + seed * 91) & 255;
      pixels[offset + 2] = ((x ^ y) * 3 + seed * 53) & 255;
    }
  }
  const image = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  const data = path.toLowerCase().endsWith('.png')
    ? await image.png().toBuffer()
    : await image.jpeg({ quality: 90 }).toBuffer();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** Writes `count` seeded photos named photo-000.jpg, photo-001.jpg... into a folder. */
export async function writeSeededPhotos(
  folder: string,
  count: number,
  firstSeed = 0,
): Promise<string[]> {
  const paths: string[] = [];
  for (let index = 0; index < count; index++) {
    const path = join(folder, `photo-${String(index).padStart(3, '0')}.jpg`);
    await writeSeededPhoto(path, firstSeed + index);
    paths.push(path);
  }
  return paths;
}
