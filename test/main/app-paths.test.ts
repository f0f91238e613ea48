import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  configureAppPaths,
  electronAppDataDir,
  electronUserDataDir,
} from '../../electron/main/app-paths.js';
import { appDataDir, PRODUCT_NAME } from '../../electron/core/paths.js';

/** Stands in for Electron's `app`: userData follows the name until set explicitly. */
class FakeApp {
  name = 'deit-tagger';
  readonly set = new Map<string, string>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  setName(name: string): void {
    this.name = name;
  }

  getPath(name: 'userData'): string {
    const appData = electronAppDataDir(process.platform, this.env);
    return this.set.get(name) ?? electronUserDataDir(appData, this.name);
  }

  setPath(name: string, path: string): void {
    this.set.set(name, path);
  }
}

describe('userData and appDataDir', () => {
  const environments: Array<[string, NodeJS.ProcessEnv]> = [
    ['no overrides', {}],
    ['XDG_CONFIG_HOME', { XDG_CONFIG_HOME: '/tmp/xdg-config' }],
    ['APPDATA', { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }],
  ];

  it.each(environments)('agree with %s', (_label, env) => {
    const electron = electronUserDataDir(electronAppDataDir(process.platform, env), PRODUCT_NAME);
    expect(appDataDir(env)).toBe(electron);
  });

  it('follow Electron on each platform', () => {
    const home = homedir();
    expect(electronAppDataDir('linux', {}, home)).toBe(join(home, '.config'));
    expect(electronAppDataDir('linux', { XDG_CONFIG_HOME: '/x' }, home)).toBe('/x');
    expect(electronAppDataDir('darwin', {}, home)).toBe(
      join(home, 'Library', 'Application Support'),
    );
    expect(electronAppDataDir('win32', { APPDATA: 'R' }, home)).toBe('R');
  });

  it('name the app after package.json productName', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { productName: string };
    expect(pkg.productName).toBe(PRODUCT_NAME);
  });
});

describe('configureAppPaths', () => {
  it('gives Electron the library folder by name alone', () => {
    const app = new FakeApp({});
    const dir = configureAppPaths(app, {});

    expect(app.name).toBe(PRODUCT_NAME);
    expect(app.getPath('userData')).toBe(dir);
    expect(dir).toBe(appDataDir({}));
    // The name already gives the right folder, so no explicit path is needed.
    expect(app.set.size).toBe(0);
  });

  it('follows DEIT_TAGGER_HOME', () => {
    const env = { DEIT_TAGGER_HOME: '/tmp/deit-home' };
    const app = new FakeApp(env);

    expect(configureAppPaths(app, env)).toBe('/tmp/deit-home');
    expect(app.getPath('userData')).toBe('/tmp/deit-home');
  });
});
