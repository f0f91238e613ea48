import { EventEmitter } from 'node:events';
import type { Session, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';

const openExternal = vi.hoisted(() => vi.fn((_url: string) => Promise.resolve()));
vi.mock('electron', () => ({ BrowserWindow: class {}, shell: { openExternal } }));

import { createLogger } from '../../electron/main/log.js';
import {
  denyPermissions,
  hardenWebContents,
  secureWebPreferences,
} from '../../electron/main/window.js';

const silent = createLogger({ console: null });

/** Stands in for a WebContents: an event emitter with a window-open handler slot. */
class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: string }) | null = null;

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
}

function navigationEvent() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the page', () => {
    const preferences = secureWebPreferences('/app/preload.cjs', '--bridge={}');
    expect(preferences).toMatchObject({
      preload: '/app/preload.cjs',
      additionalArguments: ['--bridge={}'],
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('hardenWebContents', () => {
  function setup() {
    openExternal.mockClear();
    const contents = new FakeContents();
    hardenWebContents(contents as unknown as WebContents, silent);
    return contents;
  }

  it('denies every navigation', () => {
    const contents = setup();
    for (const url of ['https://example.com/', 'app://deit-tagger/other.html', 'file:///etc']) {
      const event = navigationEvent();
      contents.emit('will-navigate', event, url);
      expect(event.defaultPrevented).toBe(true);
    }
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('opens allowed links in the browser', () => {
    const contents = setup();
    const event = navigationEvent();
    contents.emit('will-navigate', event, 'https://github.com/facebookresearch/deit');
    expect(event.defaultPrevented).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://github.com/facebookresearch/deit');
  });

  it('denies new windows', () => {
    const contents = setup();
    expect(contents.openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'https://huggingface.co/facebook/deit-small' })).toEqual({
      action: 'deny',
    });
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledWith('https://huggingface.co/facebook/deit-small');
  });

  it('denies redirects and webviews', () => {
    const contents = setup();
    const redirect = navigationEvent();
    const webview = navigationEvent();
    contents.emit('will-redirect', redirect, 'https://example.com/');
    contents.emit('will-attach-webview', webview);
    expect(redirect.defaultPrevented).toBe(true);
    expect(webview.defaultPrevented).toBe(true);
  });
});

describe('denyPermissions', () => {
  it('denies requests and checks', () => {
    type RequestHandler = (
      contents: unknown,
      permission: string,
      done: (ok: boolean) => void,
    ) => void;
    const handlers: { request?: RequestHandler; check?: () => boolean } = {};
    const session = {
      setPermissionRequestHandler: (handler: RequestHandler) => {
        handlers.request = handler;
      },
      setPermissionCheckHandler: (handler: () => boolean) => {
        handlers.check = handler;
      },
    };
    denyPermissions(session as unknown as Session, silent);

    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      handlers.request?.(null, permission, (ok) => answers.push(ok));
    }
    expect(answers).toEqual([false, false, false, false]);
    expect(handlers.check?.()).toBe(false);
  });
});
