/**
 * Renders build/icon.svg to build/icon.png (512x512), the icon electron-builder turns into each
 * platform's format. Run after editing the SVG: `node --import tsx build/make-icon.ts`.
 */
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ICON_SIZE = 512;

/** Renders an SVG file to a square PNG of `size` pixels and returns its metadata. */
export async function renderIcon(svgFile: string, pngFile: string, size = ICON_SIZE) {
  return sharp(svgFile, { density: 72 * (size / ICON_SIZE) })
    .resize(size, size)
    .png({ compressionLevel: 9, palette: true })
    .toFile(pngFile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const svg = fileURLToPath(new URL('./icon.svg', import.meta.url));
  const png = fileURLToPath(new URL('./icon.png', import.meta.url));
  const info = await renderIcon(svg, png);
  console.log(`wrote ${png}: ${info.width}x${info.height}, ${info.size} bytes`);
}
