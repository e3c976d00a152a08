import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { loadPrefs, savePrefs, type KeyValue } from './prefs';

function memory(): KeyValue & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('display preferences per user', () => {
  it('remembers each user apart, and the last choice for the sign-in screen', () => {
    const s = memory();
    savePrefs(s, 'olga', { theme: 'night', language: 'es' });
    savePrefs(s, 'victor', { theme: 'day', language: 'it' });
    assert.deepEqual(loadPrefs(s, 'olga'), { theme: 'night', language: 'es' });
    assert.deepEqual(loadPrefs(s, 'victor'), { theme: 'day', language: 'it' });
    assert.deepEqual(loadPrefs(s, undefined), { theme: 'day', language: 'it' }, 'before sign-in: the last used');
  });

  it('a user who never chose gets the defaults, not the previous user', () => {
    const s = memory();
    savePrefs(s, 'olga', { theme: 'night' });
    assert.deepEqual(loadPrefs(s, 'new'), { theme: 'day' });
  });

  it('ignores unreadable or unknown values', () => {
    const s = memory();
    s.setItem('esm.prefs.x', '{not json');
    s.setItem('esm.prefs.y', JSON.stringify({ theme: 'purple', language: 3 }));
    assert.deepEqual(loadPrefs(s, 'x'), { theme: 'day' });
    assert.deepEqual(loadPrefs(s, 'y'), { theme: 'day' });
    assert.deepEqual(loadPrefs(undefined, 'y'), { theme: 'day' });
  });
});
