import type { Db } from '../core/db/database.js';
import {
  PROVIDER_PREFERENCES,
  type Language,
  type ProviderPreference,
  type Settings,
  type Theme,
} from '../api.js';

const THEME_KEY = 'ui.theme';
const LANGUAGE_KEY = 'ui.language';
const PROVIDER_KEY = 'scan.provider';

/** Returns the language of the system locale when the UI has it, else English. */
function systemLanguage(): Language {
  return Intl.DateTimeFormat().resolvedOptions().locale.startsWith('ja') ? 'ja' : 'en';
}

function readValue(db: Db, key: string): string | null {
  const row = db
    .prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?')
    .get(key);
  return row?.value ?? null;
}

/** Reads the UI settings stored in the library, with defaults for unset or unknown values. */
export function readSettings(db: Db): Settings {
  const theme = readValue(db, THEME_KEY);
  const language = readValue(db, LANGUAGE_KEY);
  const provider = readValue(db, PROVIDER_KEY);
  return {
    theme: theme === 'light' || theme === 'dark' ? theme : 'system',
    language: language === 'en' || language === 'ja' ? language : systemLanguage(),
    provider: PROVIDER_PREFERENCES.find((known) => known === provider) ?? 'auto',
  };
}

/** Stores the given UI settings and returns all of them. */
export function writeSettings(
  db: Db,
  change: { theme?: Theme; language?: Language; provider?: ProviderPreference },
): Settings {
  const upsert = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  db.transaction(() => {
    if (change.theme) upsert.run(THEME_KEY, change.theme);
    if (change.language) upsert.run(LANGUAGE_KEY, change.language);
    if (change.provider) upsert.run(PROVIDER_KEY, change.provider);
  })();
  return readSettings(db);
}
