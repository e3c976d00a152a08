import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { alarmDefinitionSchema, type AlarmDefinition, type AlarmDefinitionOverrideInfo } from '../../../../core/common/alarms';
import {
  definitionRows,
  deletedFromSiteFile,
  emptyForm,
  fieldOfIssue,
  filterRows,
  formFromDefinition,
  formToDefinition,
  issuesByField,
  parseValue,
  suggestId,
} from './definitionModel';

const parse = (d: unknown): AlarmDefinition => alarmDefinitionSchema.parse(d);

test('a limit form becomes a definition the schema accepts, delays in seconds become ms', () => {
  const f = { ...emptyForm('limit'), id: 'ess.temperature.HH', point: 'ess/Temperature', level: 'HH' as const, setpoint: '45', deadband: '2', onDelayS: '2.5', message: 'hot', priority: 'critical' as const };
  const { definition, errors } = formToDefinition(f);
  assert.deepEqual(errors, {});
  const d = parse(definition);
  assert.equal(d.type, 'limit');
  assert.equal(d.onDelayMs, 2500);
  assert.equal((d as { setpoint: number }).setpoint, 45);
});

test('numbers that do not parse are reported by field and left to the core otherwise', () => {
  const f = { ...emptyForm('limit'), id: 'x', point: 'a/B', setpoint: 'hot', message: 'm' };
  const { definition, errors } = formToDefinition(f);
  assert.equal(errors.setpoint, 'not a number');
  assert.equal('setpoint' in definition, false);
  assert.equal(formToDefinition({ ...f, setpoint: '' }).errors.setpoint, 'required');
  assert.equal(formToDefinition({ ...f, setpoint: '4,5' }).definition.setpoint, 4.5, 'a decimal comma is accepted');
});

test('every type round-trips: definition -> form -> definition', () => {
  const defs = [
    { id: 'l', type: 'limit', point: 'ess/Soc', level: 'LL', setpoint: 5, deadband: 2, priority: 'high', message: 'low', actions: [{ target: 'ess/SetActivePower', value: 0, reason: 'stop' }] },
    { id: 's', type: 'state', point: 'ess/State', alarmValues: [3, true, 'FAULT'], priority: 'high', message: 'fault', latching: true, shelvable: false },
    { id: 'r', type: 'rate', point: 'ess/Temperature', ratePerMin: 2, direction: 'rise', windowMs: 30_000, priority: 'medium', message: 'rising' },
    { id: 'd1', type: 'deviation', point: 'ess/ActivePower', setpoint: 'ess/SetActivePower', maxDeviation: 5, priority: 'low', message: 'dev' },
    { id: 'd2', type: 'deviation', point: 'ess/ActivePower', setpoint: 10, maxDeviation: 5, priority: 'low', message: 'dev' },
    { id: 'q', type: 'quality', point: 'ess/Soc', reasons: ['comm-fail'], includeUncertain: true, priority: 'low', message: 'q' },
    { id: 'e', type: 'expression', expr: 'ess/Temperature > 40', suppressWhen: 'ess/State == 4', offDelayMs: 1500, priority: 'low', message: 'e', consequence: 'c', response: 'r' },
    { id: 'sys', type: 'system', priority: 'low', message: 'sys', enabled: false },
  ].map(parse);
  for (const d of defs) {
    const { definition, errors } = formToDefinition(formFromDefinition(d));
    assert.deepEqual(errors, {}, d.id);
    assert.deepEqual(parse(definition), d, d.id);
  }
});

test('state values and procedure values parse as booleans, numbers, or text (state only)', () => {
  assert.equal(parseValue('true', false), true);
  assert.equal(parseValue(' 3 ', false), 3);
  assert.equal(parseValue('FAULT', true), 'FAULT');
  assert.equal(parseValue('FAULT', false), undefined);
  const f = { ...emptyForm('state'), id: 's', point: 'a/B', alarmValues: '', message: 'm', actions: [{ target: 'a/C', value: 'on', reason: '' }] };
  const { errors } = formToDefinition(f);
  assert.ok(errors.alarmValues);
  assert.equal(errors['actions[0].value'], 'a number, true or false');
});

test('issue paths of the core map to form fields', () => {
  assert.equal(fieldOfIssue('setpoint', 'limit'), 'setpoint');
  assert.equal(fieldOfIssue('setpoint', 'deviation'), 'deviationSetpoint');
  assert.equal(fieldOfIssue('definition.setpoint', 'limit'), 'setpoint');
  assert.equal(fieldOfIssue('onDelayMs', 'limit'), 'onDelayS');
  assert.equal(fieldOfIssue('windowMs', 'rate'), 'windowS');
  assert.equal(fieldOfIssue('actions[1].target', 'limit'), 'actions[1].target');
  assert.equal(fieldOfIssue('alarmValues[0]', 'state'), 'alarmValues');
  assert.equal(fieldOfIssue('expr', 'expression'), 'expr');
  const by = issuesByField(
    [
      { path: 'point', message: 'unknown point "x/Y"' },
      { path: 'point', message: 'second' },
      { path: '', message: 'general' },
    ],
    'limit',
    { setpoint: 'required' },
  );
  assert.equal(by.point, 'unknown point "x/Y"');
  assert.equal(by.setpoint, 'required');
  assert.equal(by['(definition)'], 'general');
});

test('rows carry their source; the filter matches id, message, point; deleted site-file ids are listed', () => {
  const defs = [
    parse({ id: 'ess.temperature.HH', type: 'limit', point: 'ess/Temperature', level: 'HH', setpoint: 45, priority: 'critical', message: 'Battery over-temperature' }),
    parse({ id: 'ess.soc.L', type: 'limit', point: 'ess/Soc', level: 'L', setpoint: 10, priority: 'low', message: 'SoC low' }),
    parse({ id: 'pv.new', type: 'expression', expr: 'pv/ActivePower > 90', priority: 'medium', message: 'PV high', actions: [{ target: 'pv/SetLimit', value: 50 }] }),
  ];
  const overrides: AlarmDefinitionOverrideInfo[] = [
    { id: 'ess.soc.L', kind: 'changed', inSiteFile: true, updatedAt: 1, updatedBy: 'admin' },
    { id: 'pv.new', kind: 'added', inSiteFile: false, updatedAt: 2, updatedBy: 'admin' },
    { id: 'evse1.fault', kind: 'deleted', inSiteFile: true, updatedAt: 3, updatedBy: 'admin' },
  ];
  const rows = definitionRows(defs, overrides);
  assert.deepEqual(
    rows.map((r) => [r.id, r.source, r.actions]),
    [
      ['ess.temperature.HH', 'site', 0],
      ['ess.soc.L', 'edited', 0],
      ['pv.new', 'added', 1],
    ],
  );
  assert.equal(rows[2]?.point, 'pv/ActivePower > 90', 'an expression shows in the point column');
  assert.deepEqual(filterRows(rows, { text: 'TEMPERATURE', type: '', source: '' }).map((r) => r.id), ['ess.temperature.HH']);
  assert.deepEqual(filterRows(rows, { text: '', type: 'limit', source: 'edited' }).map((r) => r.id), ['ess.soc.L']);
  assert.deepEqual(filterRows(rows, { text: 'pv/', type: '', source: '' }).map((r) => r.id), ['pv.new']);
  assert.deepEqual(deletedFromSiteFile(overrides), ['evse1.fault']);
});

test('an id is suggested from the point and the level', () => {
  assert.equal(suggestId({ type: 'limit', point: 'ess/Temperature', level: 'HH' }), 'ess.Temperature.HH');
  assert.equal(suggestId({ type: 'quality', point: 'pcc/ActivePower', level: 'H' }), 'pcc.ActivePower.quality');
  assert.equal(suggestId({ type: 'limit', point: '', level: 'H' }), '');
});
