/**
 * The electron-builder configuration, checked with electron-builder's own schema validation
 * (nothing is packaged), and the icon it uses.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

interface PlatformConfig {
  target: string[];
  icon: string;
  files: string[];
}

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  linux: PlatformConfig;
  win: PlatformConfig;
  mac: PlatformConfig;
}

// electron-builder's dependencies: js-yaml reads its configuration, app-builder-lib validates it.
const yaml = require('js-yaml') as { load: (text: string) => unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
};
const { minimatch } = require('minimatch') as {
  minimatch: (path: string, pattern: string) => boolean;
};
const { DebugLogger } = require('builder-util/out/DebugLogger') as {
  DebugLogger: new (enabled: boolean) => unknown;
};

const config = yaml.load(readFileSync('build/electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  productName: string;
  main: string;
};

describe('electron-builder configuration', () => {
  it('passes the schema', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('matches package.json', () => {
    expect(config.productName).toBe(pkg.productName);
    expect(config.appId).toBe('org.deittagger.app');
    // The entry point must be inside the packaged files.
    expect(pkg.main.startsWith('out/')).toBe(true);
    expect(config.files).toContain('out/**');
    expect(config.files).toContain('package.json');
  });

  it('unpacks the native modules', () => {
    for (const module of ['onnxruntime-node', 'sharp', '@img', 'better-sqlite3']) {
      expect(config.asarUnpack).toContain(`**/node_modules/${module}/**`);
    }
  });

  it('never rebuilds native modules', () => {
    expect(config.npmRebuild).toBe(false);
  });

  it.each([
    ['linux', 'linux'],
    ['win', 'win32'],
    ['mac', 'darwin'],
  ] as const)('packs only the %s ONNX Runtime', (platform, ortName) => {
    const binary = (os: string) =>
      `node_modules/onnxruntime-node/bin/napi-v6/${os}/x64/onnxruntime_binding.node`;
    const excluded = (path: string) =>
      config[platform].files.some(
        (pattern) => pattern.startsWith('!') && minimatch(path, pattern.slice(1)),
      );

    for (const os of ['linux', 'win32', 'darwin']) {
      expect(excluded(binary(os))).toBe(os !== ortName);
    }
  });

  it('targets each desktop platform', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });
});

describe('icon', () => {
  it('is a 512 px PNG', async () => {
    const meta = await sharp(config.linux.icon).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(512);
    expect(meta.height).toBe(512);
  });

  it('is rendered from icon.svg', async () => {
    const committed = await sharp('build/icon.png').ensureAlpha().raw().toBuffer();
    const fresh = await sharp('build/icon.svg').resize(512, 512).ensureAlpha().raw().toBuffer();
    expect(fresh.length).toBe(committed.length);

    // Compare colours premultiplied by alpha: transparent pixels may carry any RGB. Palette
    // quantisation moves a channel by up to about 18 levels; a stale PNG moves whole shapes.
    const premultiplied = (data: Buffer, i: number, channel: number): number =>
      ((data[i + channel] ?? 0) * (channel < 3 ? (data[i + 3] ?? 0) : 255)) / 255;
    let differing = 0;
    for (let i = 0; i < fresh.length; i += 4) {
      for (let channel = 0; channel < 4; channel++) {
        const delta = premultiplied(fresh, i, channel) - premultiplied(committed, i, channel);
        if (Math.abs(delta) > 24) {
          differing++;
          break;
        }
      }
    }
    expect(differing / (fresh.length / 4)).toBeLessThan(0.001);
  });
});
