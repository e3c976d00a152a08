import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { deleteView, loadViews, MAX_VIEWS, saveView, viewsKey, type KeyValueStorage } from './savedViews';

function fakeStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('saved trend views', () => {
  it('saves, replaces by name, loads sorted and deletes, per user', () => {
    const s = fakeStorage();
    saveView(s, 'olga', { name: 'Battery', pens: ['ess/Soc'], range: { kind: 'preset', key: '8h' } }, 1);
    saveView(s, 'olga', { name: 'Grid', pens: ['pcc-meter/ActivePower'], range: { kind: 'custom', from: 10, to: 20 } }, 2);
    saveView(s, 'victor', { name: 'Mine', pens: ['pv/ActivePower'], range: { kind: 'preset', key: '1h' } }, 3);
    // same name, other case: replaced
    const after = saveView(s, 'olga', { name: ' battery ', pens: ['ess/Soc', 'ess/ActivePower'], range: { kind: 'preset', key: '24h' } }, 4);
    assert.deepEqual(
      after.map((v) => [v.name, v.pens.length, v.savedAt]),
      [
        ['battery', 2, 4],
        ['Grid', 1, 2],
      ],
    );
    assert.deepEqual(loadViews(s, 'olga'), after);
    assert.deepEqual(
      loadViews(s, 'victor').map((v) => v.name),
      ['Mine'],
    );
    assert.deepEqual(
      deleteView(s, 'olga', 'Grid').map((v) => v.name),
      ['battery'],
    );
    assert.deepEqual(
      loadViews(s, 'olga').map((v) => v.name),
      ['battery'],
    );
  });

  it('refuses a view without name or pens, and more than the maximum', () => {
    const s = fakeStorage();
    assert.throws(() => saveView(s, 'u', { name: ' ', pens: ['a/b'], range: { kind: 'preset', key: '1h' } }), /name/);
    assert.throws(() => saveView(s, 'u', { name: 'x', pens: [], range: { kind: 'preset', key: '1h' } }), /pen/);
    for (let i = 0; i < MAX_VIEWS; i++) saveView(s, 'u', { name: `v${i}`, pens: ['a/b'], range: { kind: 'preset', key: '1h' } });
    assert.throws(() => saveView(s, 'u', { name: 'one more', pens: ['a/b'], range: { kind: 'preset', key: '1h' } }), /at most/);
    // replacing an existing one is still fine
    saveView(s, 'u', { name: 'v0', pens: ['a/c'], range: { kind: 'preset', key: '1h' } });
  });

  it('survives garbage in storage and no storage at all', () => {
    const s = fakeStorage();
    s.setItem(viewsKey('u'), '{not json');
    assert.deepEqual(loadViews(s, 'u'), []);
    s.setItem(
      viewsKey('u'),
      JSON.stringify([
        { name: 'ok', pens: ['a/b', 7, 'nope'], range: { kind: 'preset', key: '7d' } },
        { name: 'bad range', pens: ['a/b'], range: { kind: 'preset', key: '2w' } },
        { name: 'bad custom', pens: ['a/b'], range: { kind: 'custom', from: 5, to: 1 } },
        null,
        'x',
      ]),
    );
    assert.deepEqual(loadViews(s, 'u'), [{ name: 'ok', pens: ['a/b'], range: { kind: 'preset', key: '7d' }, savedAt: 0 }]);
    assert.deepEqual(loadViews(undefined, 'u'), []);
  });
});
