import type { Language } from '../../../electron/api.js';
import { en, type MessageKey } from './en.js';
import { ja } from './ja.js';

const catalogs = { en, ja } as const;

/** The UI language and the function that looks up translated text. */
class I18n {
  language = $state<Language>('en');

  /** Returns the text of a key with `{name}` placeholders replaced from `params`. */
  t = (key: MessageKey, params: Record<string, string | number> = {}): string => {
    const singular = `${key}#one`;
    const chosen = params.count === 1 && singular in en ? (singular as MessageKey) : key;
    const text: string = catalogs[this.language][chosen] ?? en[chosen];
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in params ? this.format(params[name]) : whole,
    );
  };

  format(value: string | number | undefined): string {
    if (typeof value === 'number') return value.toLocaleString(this.locale);
    return value ?? '';
  }

  get locale(): string {
    return this.language === 'ja' ? 'ja-JP' : 'en-US';
  }
}

export const i18n = new I18n();
export const t = i18n.t;
export type { MessageKey };
