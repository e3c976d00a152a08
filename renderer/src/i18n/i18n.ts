/**
 * Languages of the UI: English, Spanish, Italian, Portuguese (i18next + react-i18next).
 * Plurals follow the CLDR rules of each language (Intl.PluralRules: es/it/pt have "many"),
 * numbers and dates follow the language too (format.ts setFormatLocale). The language is a
 * display preference per user (shell/prefs.tsx); a switch takes effect at once.
 */
import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { setFormatLocale } from '../format/format';
import { en } from './locales/en';
import { es } from './locales/es';
import { it } from './locales/it';
import { pt } from './locales/pt';

export const LANGUAGES = ['en', 'es', 'it', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];
export const CATALOGUES: Record<Language, object> = { en, es, it, pt };
/** Each language named in itself (the menu shows these). */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', es: 'Español', it: 'Italiano', pt: 'Português' };

export function isLanguage(x: unknown): x is Language {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}

/** A supported language for a BCP 47 tag ("es-ES" -> "es"), English otherwise. */
export function languageOf(tag: string | undefined): Language {
  const base = (tag ?? '').toLowerCase().split('-')[0];
  return isLanguage(base) ? base : 'en';
}

/** A fresh i18next instance with the four catalogues (synchronous: the resources are bundled). */
export function createI18n(lng: Language = 'en'): I18n {
  const i = i18next.createInstance();
  void i.use(initReactI18next).init({
    lng,
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: CATALOGUES[l] }])),
    initAsync: false,
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
    showSupportNotice: false,
  });
  return i;
}

export const i18n = createI18n(languageOf(typeof navigator === 'undefined' ? undefined : navigator.language));
setFormatLocale(i18n.language);

/** Switches the UI language and the number/date formats. */
export function setLanguage(lng: Language): void {
  setFormatLocale(lng);
  if (i18n.language !== lng) void i18n.changeLanguage(lng);
}
