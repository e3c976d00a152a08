import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, essPowerConstraints, essPowerLimit, isProtective, known, type EssPowerInput, type Lane } from './limits';

/** 100 kW battery, SoC window 10..90 %, ramp 10 kW/s, PCC contract 150 kW; all inputs good. */
const base: EssPowerInput = {
  assetId: 'ess1',
  ratedKw: 100,
  limits: { maxChargeKw: 100, maxDischargeKw: 80, socMinPct: 10, socMaxPct: 90, rampKwPerS: 10 },
  bms: { maxChargeKw: 100, maxDischargeKw: 100 },
  socPct: 50,
  essKw: 0,
  pcc: { contractedPowerKw: 150, pccKw: 40 },
};
const w = (o: Partial<EssPowerInput>): EssPowerInput => ({ ...base, ...o });

/** one row: input, lane, request → expected outcome ("ok", "ok->v (rule)" when clamped, or the refusing rule) */
const rows: [string, EssPowerInput, Lane, number, string][] = [
  ['within every limit', base, 'person', 30, 'ok'],
  ['above the discharge limit', base, 'person', 90, 'limit.max-discharge'],
  ['above the discharge limit, machine', base, 'machine', 90, 'ok->80 (limit.max-discharge)'],
  ['charge above the charge limit', w({ limits: { ...base.limits, maxChargeKw: 40 } }), 'person', -50, 'limit.max-charge'],
  ['rating used without explicit limits', w({ limits: {} }), 'person', 101, 'limit.max-discharge'],
  ['BMS charge limit', w({ bms: { maxChargeKw: 30, maxDischargeKw: 100 } }), 'person', -50, 'limit.bms-charge'],
  ['BMS charge limit, machine', w({ bms: { maxChargeKw: 30, maxDischargeKw: 100 } }), 'machine', -50, 'ok->-30 (limit.bms-charge)'],
  ['BMS discharge limit unknown', w({ bms: { maxChargeKw: 100, maxDischargeKw: null } }), 'person', 10, 'limit.bms-unknown'],
  ['BMS discharge limit unknown, charge still fine', w({ bms: { maxChargeKw: 100, maxDischargeKw: null } }), 'person', -10, 'ok'],
  ['SoC at the minimum: discharge refused', w({ socPct: 9 }), 'person', 10, 'interlock.soc-min'],
  ['SoC at the minimum: charge fine', w({ socPct: 9 }), 'person', -10, 'ok'],
  ['SoC at the minimum, machine holds 0', w({ socPct: 9 }), 'machine', 10, 'ok->0 (interlock.soc-min)'],
  ['SoC at the maximum: charge refused', w({ socPct: 95 }), 'person', -10, 'interlock.soc-max'],
  ['SoC unknown: discharge refused', w({ socPct: null }), 'person', 30, 'interlock.soc-unknown'],
  ['SoC unknown: charge refused', w({ socPct: null }), 'person', -30, 'interlock.soc-unknown'],
  ['SoC unknown: 0 kW allowed', w({ socPct: null }), 'person', 0, 'ok'],
  ['SoC unknown, machine holds 0', w({ socPct: null }), 'machine', -30, 'ok->0 (interlock.soc-unknown)'],
  ['SoC absent counts as unknown', w({ socPct: undefined }), 'person', 30, 'interlock.soc-unknown'],
  ['ramp: 50 kW 2 s after 0 kW', w({ last: { kw: 0, ageS: 2 } }), 'person', 50, 'limit.ramp'],
  ['ramp: 50 kW 5 s after 0 kW', w({ last: { kw: 0, ageS: 5 } }), 'person', 50, 'ok'],
  ['ramp, machine', w({ last: { kw: 0, ageS: 2 } }), 'machine', 50, 'ok->20 (limit.ramp)'],
  ['contracted power: 80 kW charge at PCC 100 kW', w({ pcc: { contractedPowerKw: 150, pccKw: 100 } }), 'person', -80, 'interlock.contracted-power'],
  ['contracted power: 80 kW charge at PCC 40 kW', base, 'person', -80, 'ok'],
  ['contracted power, machine clamps the charge', w({ pcc: { contractedPowerKw: 150, pccKw: 100 } }), 'machine', -80, 'ok->-50 (interlock.contracted-power)'],
  ['PCC unknown: charge refused', w({ pcc: { contractedPowerKw: 150, pccKw: null } }), 'person', -50, 'interlock.pcc-unknown'],
  ['PCC unknown: reduction toward 0 allowed', w({ essKw: 20, pcc: { contractedPowerKw: 150, pccKw: null } }), 'person', 10, 'ok'],
  ['PCC unknown, machine holds', w({ essKw: 20, pcc: { contractedPowerKw: 150, pccKw: null } }), 'machine', 50, 'ok->20 (interlock.pcc-unknown)'],
  ['ESS power unknown: only 0 kW', w({ essKw: null }), 'person', 5, 'interlock.pcc-unknown'],
  // issue #9: hot battery in local peak shaving discharging 20 kW, PCC at 83.5 kW (contract 60 kW)
  ['0 kW would worsen the PCC: a person is refused', w({ essKw: 20, pcc: { contractedPowerKw: 60, pccKw: 83.5 } }), 'person', 0, 'interlock.contracted-power'],
  ['0 kW would worsen the PCC: protective goes through', w({ essKw: 20, pcc: { contractedPowerKw: 60, pccKw: 83.5 } }), 'protective', 0, 'ok'],
  ['protective ignores the ramp', w({ last: { kw: 80, ageS: 0.1 } }), 'protective', 0, 'ok'],
  ['protective ignores an unknown PCC', w({ essKw: null, pcc: { contractedPowerKw: 60, pccKw: null } }), 'protective', 0, 'ok'],
  ['protective still faces physical limits', w({ socPct: null }), 'protective', 10, 'interlock.soc-unknown'],
  ['physical wins over commercial in the machine lane', w({ socPct: 9, last: { kw: 50, ageS: 1 } }), 'machine', 50, 'ok->0 (interlock.soc-min)'],
  ['a non-finite request is refused', base, 'machine', Number.NaN, 'value.not-finite'],
  ['a non-finite request is refused, person', base, 'person', Number.POSITIVE_INFINITY, 'value.not-finite'],
];

test('limits: one row per case (input, lane, request → outcome)', () => {
  for (const [name, input, lane, req, expected] of rows) {
    const d = essPowerLimit(lane, input, req);
    const got = !d.ok ? d.rule : d.valueKw === req ? 'ok' : `ok->${Math.round(d.valueKw * 10) / 10} (${d.binding?.rule})`;
    assert.equal(got, expected, name);
    if (!d.ok) assert.match(d.message, /\w+ \w+/, `${name}: a sentence`);
  }
});

test('refusals and bindings are sentences naming the asset or the values', () => {
  const d = essPowerLimit('person', w({ essKw: 20, pcc: { contractedPowerKw: 60, pccKw: 83.5 } }), 0);
  assert.equal(d.ok, false);
  assert.equal(!d.ok && d.message, '0 kW would take the PCC to 103.5 kW, beyond the contracted 60 kW');
  const m = essPowerLimit('machine', w({ socPct: 9 }), 10);
  assert.equal(m.ok && m.binding?.message, 'ess1 is at 9 % SoC, at or below its minimum 10 %: discharge refused; limited to 0 kW');
  assert.equal(essPowerLimit('person', w({ socPct: null }), 5).ok ? '' : 'refused', 'refused');
});

test('constraints are tagged physical or commercial', () => {
  const cs = essPowerConstraints(w({ last: { kw: 0, ageS: 1 } }));
  const kind = Object.fromEntries(cs.map((c) => [c.rule, c.physical]));
  assert.deepEqual(kind, {
    'limit.max-discharge': true,
    'limit.max-charge': true,
    'limit.bms-discharge': true,
    'limit.bms-charge': true,
    'limit.ramp': false,
    'interlock.contracted-power': false,
  });
  // the physical range always contains 0: a protective stop is never impossible
  for (const socPct of [null, 0, 5, 50, 95, 100]) {
    const d = decide('protective', essPowerConstraints(w({ socPct, bms: { maxChargeKw: null, maxDischargeKw: null } })), 0);
    assert.equal(d.ok, true, `SoC ${socPct}`);
  }
});

test('known(): only finite numbers of good quality', () => {
  const good = { level: 'good' };
  assert.equal(known({ value: 5, quality: good }), 5);
  assert.equal(known({ value: Number.NaN, quality: good }), null);
  assert.equal(known({ value: Number.POSITIVE_INFINITY, quality: good }), null);
  assert.equal(known({ value: null, quality: good }), null);
  assert.equal(known({ value: 5, quality: { level: 'bad' } }), null);
  assert.equal(known({ value: 5, quality: { level: 'uncertain' } }), null);
  assert.equal(known(undefined), undefined);
});

test('protective actions: stop, standby, trip, power to 0', () => {
  const states = { '0': 'Off', '1': 'Standby', '2': 'Running' };
  assert.equal(isProtective({ nature: 'Ess', channel: 'SetActivePower', value: 0 }), true);
  assert.equal(isProtective({ nature: 'Ess', channel: 'SetActivePower', value: -1 }), false);
  assert.equal(isProtective({ nature: 'Ess', channel: 'Stop', value: true }), true);
  assert.equal(isProtective({ nature: 'Ess', channel: 'Stop', value: false }), false);
  assert.equal(isProtective({ nature: 'Ess', channel: 'RunMode', value: 1, states }), true);
  assert.equal(isProtective({ nature: 'Ess', channel: 'RunMode', value: 2, states }), false);
  assert.equal(isProtective({ nature: 'Breaker', channel: 'Close', value: false }), true);
  assert.equal(isProtective({ nature: 'Breaker', channel: 'Close', value: true }), false);
  assert.equal(isProtective({ nature: 'Pv', channel: 'ActivePowerLimit', value: 0 }), false);
});

test('every rule says its sentence from the figures it keeps (no closure per constraint)', () => {
  const x: EssPowerInput = { ...base, bms: { maxChargeKw: 30, maxDischargeKw: 60 }, essKw: 12, last: { kw: 5, ageS: 1.5 } };
  const said = (input: EssPowerInput): Record<string, string> => Object.fromEntries(essPowerConstraints(input).map((c) => [c.rule, c.explain(77.77)]));
  assert.deepEqual(said(x), {
    'limit.max-discharge': '77.8 kW exceeds the discharge limit of ess1 (80 kW)',
    'limit.max-charge': '-77.8 kW charge exceeds the charge limit of ess1 (100 kW)',
    'limit.bms-discharge': '77.8 kW exceeds what the BMS allows now (60 kW discharge)',
    'limit.bms-charge': '-77.8 kW charge exceeds what the BMS allows now (30 kW)',
    'limit.ramp': 'a step of 72.8 kW in 1.5 s exceeds the ramp limit of ess1 (10 kW/s): command at most 20 kW now',
    'interlock.contracted-power': '77.8 kW would take the PCC to -25.8 kW, beyond the contracted 150 kW',
  });
  assert.equal(said({ ...x, socPct: 5 })['interlock.soc-min'], 'ess1 is at 5 % SoC, at or below its minimum 10 %: discharge refused');
  assert.equal(said({ ...x, socPct: 95 })['interlock.soc-max'], 'ess1 is at 95 % SoC, at or above its maximum 90 %: charge refused');
  assert.equal(said({ ...x, socPct: null })['interlock.soc-unknown'], 'the state of charge of ess1 is not known with good quality: only 0 kW is allowed');
  assert.equal(said({ ...x, pcc: { contractedPowerKw: 150, pccKw: null } })['interlock.pcc-unknown'], 'the PCC or ESS power is not known with good quality: only reductions toward 0 kW are allowed');
  const unknownBms = essPowerConstraints({ ...x, bms: { maxChargeKw: null, maxDischargeKw: null } }).filter((c) => c.rule === 'limit.bms-unknown');
  assert.deepEqual(
    unknownBms.map((c) => c.explain(1)),
    [
      'the discharge power the BMS of ess1 allows is not known with good quality: discharge refused',
      'the charge power the BMS of ess1 allows is not known with good quality: charge refused',
    ],
  );
  // the machine lane builds these every cycle: the sentence is one shared method, not a new
  // closure per constraint per call (a closure each made the cycle allocate and, under tsx,
  // rename a function object every second)
  const a = essPowerConstraints(x);
  const b = essPowerConstraints({ ...x, socPct: 5 });
  for (const c of [...a, ...b]) assert.equal(c.explain, a[0]!.explain, `${c.rule}: explain is shared`);
});
