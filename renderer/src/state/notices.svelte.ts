import type { ApiError } from '../../../electron/api.js';
import { t } from '../i18n/index.svelte.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** Notices shown at the bottom of the window; errors stay until dismissed. */
class Notices {
  items = $state<Notice[]>([]);
  #next = 1;

  info(text: string): void {
    const id = this.#next++;
    this.items.push({ id, kind: 'info', text });
    setTimeout(() => this.dismiss(id), 5000);
  }

  /** Turns an API error into a translated message: the one place the UI does so. */
  error(error: ApiError): void {
    const text = t(`error.${error.code}`, { detail: error.message });
    // The same failure repeated (a dropped connection) shows once.
    if (this.items.some((item) => item.text === text)) return;
    this.items.push({ id: this.#next++, kind: 'error', text });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((item) => item.id !== id);
  }
}

export const notices = new Notices();
