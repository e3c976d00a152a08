/**
 * The renderer's sources against the catalogues: every t('key') used exists in English (and so,
 * by renderer/src/i18n/i18n.test.ts, in es, it and pt), and the screens already translated
 * hold no literal UI text (JSX text, aria-label, title, label, placeholder) — the automatable
 * part of "no untranslated string". Screens not yet translated are listed in the output.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { CATALOGUES } from '../../../renderer/src/i18n/i18n';

const SRC = join(__dirname, '..', '..', '..', 'renderer', 'src');

/** Files whose every UI string goes through t(): a new literal here fails the test. */
const TRANSLATED = ['App.tsx', 'shell/Shell.tsx', 'shell/NavRail.tsx', 'shell/DisplayMenu.tsx', 'shell/StatusBar.tsx', 'features/overview/Synoptic.tsx', 'features/overview/OverviewPage.tsx', 'features/alarms/AlarmBanner.tsx', 'features/auth/AuthScreens.tsx', 'components/AssetSelect.tsx', 'features/control/SetpointButton.tsx', 'features/overview/BatteryPanel.tsx', 'features/overview/EnergyPanel.tsx', 'shell/ShellCommands.tsx', 'shell/FirstRunWizard.tsx'];
/** Symbols and units, the same in every language. */
const NEUTRAL = new Set(['kW', 'kWh', '%', 'M', 'G', 'SoC', '—', '▲', '▼', '×']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.tsx') || (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) ? [join(dir, e.name)] : []));
}

function has(cat: object, key: string): boolean {
  const parts = key.split('.');
  let o: unknown = cat;
  for (const p of parts.slice(0, -1)) o = (o as Record<string, unknown> | undefined)?.[p];
  const last = parts[parts.length - 1] as string;
  const rec = o as Record<string, unknown> | undefined;
  return typeof rec?.[last] === 'string' || typeof rec?.[`${last}_other`] === 'string';
}

/** Literal UI text in a TSX source: JSX text between tags and UI attributes given as plain strings. */
export function literalUiText(src: string): string[] {
  const out: string[] = [];
  const code = src.replace(/\{\/\*[\s\S]*?\*\/\}/g, '').replace(/^\s*\/\/.*$/gm, '');
  // (?<!=) skips arrow functions' types: `() => Promise<void>` is code, not text
  for (const m of code.matchAll(/(?<!=)>([^<>{}]*)</g)) {
    const text = (m[1] ?? '').trim();
    if (/[A-Za-zÀ-ÿ]{2,}/.test(text) && !NEUTRAL.has(text) && !/^[\w.]+\s*=>/.test(text) && !/[;=]/.test(text) && !/(^|\s)[?:](\s|$)|&&|\|\|/.test(text)) out.push(text);
  }
  for (const m of code.matchAll(/\b(aria-label|title|label|placeholder|helperText)="([^"]*)"/g)) if (/[A-Za-z]{2,}/.test(m[2] ?? '')) out.push(`${m[1]}="${m[2]}"`);
  return out;
}

describe('renderer sources and translations', () => {
  it("every t('key') in the renderer exists in the English catalogue", () => {
    const missing: string[] = [];
    for (const f of files(SRC)) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z][\w-]*(?:\.[\w-]+)+)'/g)) if (!has(CATALOGUES.en, m[1] as string)) missing.push(`${relative(SRC, f)}: ${m[1]}`);
      // template keys: the part before ${...} must be a section of the catalogue
      for (const m of src.matchAll(/\bt\(\s*`([a-zA-Z][\w.-]*)\.\$\{/g)) {
        const section = (m[1] as string).split('.').reduce<unknown>((o, p) => (o as Record<string, unknown> | undefined)?.[p], CATALOGUES.en);
        if (!section || typeof section !== 'object') missing.push(`${relative(SRC, f)}: ${m[1]}.*`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('the translated screens hold no literal UI text', () => {
    const found = TRANSLATED.flatMap((f) => literalUiText(readFileSync(join(SRC, f), 'utf8')).map((t) => `${f}: ${t}`));
    assert.deepEqual(found, []);
  });

  it('the detector finds literal text (it can fail)', () => {
    assert.deepEqual(literalUiText('<Button title="Open it">Sign out</Button><span>{t(\'x.y\')}</span>'), ['Sign out', 'title="Open it"']);
    assert.deepEqual(literalUiText('const run = async (fn: () => Promise<void>) => <b>Done now</b>;'), ['Done now']);
  });

  it('lists the screens still to translate', (t) => {
    const rest = files(SRC)
      .filter((f) => f.endsWith('.tsx') && !TRANSLATED.includes(relative(SRC, f)))
      .map((f) => [relative(SRC, f), literalUiText(readFileSync(f, 'utf8')).length] as const)
      .filter(([, n]) => n > 0);
    t.diagnostic(`not yet translated: ${rest.length} files, ${rest.reduce((s, [, n]) => s + n, 0)} literal strings (${rest.map(([f, n]) => `${f} ${n}`).join(', ')})`);
    assert.ok(rest.length >= 0);
  });
});
