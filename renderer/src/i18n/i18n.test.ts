import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { currentFormatLocale, formatDateTime, formatNumber, setFormatLocale } from '../format/format';
import { ROUTES } from '../shell/route';
import { CATALOGUES, LANGUAGES, createI18n, languageOf } from './i18n';

/** Every leaf of a catalogue as "a.b.c" -> text. */
function leaves(o: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (k: string): string => k.replace(PLURAL, '');
const placeholders = (s: string): string[] => [...s.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1] as string).sort();

describe('translations (en, es, it, pt)', () => {
  const en = leaves(CATALOGUES.en);

  for (const lang of LANGUAGES) {
    const cat = leaves(CATALOGUES[lang]);
    const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;

    it(`${lang}: every UI string has a translation, with the same placeholders, and nothing extra`, () => {
      const missing: string[] = [];
      const enBases = new Set([...en.keys()].map(base));
      const catBases = new Set([...cat.keys()].map(base));
      for (const k of enBases) if (!catBases.has(k)) missing.push(k);
      assert.deepEqual(missing, [], `${lang} lacks ${missing.join(', ')}`);
      const extra = [...catBases].filter((k) => !enBases.has(k));
      assert.deepEqual(extra, [], `${lang} has keys English does not: ${extra.join(', ')}`);
      for (const [k, v] of cat) {
        assert.ok(typeof v === 'string' && v.trim().length > 0, `${lang} ${k} is empty`);
        const ref = en.get(k) ?? en.get(`${base(k)}_other`) ?? en.get(base(k));
        assert.deepEqual(placeholders(v as string), placeholders(String(ref)), `${lang} ${k}: placeholders differ from English`);
      }
    });

    it(`${lang}: plural strings have every CLDR category of the language (${categories.join(', ')})`, () => {
      const plurals = new Set([...cat.keys(), ...en.keys()].filter((k) => PLURAL.test(k)).map(base));
      for (const b of plurals) for (const c of categories) assert.ok(cat.has(`${b}_${c}`), `${lang} ${b}_${c} is missing`);
    });
  }

  it('every screen has its name in the navigation in every language', () => {
    for (const lang of LANGUAGES) for (const r of ROUTES) assert.ok(leaves(CATALOGUES[lang]).has(`nav.${r}`), `${lang}: nav.${r}`);
  });

  it('every screen has its contextual help (F1) in every language', () => {
    for (const lang of LANGUAGES) for (const r of ROUTES) assert.ok(leaves(CATALOGUES[lang]).has(`help.screen.${r}`), `${lang}: help.screen.${r}`);
  });

  it('plurals follow the language: Spanish "1 más" / "1000000 más", Italian "1 altro" / "2 altri"', () => {
    const i = createI18n('it');
    assert.equal(i.t('alarms.more', { count: 1 }), '+1 altro');
    assert.equal(i.t('alarms.more', { count: 2 }), '+2 altri');
    assert.equal(i.t('alarms.more', { count: 1_000_000 }), '+1000000 altri');
    const e = createI18n('es');
    assert.equal(e.t('synoptic.channel.ActivePower'), 'Potencia');
    assert.equal(createI18n('pt').t('nav.alarms'), 'Alarmes');
  });

  it('a browser language picks the catalogue; anything else is English', () => {
    assert.equal(languageOf('es-ES'), 'es');
    assert.equal(languageOf('pt-BR'), 'pt');
    assert.equal(languageOf('de-DE'), 'en');
    assert.equal(languageOf(undefined), 'en');
  });

  it('numbers and dates follow the language: decimal comma and day/month/year in Spanish', () => {
    const ts = Date.UTC(2026, 11, 2, 13, 4, 5);
    const before = currentFormatLocale();
    try {
      setFormatLocale('en');
      assert.equal(formatNumber(-12.345, 1), '-12.3');
      assert.equal(formatDateTime(ts, 'UTC'), '2026-12-02 13:04:05');
      setFormatLocale('es');
      assert.equal(formatNumber(-12.345, 1), '-12,3');
      assert.equal(formatDateTime(ts, 'UTC'), '02/12/2026 13:04:05');
      setFormatLocale('it');
      assert.equal(formatDateTime(ts, 'UTC'), '02/12/2026 13:04:05');
    } finally {
      setFormatLocale(before);
    }
  });
});
