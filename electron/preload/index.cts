/**
 * The preload script: exposes `window.deitTagger`, a DeitTaggerBridge over IPC, and nothing
 * else.
 *
 * Renderers are sandboxed, so this script runs as CommonJS and can `require` only 'electron'
 * and a few Node built-ins, never a sibling module: it cannot import the request table of
 * electron/api.ts. The main process passes the channel of every request and event as a
 * command-line argument instead (see electron/main/ipc.ts), and validates each request's name
 * and input against the contract on arrival. This script only maps names to channels.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

import type {
  ApiEvents,
  DeitTaggerBridge,
  EventName,
  MediaKind,
  RequestName,
  RequestOutput,
  Result,
} from '../api.js';
import type { BridgeConfig } from '../main/ipc.js';

/** Must equal BRIDGE_ARGUMENT_PREFIX in electron/main/ipc.ts; a unit test checks it. */
export const BRIDGE_ARGUMENT_PREFIX = '--deit-tagger-bridge=';

type IpcRendererLike = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>;

/** Reads the BridgeConfig from the renderer's command line; throws when it is missing. */
export function readBridgeConfig(argv: readonly string[]): BridgeConfig {
  const argument = argv.find((arg) => arg.startsWith(BRIDGE_ARGUMENT_PREFIX));
  if (argument === undefined) {
    throw new Error(`missing ${BRIDGE_ARGUMENT_PREFIX} argument: the main process sets it`);
  }
  const encoded = argument.slice(BRIDGE_ARGUMENT_PREFIX.length);
  return JSON.parse(decodeURIComponent(encoded)) as BridgeConfig;
}

function lookup(table: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

function failure(code: 'not-found' | 'transport', message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/** Builds the bridge the renderer sees; exported for tests with a stand-in for ipcRenderer. */
export function createBridge(ipc: IpcRendererLike, config: BridgeConfig): DeitTaggerBridge {
  return {
    transport: 'electron',

    async request<N extends RequestName>(name: N, input: unknown) {
      const channel = lookup(config.requests, name);
      if (channel === undefined) return failure('not-found', `unknown request: ${String(name)}`);
      try {
        return (await ipc.invoke(channel, input)) as Result<RequestOutput<N>>;
      } catch (error) {
        // invoke rejects only when IPC itself fails (no handler, a value that cannot be cloned).
        return failure('transport', error instanceof Error ? error.message : String(error));
      }
    },

    on<E extends EventName>(name: E, listener: (payload: ApiEvents[E]) => void) {
      const channel = lookup(config.events, name);
      if (channel === undefined) throw new Error(`unknown event: ${String(name)}`);
      // The IPC event object carries the sender; the page gets the payload only.
      const forward = (_event: IpcRendererEvent, payload: ApiEvents[E]): void => listener(payload);
      ipc.on(channel, forward);
      return () => {
        ipc.removeListener(channel, forward);
      };
    },

    mediaUrl(kind: MediaKind, id: number): string {
      return `${config.mediaScheme}://${kind}/${id}`;
    },
  };
}

contextBridge.exposeInMainWorld(
  'deitTagger',
  createBridge(ipcRenderer, readBridgeConfig(process.argv)),
);
