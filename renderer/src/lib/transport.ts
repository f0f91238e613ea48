/**
 * Picks the transport to the back end: the preload bridge in Electron, else HTTP and
 * Server-Sent Events against `deit-tagger serve`. The access token travels in the cookie the
 * server set when the page was first opened with `?token=`, so nothing here handles it.
 */
import type {
  ApiEvents,
  DeitTaggerBridge,
  EventName,
  MediaKind,
  RequestInput,
  RequestName,
  RequestOutput,
  Result,
} from '../../../electron/api.js';

declare global {
  interface Window {
    deitTagger?: DeitTaggerBridge;
  }
}

function transportError(message: string): Result<never> {
  return { ok: false, error: { code: 'transport', message } };
}

/** Builds the HTTP transport for a page served by `deit-tagger serve`. */
export function createHttpBridge(base = ''): DeitTaggerBridge {
  let source: EventSource | null = null;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  function ensureSource(): EventSource {
    if (source) return source;
    source = new EventSource(`${base}/api/events`);
    for (const name of listeners.keys()) attach(source, name);
    return source;
  }

  function attach(target: EventSource, name: string): void {
    target.addEventListener(name, (event) => {
      const payload: unknown = JSON.parse((event as MessageEvent<string>).data);
      for (const listener of listeners.get(name) ?? []) listener(payload);
    });
  }

  return {
    transport: 'http',

    async request<N extends RequestName>(
      name: N,
      input: RequestInput<N>,
    ): Promise<Result<RequestOutput<N>>> {
      let response: Response;
      try {
        response = await fetch(`${base}/api/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input),
          credentials: 'same-origin',
        });
      } catch (error) {
        return transportError(error instanceof Error ? error.message : String(error));
      }
      try {
        return (await response.json()) as Result<RequestOutput<N>>;
      } catch {
        return transportError(`HTTP ${response.status} ${response.statusText}`);
      }
    },

    on<E extends EventName>(name: E, listener: (payload: ApiEvents[E]) => void): () => void {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
        if (source) attach(source, name);
      }
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      ensureSource();
      return () => set.delete(wrapped);
    },

    mediaUrl(kind: MediaKind, id: number): string {
      return `${base}/photos/${id}/${kind}`;
    },
  };
}

/** The transport the app uses: the Electron bridge when the preload script set one. */
export const bridge: DeitTaggerBridge = window.deitTagger ?? createHttpBridge();

export const mediaUrl = (kind: MediaKind, id: number): string => bridge.mediaUrl(kind, id);
