import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { describe, expect, it } from 'vitest';

import {
  EVENT_NAMES,
  REQUEST_NAMES,
  ipcChannel,
  type Dispatch,
  type Result,
} from '../../electron/api.js';
import {
  bridgeArgument,
  bridgeConfig,
  BRIDGE_ARGUMENT_PREFIX,
  isTrustedSender,
  registerIpc,
  sendEvent,
  sendEventWhenLoaded,
} from '../../electron/main/ipc.js';
import { createLogger } from '../../electron/main/log.js';

type InvokeHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** Stands in for ipcMain: stores handlers by channel, as Electron does. */
class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();

  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  invoke(channel: string, event: IpcMainInvokeEvent, input: unknown): Promise<Result<unknown>> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, input) as Promise<Result<unknown>>;
  }
}

function frame(url: string, parent: object | null = null): WebFrameMain {
  return { url, parent } as unknown as WebFrameMain;
}

function eventFrom(senderFrame: WebFrameMain | null): IpcMainInvokeEvent {
  return { senderFrame } as unknown as IpcMainInvokeEvent;
}

const silent = createLogger({ console: null });

describe('isTrustedSender', () => {
  it('trusts the top frame of the app page', () => {
    expect(isTrustedSender(eventFrom(frame('app://deit-tagger/index.html')))).toBe(true);
  });

  it.each([
    ['another origin', frame('https://example.com/')],
    ['a file URL', frame('file:///tmp/index.html')],
    ['a look-alike host', frame('app://deit-tagger.example/index.html')],
    ['a subframe of the app', frame('app://deit-tagger/index.html', {})],
    ['a destroyed frame', null],
  ])('rejects %s', (_label, senderFrame) => {
    expect(isTrustedSender(eventFrom(senderFrame))).toBe(false);
  });
});

describe('registerIpc', () => {
  function setup() {
    const ipcMain = new FakeIpcMain();
    const calls: Array<[string, unknown]> = [];
    const dispatch: Dispatch = (name, input) => {
      calls.push([name, input]);
      return Promise.resolve({ ok: true, value: `handled ${name}` });
    };
    const unregister = registerIpc({ ipcMain, dispatch, log: silent });
    return { ipcMain, calls, unregister };
  }

  it('handles every request on its channel', () => {
    const { ipcMain } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map(ipcChannel).sort());
  });

  it('dispatches requests from the app page', async () => {
    const { ipcMain, calls } = setup();
    const app = eventFrom(frame('app://deit-tagger/index.html'));

    const result = await ipcMain.invoke(ipcChannel('photos.get'), app, { id: 3 });

    expect(result).toEqual({ ok: true, value: 'handled photos.get' });
    expect(calls).toEqual([['photos.get', { id: 3 }]]);
  });

  it('rejects requests from other frames unhandled', async () => {
    const { ipcMain, calls } = setup();
    const stranger = eventFrom(frame('https://example.com/'));

    const result = await ipcMain.invoke(ipcChannel('folders.add'), stranger, { path: '/' });

    expect(result).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(calls).toEqual([]);
  });

  it('unregisters every handler', () => {
    const { ipcMain, unregister } = setup();
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('bridgeConfig', () => {
  it('names the contract channel of every request and event', () => {
    const config = bridgeConfig();
    expect(Object.keys(config.requests).sort()).toEqual([...REQUEST_NAMES].sort());
    expect(Object.keys(config.events).sort()).toEqual([...EVENT_NAMES].sort());
    for (const name of REQUEST_NAMES) expect(config.requests[name]).toBe(ipcChannel(name));
    for (const name of EVENT_NAMES) expect(config.events[name]).toBe(ipcChannel(name));
    expect(config.mediaScheme).toBe('photo');
  });

  it('travels as one plain argument', () => {
    const argument = bridgeArgument();
    expect(argument.startsWith(BRIDGE_ARGUMENT_PREFIX)).toBe(true);
    expect(argument).toMatch(/^[\w.!~*'()%:=-]+$/);
    const encoded = argument.slice(BRIDGE_ARGUMENT_PREFIX.length);
    expect(JSON.parse(decodeURIComponent(encoded))).toEqual(bridgeConfig());
  });
});

describe('sendEvent', () => {
  it('sends to live windows on the event channel', () => {
    const sent: Array<[string, string, unknown]> = [];
    const contents = (id: string, destroyed: boolean) => ({
      isDestroyed: () => destroyed,
      send: (channel: string, payload: unknown) => {
        sent.push([id, channel, payload]);
      },
    });

    sendEvent([contents('a', false), contents('b', true)], 'library.changed', {
      reason: 'labels',
    });

    expect(sent).toEqual([['a', ipcChannel('library.changed'), { reason: 'labels' }]]);
  });
});

describe('sendEventWhenLoaded', () => {
  function contents(loading: boolean) {
    const sent: Array<[string, unknown]> = [];
    const waiting: Array<() => void> = [];
    return {
      sent,
      finishLoad: () => waiting.splice(0).forEach((listener) => listener()),
      isLoading: () => loading,
      isDestroyed: () => false,
      send: (channel: string, payload: unknown) => {
        sent.push([channel, payload]);
      },
      once: (event: 'did-finish-load', listener: () => void) => {
        if (event === 'did-finish-load') waiting.push(listener);
      },
    };
  }

  it('sends to a loaded window at once', () => {
    const window = contents(false);
    sendEventWhenLoaded(window, 'ui.command', { command: 'export' });
    expect(window.sent).toEqual([[ipcChannel('ui.command'), { command: 'export' }]]);
  });

  it('waits for a loading window', () => {
    const window = contents(true);
    sendEventWhenLoaded(window, 'ui.command', { command: 'settings' });
    expect(window.sent).toEqual([]);
    window.finishLoad();
    expect(window.sent).toEqual([[ipcChannel('ui.command'), { command: 'settings' }]]);
  });
});
