import type { ApiEvents, EmitEvent, EventName } from '../api.js';

export type EventListener = <E extends EventName>(name: E, payload: ApiEvents[E]) => void;

/** Fans back-end events out to every connected transport (SSE clients, IPC windows). */
export class EventHub {
  readonly #listeners = new Set<EventListener>();

  readonly emit: EmitEvent = (name, payload) => {
    for (const listener of this.#listeners) listener(name, payload);
  };

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }
}
