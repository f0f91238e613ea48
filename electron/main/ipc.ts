/**
 * The IPC transport of the API: one `ipcMain.handle` per request of electron/api.ts on the
 * channel `ipcChannel(name)` names, and events sent to the windows on their channels. The
 * preload script learns the channel table from `bridgeArgument()`, so no channel name is
 * written by hand on either side.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';

import {
  EVENT_NAMES,
  REQUEST_NAMES,
  ipcChannel,
  type ApiEvents,
  type Dispatch,
  type EventName,
  type RequestName,
  type Result,
} from '../api.js';
import type { Logger } from './log.js';
import { isAppUrl, PHOTO_SCHEME } from './urls.js';

/**
 * The channel table the preload script builds the bridge from. It travels as a command-line
 * argument of the renderer process (`webPreferences.additionalArguments`), because a sandboxed
 * preload cannot load a sibling module that would hold it.
 */
export interface BridgeConfig {
  requests: Record<RequestName, string>;
  events: Record<EventName, string>;
  /** Scheme of photo media URLs: `<scheme>://<kind>/<id>`. */
  mediaScheme: string;
}

/**
 * Start of the renderer argument that carries the BridgeConfig: percent-encoded JSON, so the
 * argument has no quotes or spaces for a command line to mangle.
 */
export const BRIDGE_ARGUMENT_PREFIX = '--deit-tagger-bridge=';

export function bridgeConfig(): BridgeConfig {
  const requests = Object.fromEntries(REQUEST_NAMES.map((name) => [name, ipcChannel(name)]));
  const events = Object.fromEntries(EVENT_NAMES.map((name) => [name, ipcChannel(name)]));
  return {
    requests: requests as Record<RequestName, string>,
    events: events as Record<EventName, string>,
    mediaScheme: PHOTO_SCHEME,
  };
}

/** Returns the `additionalArguments` entry that hands the BridgeConfig to the preload script. */
export function bridgeArgument(config: BridgeConfig = bridgeConfig()): string {
  return `${BRIDGE_ARGUMENT_PREFIX}${encodeURIComponent(JSON.stringify(config))}`;
}

/**
 * Tells whether an IPC message comes from the app's own page: the top frame of a window, at
 * an `app://deit-tagger/` URL. A frame that navigated elsewhere (which the window's navigation
 * guard should prevent) or an embedded frame gets no access to the API.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  return frame.parent === null && isAppUrl(frame.url);
}

export interface IpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dispatch: Dispatch;
  log: Logger;
  /** Defaults to `isTrustedSender`. */
  trust?: (event: IpcMainInvokeEvent) => boolean;
}

/**
 * Registers a handler for every request of the contract. The dispatch function (from
 * `bindApi`) validates the input with the request's schema and returns errors as data, so
 * nothing the renderer sends reaches a handler unchecked. Returns the function that
 * unregisters them.
 */
export function registerIpc(options: IpcOptions): () => void {
  const { ipcMain, dispatch, log } = options;
  const trust = options.trust ?? isTrustedSender;
  for (const name of REQUEST_NAMES) {
    ipcMain.handle(ipcChannel(name), async (event, input: unknown): Promise<Result<unknown>> => {
      if (!trust(event)) {
        log.warn('rejected a request from an untrusted frame', {
          request: name,
          frame: event.senderFrame?.url ?? null,
        });
        return {
          ok: false,
          error: { code: 'unauthorized', message: `${name}: the sender is not the app's page` },
        };
      }
      return dispatch(name, input);
    });
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(ipcChannel(name));
  };
}

/** Sends an event to every live window on the channel the contract names. */
export function sendEvent<E extends EventName>(
  targets: Iterable<Pick<WebContents, 'send' | 'isDestroyed'>>,
  name: E,
  payload: ApiEvents[E],
): void {
  const channel = ipcChannel(name);
  for (const contents of targets) {
    if (!contents.isDestroyed()) contents.send(channel, payload);
  }
}

/**
 * Sends an event to one window once its page has loaded. The renderer subscribes while its
 * page loads, so an event sent to a window that is still loading would reach no listener.
 */
export function sendEventWhenLoaded<E extends EventName>(
  contents: Pick<WebContents, 'send' | 'isDestroyed' | 'isLoading'> & {
    once(event: 'did-finish-load', listener: () => void): unknown;
  },
  name: E,
  payload: ApiEvents[E],
): void {
  if (contents.isLoading()) {
    contents.once('did-finish-load', () => sendEvent([contents], name, payload));
  } else {
    sendEvent([contents], name, payload);
  }
}
