import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parse } from 'yaml';
import { openAppDb } from '../db';
import { alarmDefinitionSchema, type AlarmDefinitionInput } from '../common/alarms';
import { validateAlarmDefinition } from './engine';
import { AlarmDefinitionOverrideStore, compactDefinition, definitionsToYaml, mergeDefinitionOverrides } from './overrides';

const site: AlarmDefinitionInput[] = [
  { id: 'a.H', type: 'limit', point: 'a/T', level: 'H', setpoint: 40, priority: 'high', message: 'hot' },
  { id: 'a.fault', type: 'state', point: 'a/State', alarmValues: [3], priority: 'high', message: 'fault' },
];
const exists = (id: string): boolean => id.startsWith('a/');

test('overrides are stored per id, a deletion as null, in the application database', () => {
  const db = openAppDb(':memory:');
  let t = 1000;
  const store = new AlarmDefinitionOverrideStore(db, () => t++);
  store.put('a.H', alarmDefinitionSchema.parse({ ...site[0], setpoint: 41 }), 'admin');
  store.put('a.fault', null, 'admin');
  store.put('a.H', alarmDefinitionSchema.parse({ ...site[0], setpoint: 42 }), 'eve');
  const rows = store.list();
  assert.deepEqual(rows.map((r) => [r.id, r.updatedBy, r.definition === null]), [['a.fault', 'admin', true], ['a.H', 'eve', false]]);
  store.remove('a.fault');
  assert.equal(store.list().length, 1);
  assert.throws(() => store.transaction(() => { store.put('x', null, 'admin'); throw new Error('boom'); }), /boom/);
  assert.equal(store.list().length, 1, 'rolled back');
  db.close();
});

test('merge: replace in place, add at the end, delete; an invalid override is skipped with its issues', () => {
  const m = mergeDefinitionOverrides(
    site,
    [
      { id: 'a.H', definition: { ...site[0], setpoint: 41 }, updatedAt: 1, updatedBy: 'admin' },
      { id: 'a.fault', definition: null, updatedAt: 2, updatedBy: 'admin' },
      { id: 'a.L', definition: { id: 'a.L', type: 'limit', point: 'a/T', level: 'L', setpoint: 0, priority: 'low', message: 'cold' }, updatedAt: 3, updatedBy: 'admin' },
      { id: 'b.H', definition: { id: 'b.H', type: 'limit', point: 'b/T', level: 'H', setpoint: 1, priority: 'low', message: 'gone' }, updatedAt: 4, updatedBy: 'admin' },
      { id: 'c.H', definition: { id: 'other', type: 'system', priority: 'low', message: 'renamed' }, updatedAt: 5, updatedBy: 'admin' },
    ],
    (d) => validateAlarmDefinition(d, exists),
  );
  assert.deepEqual(m.definitions.map((d) => d.id), ['a.H', 'a.L']);
  assert.equal((m.definitions[0] as { setpoint: number }).setpoint, 41);
  assert.deepEqual(m.skipped.map((s) => [s.id, s.issues[0]?.path]), [['b.H', 'point'], ['c.H', 'id']]);
});

test('export: defaults are left out, the YAML parses back to the same definitions', () => {
  const defs = site.map((d) => alarmDefinitionSchema.parse(d));
  assert.deepEqual(compactDefinition(defs[0]!), { id: 'a.H', type: 'limit', point: 'a/T', level: 'H', setpoint: 40, priority: 'high', message: 'hot' });
  const text = definitionsToYaml(defs, 'line one\nline two');
  assert.match(text, /^# line one\n# line two\nalarms:\n {2}definitions:\n/);
  const back = (parse(text) as { alarms: { definitions: unknown[] } }).alarms.definitions.map((d) => alarmDefinitionSchema.parse(d));
  assert.deepEqual(back, defs);
});
