/**
 * Engine table tests: per definition type, inputs per cycle -> expected state; delays and
 * deadbands; shelving and its expiry; suppression by asset state; out of service; latching;
 * flood and chattering; procedures; system alarms; counts. The clock is injected: no sleeping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmDefinitionInput, AlarmState, AlarmsChangedEvent, FloodStatus } from '../common/alarms';
import type { PointSample } from '../common/bridge';
import type { Quality } from '../common/quality';
import { AlarmEngine, type CommandExecutor, type ProcedureCommand } from './engine';
import { MemoryAlarmJournal } from './journal';
import { syncCommAlarm } from './system';

const GOOD: Quality = { level: 'good' };
const COMM: Quality = { level: 'bad', reason: 'comm-fail' };
const STALE: Quality = { level: 'bad', reason: 'stale' };
const OP = { user: 'alice' };

function rig(defs: AlarmDefinitionInput[], extra: { executor?: CommandExecutor; config?: object } = {}) {
  let t = 1_700_000_000_000;
  const journal = new MemoryAlarmJournal();
  const engine = new AlarmEngine({
    journal,
    now: () => t,
    config: { definitions: defs, ...(extra.config ?? {}) },
    executor: extra.executor,
    assets: [
      { id: 'ctl1' },
      { id: 'ess1', parent: 'ctl1' },
      { id: 'pv1', parent: 'ctl1' },
      { id: 'meter1' },
    ],
  });
  const events: AlarmsChangedEvent[] = [];
  const floods: FloodStatus[] = [];
  engine.on('alarms.changed', (e) => events.push(e));
  engine.on('alarms.flood', (f) => floods.push(f));
  return {
    engine,
    journal,
    events,
    floods,
    get t() {
      return t;
    },
    /** advance the clock and tick */
    advance(ms: number) {
      t += ms;
      engine.tick(t);
    },
    feed(samples: Array<[string, PointSample['value'], Quality?]>) {
      engine.processBatch(samples.map(([id, value, quality]) => ({ id, value, quality: quality ?? GOOD, ts: t })));
    },
    state(id: string): AlarmState {
      return engine.view(id).state;
    },
  };
}

type Cycle = { dt?: number; in: Array<[string, PointSample['value'], Quality?]>; want: AlarmState; ack?: boolean };

function runTable(name: string, def: AlarmDefinitionInput, cycles: Cycle[]) {
  test(`table: ${name}`, () => {
    const r = rig([def]);
    cycles.forEach((c, k) => {
      if (c.dt) r.advance(c.dt);
      r.feed(c.in);
      if (c.ack) r.engine.ack([def.id], OP);
      assert.equal(r.state(def.id), c.want, `${name}: cycle ${k} (${JSON.stringify(c.in)})`);
    });
  });
}

const base = { message: 'm', priority: 'high' as const };

runTable('limit HH with deadband', { ...base, id: 'a', type: 'limit', point: 'ess1/Temperature', level: 'HH', setpoint: 45, deadband: 2 }, [
  { in: [['ess1/Temperature', 30]], want: 'normal' },
  { in: [['ess1/Temperature', 45]], want: 'normal' }, // at the setpoint: not above
  { in: [['ess1/Temperature', 45.1]], want: 'unack-active' },
  { in: [['ess1/Temperature', 44]], want: 'unack-active' }, // inside the deadband
  { in: [['ess1/Temperature', 42.9]], want: 'unack-rtn' },
  { in: [['ess1/Temperature', 46]], want: 'unack-active' },
  { in: [['ess1/Temperature', 46]], want: 'ack-active', ack: true },
  { in: [['ess1/Temperature', 40]], want: 'normal' },
]);

runTable('limit LL', { ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'LL', setpoint: 5, deadband: 1 }, [
  { in: [['ess1/Soc', 50]], want: 'normal' },
  { in: [['ess1/Soc', 4]], want: 'unack-active' },
  { in: [['ess1/Soc', 5.5]], want: 'unack-active' },
  { in: [['ess1/Soc', 6.5]], want: 'unack-rtn' },
  { in: [['ess1/Soc', 6.5]], want: 'normal', ack: true },
]);

runTable('limit ignores bad quality values', { ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 }, [
  { in: [['ess1/Soc', 5]], want: 'unack-active' },
  { in: [['ess1/Soc', 50, COMM]], want: 'unack-active' }, // holds: a bad value neither raises nor clears
  { in: [['ess1/Soc', 50]], want: 'unack-rtn' },
  { in: [['ess1/Soc', 1, STALE]], want: 'unack-rtn' },
]);

runTable('digital state (boolean)', { ...base, id: 'a', type: 'state', point: 'brk1/Closed', alarmValues: [false] }, [
  { in: [['brk1/Closed', true]], want: 'normal' },
  { in: [['brk1/Closed', false]], want: 'unack-active' },
  { in: [['brk1/Closed', 1]], want: 'unack-rtn' }, // 1 is true
  { in: [['brk1/Closed', 0]], want: 'unack-active' },
]);

runTable('enum state (EV charger faulted)', { ...base, id: 'a', type: 'state', point: 'ev1/Status', alarmValues: [2] }, [
  { in: [['ev1/Status', 1]], want: 'normal' },
  { in: [['ev1/Status', 2]], want: 'unack-active' },
  { in: [['ev1/Status', '2']], want: 'unack-active' },
  { in: [['ev1/Status', 0]], want: 'unack-rtn' },
]);

runTable('rate of change (rise, 10 units/min over 60 s)', {
  ...base,
  id: 'a',
  type: 'rate',
  point: 'ess1/Temperature',
  ratePerMin: 10,
  direction: 'rise',
  windowMs: 60_000,
}, [
  { in: [['ess1/Temperature', 20]], want: 'normal' },
  { dt: 30_000, in: [['ess1/Temperature', 24]], want: 'normal' }, // 8/min
  { dt: 30_000, in: [['ess1/Temperature', 31]], want: 'unack-active' }, // 11 in 60 s
  { dt: 30_000, in: [['ess1/Temperature', 31]], want: 'unack-rtn' }, // window now 24 -> 31 in 60 s = 7/min
]);

runTable('rate of change (fall) ignores a rise', {
  ...base,
  id: 'a',
  type: 'rate',
  point: 'ess1/Soc',
  ratePerMin: 5,
  direction: 'fall',
  windowMs: 60_000,
}, [
  { in: [['ess1/Soc', 50]], want: 'normal' },
  { dt: 60_000, in: [['ess1/Soc', 70]], want: 'normal' },
  { dt: 60_000, in: [['ess1/Soc', 60]], want: 'unack-active' },
]);

runTable('deviation from a setpoint point', {
  ...base,
  id: 'a',
  type: 'deviation',
  point: 'ess1/ActivePower',
  setpoint: 'ess1/SetActivePower',
  maxDeviation: 10,
  deadband: 2,
}, [
  { in: [['ess1/SetActivePower', 50], ['ess1/ActivePower', 48]], want: 'normal' },
  { in: [['ess1/ActivePower', 38]], want: 'unack-active' },
  { in: [['ess1/ActivePower', 41]], want: 'unack-active' }, // 9: inside deadband
  { in: [['ess1/ActivePower', 43]], want: 'unack-rtn' }, // 7
  { in: [['ess1/SetActivePower', 70]], want: 'unack-active' }, // setpoint moved: 27
]);

runTable('quality comm-fail and stale', { ...base, id: 'a', type: 'quality', point: 'ess1/Soc' }, [
  { in: [['ess1/Soc', 50]], want: 'normal' },
  { in: [['ess1/Soc', null, COMM]], want: 'unack-active' },
  { in: [['ess1/Soc', 50]], want: 'unack-rtn' },
  { in: [['ess1/Soc', 50, STALE]], want: 'unack-active' },
  { in: [['ess1/Soc', 50, { level: 'bad', reason: 'out-of-range' }]], want: 'unack-rtn' },
  { in: [['ess1/Soc', 50, { level: 'uncertain', reason: 'stale' }]], want: 'unack-rtn' },
]);

runTable('expression over several points', {
  ...base,
  id: 'a',
  type: 'expression',
  expr: 'ess1/Temperature > 40 and abs(ess1/ActivePower) > 50',
}, [
  { in: [['ess1/Temperature', 42], ['ess1/ActivePower', 10]], want: 'normal' },
  { in: [['ess1/ActivePower', -60]], want: 'unack-active' },
  { in: [['ess1/Temperature', 35]], want: 'unack-rtn' },
  { in: [['ess1/Temperature', 41, COMM]], want: 'unack-rtn' }, // unknown input: hold
]);

test('limit on-delay and off-delay (clock ticks, no sleeping)', () => {
  const r = rig([{ ...base, id: 'imp', type: 'limit', point: 'meter1/ActivePower', level: 'H', setpoint: 100, onDelayMs: 60_000, offDelayMs: 10_000 }]);
  r.feed([['meter1/ActivePower', 120]]);
  assert.equal(r.state('imp'), 'normal');
  r.advance(59_000);
  assert.equal(r.state('imp'), 'normal');
  r.feed([['meter1/ActivePower', 90]]); // dips below: on-delay restarts
  r.advance(1_000);
  r.feed([['meter1/ActivePower', 130]]);
  r.advance(59_999);
  assert.equal(r.state('imp'), 'normal');
  r.advance(1);
  assert.equal(r.state('imp'), 'unack-active');
  assert.equal(r.engine.view('imp').activatedAt, r.t);
  r.feed([['meter1/ActivePower', 50]]);
  r.advance(9_000);
  assert.equal(r.state('imp'), 'unack-active');
  r.feed([['meter1/ActivePower', 150]]); // back above: off-delay cancelled
  r.advance(20_000);
  assert.equal(r.state('imp'), 'unack-active');
  r.feed([['meter1/ActivePower', 50]]);
  r.advance(10_000);
  assert.equal(r.state('imp'), 'unack-rtn');
});

test('latching alarm needs ack and reset; reset is journaled with the user', () => {
  const r = rig([{ ...base, id: 'hh', type: 'limit', point: 'ess1/Temperature', level: 'HH', setpoint: 45, latching: true }]);
  r.feed([['ess1/Temperature', 50]]);
  assert.deepEqual(r.engine.reset(['hh'], OP).skipped[0]?.reason.startsWith('not latched'), true);
  r.feed([['ess1/Temperature', 20]]);
  assert.equal(r.state('hh'), 'unack-rtn');
  r.engine.ack(['hh'], OP);
  assert.equal(r.state('hh'), 'latched');
  r.feed([['ess1/Temperature', 50]]);
  assert.equal(r.state('hh'), 'unack-active', 're-alarm from latched');
  r.engine.ack(['hh'], OP);
  r.feed([['ess1/Temperature', 20]]);
  assert.equal(r.state('hh'), 'latched');
  const res = r.engine.reset(['hh', 'nope'], { user: 'bob' });
  assert.deepEqual(res.done, ['hh']);
  assert.equal(res.skipped[0]?.id, 'nope');
  assert.equal(r.state('hh'), 'normal');
  const last = r.journal.query({ alarmIds: ['hh'], limit: 1 }).entries[0];
  assert.equal(last?.event, 'reset');
  assert.equal(last?.user, 'bob');
  assert.equal(last?.from, 'latched');
  assert.equal(last?.to, 'normal');
});

test('every transition is journaled with timestamp, and the user where a person acted', () => {
  const r = rig([{ ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 }]);
  r.feed([['ess1/Soc', 5]]);
  r.advance(1000);
  r.engine.ack(['a'], OP, 'seen, charging');
  r.advance(1000);
  r.feed([['ess1/Soc', 50]]);
  const rows = [...r.journal.iterate({ alarmIds: ['a'] })];
  assert.deepEqual(
    rows.map((e) => [e.event, e.from, e.to, e.user, e.ts - rows[0]!.ts]),
    [
      ['activate', 'normal', 'unack-active', undefined, 0],
      ['ack', 'unack-active', 'ack-active', 'alice', 1000],
      ['clear', 'ack-active', 'normal', undefined, 2000],
    ],
  );
  assert.equal(rows[1]?.text, 'seen, charging');
  assert.equal(rows[0]?.value, 5);
  assert.equal(r.engine.view('a').comments[0]?.text, 'seen, charging');
});

test('an action under impersonation is journaled with the impersonator; an own action and automatic transitions are not', () => {
  const r = rig([{ ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 }]);
  r.feed([['ess1/Soc', 5]]);
  r.engine.comment('a', { user: 'alice', impersonator: 'root' }, 'looked at it as alice');
  r.engine.ack(['a'], OP);
  r.feed([['ess1/Soc', 50]]);
  const rows = [...r.journal.iterate({ alarmIds: ['a'] })];
  assert.deepEqual(
    rows.map((e) => [e.event, e.user, e.impersonator]),
    [
      ['activate', undefined, undefined],
      ['comment', 'alice', 'root'],
      ['ack', 'alice', undefined],
      ['clear', undefined, undefined],
    ],
  );
});

test('shelving: reason, maximum, roles, expiry by the clock, re-annunciation', () => {
  const r = rig([
    { ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 },
    { ...base, id: 'safe', type: 'limit', point: 'ess1/Temperature', level: 'HH', setpoint: 45, shelvable: false },
  ], { config: { shelving: { maxDurationMs: 3600_000, roles: ['operator'] } } });
  r.feed([['ess1/Soc', 5]]);
  assert.throws(() => r.engine.shelve('a', OP, 60_000, ''), /reason/);
  assert.throws(() => r.engine.shelve('a', OP, 7200_000, 'sensor drift'), /maximum/);
  assert.throws(() => r.engine.shelve('a', { user: 'v', roles: ['viewer'] }, 60_000, 'sensor drift'), /roles/);
  assert.throws(() => r.engine.shelve('safe', OP, 60_000, 'sensor drift'), /may not be shelved/);
  assert.throws(() => r.engine.shelve('nope', OP, 60_000, 'sensor drift'), /no alarm/);
  const v = r.engine.shelve('a', { user: 'alice', roles: ['operator'] }, 600_000, 'sensor drift');
  assert.equal(v.state, 'normal');
  assert.equal(v.shelved?.by, 'alice');
  assert.equal(r.engine.counts().shelved, 1);
  assert.equal(r.engine.counts().unacknowledged, 0);
  assert.equal(r.engine.list().alarms.length, 0);
  assert.equal(r.engine.list({ view: 'shelved' }).alarms.length, 1);
  // the condition is still tracked while shelved
  r.feed([['ess1/Soc', 50]]);
  r.feed([['ess1/Soc', 4]]);
  assert.equal(r.state('a'), 'normal');
  r.advance(599_999);
  assert.ok(r.engine.view('a').shelved);
  r.advance(1);
  const after = r.engine.view('a');
  assert.equal(after.shelved, undefined);
  assert.equal(after.state, 'unack-active', 'still active when the shelf expires: annunciated again');
  const evs = [...r.journal.iterate({ alarmIds: ['a'] })].map((e) => [e.event, e.user]);
  assert.deepEqual(evs, [
    ['activate', undefined],
    ['shelve', 'alice'],
    ['shelve-expired', undefined],
    ['activate', undefined],
  ]);
  // manual unshelve of an alarm whose condition went
  r.engine.shelve('a', OP, 60_000, 'again');
  r.feed([['ess1/Soc', 50]]);
  r.engine.unshelve('a', { user: 'bob' });
  assert.equal(r.state('a'), 'normal');
  assert.throws(() => r.engine.unshelve('a', OP), /not shelved/);
});

test('suppression by design: an asset in maintenance suppresses its alarms (and its children)', () => {
  const r = rig([
    { ...base, id: 'ess-soc', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 },
    { ...base, id: 'pv-low', type: 'limit', point: 'pv1/ActivePower', level: 'L', setpoint: 1 },
    { ...base, id: 'meter-h', type: 'limit', point: 'meter1/ActivePower', level: 'H', setpoint: 100 },
  ]);
  r.feed([['ess1/Soc', 5], ['pv1/ActivePower', 0], ['meter1/ActivePower', 150]]);
  assert.equal(r.engine.counts().unacknowledged, 3);
  const res = r.engine.setAssetMode('ess1', 'maintenance', { user: 'tech' }, 'cell replacement');
  assert.equal(res.affected, 1);
  assert.equal(r.state('ess-soc'), 'normal');
  assert.match(r.engine.view('ess-soc').suppressed?.reason ?? '', /ess1 maintenance: cell replacement/);
  r.engine.setAssetMode('ctl1', 'out-of-service', { user: 'tech' });
  assert.equal(r.state('pv-low'), 'normal', 'child of ctl1');
  assert.equal(r.state('meter-h'), 'unack-active');
  assert.equal(r.engine.counts().suppressed, 2);
  const sup = r.journal.query({ events: ['suppress'] }).entries;
  assert.equal(sup.length, 2);
  assert.ok(sup.every((e) => e.user === 'tech'));
  r.engine.setAssetMode('ess1', 'in-service', { user: 'tech' });
  assert.equal(r.state('ess-soc'), 'normal', 'ess1 in service, but its parent ctl1 is not');
  assert.match(r.engine.view('ess-soc').suppressed?.reason ?? '', /ctl1 out-of-service/);
  r.engine.setAssetMode('ctl1', 'in-service', { user: 'tech' });
  assert.equal(r.state('pv-low'), 'unack-active', 'back in service, condition holds');
  assert.equal(r.state('ess-soc'), 'unack-active');
  assert.equal(r.engine.counts().suppressed, 0);
});

test('suppression by design: suppressWhen expression', () => {
  const r = rig([
    { ...base, id: 'dev', type: 'limit', point: 'ess1/ActivePower', level: 'L', setpoint: -50, suppressWhen: 'ess1/State == 4' },
  ]);
  r.feed([['ess1/State', 2], ['ess1/ActivePower', -60]]);
  assert.equal(r.state('dev'), 'unack-active');
  r.feed([['ess1/State', 4]]);
  assert.equal(r.state('dev'), 'normal');
  assert.ok(r.engine.view('dev').suppressed);
  r.feed([['ess1/State', 2]]);
  assert.equal(r.state('dev'), 'unack-active');
});

test('out of service: hidden, no procedure, back in service re-evaluated', async () => {
  const calls: ProcedureCommand[] = [];
  const exec: CommandExecutor = { execute: async (c) => (calls.push(c), { ok: true, message: 'done' }) };
  const r = rig([{ ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10, actions: [{ target: 'ess1/SetActivePower', value: 0 }] }], { executor: exec });
  r.engine.setOutOfService('a', true, OP, 'sensor replaced');
  r.feed([['ess1/Soc', 5]]);
  await r.engine.idle();
  assert.equal(calls.length, 0);
  assert.equal(r.state('a'), 'normal');
  assert.equal(r.engine.counts().outOfService, 1);
  r.engine.setOutOfService('a', false, OP, 'sensor ok');
  assert.equal(r.state('a'), 'unack-active');
  assert.throws(() => r.engine.shelve('a', OP, 60_000, 'x'), /reason/);
});

test('procedure runs through the command executor as system:alarms, result on the alarm and in the journal', async () => {
  // the recording executor stands for the command pipeline (permission, limits, audit, write, readback)
  const audit: Array<{ cmd: ProcedureCommand; principal: string }> = [];
  const exec: CommandExecutor = {
    async execute(cmd, principal) {
      audit.push({ cmd, principal });
      if (cmd.target === 'brk1/Open') return { ok: false, message: 'interlock: breaker in local mode' };
      return { ok: true, message: 'written, readback ok' };
    },
  };
  const r = rig(
    [
      {
        ...base,
        id: 'ess1.temperature.HH',
        priority: 'critical',
        type: 'limit',
        point: 'ess1/Temperature',
        level: 'HH',
        setpoint: 45,
        actions: [
          { target: 'ess1/SetActivePower', value: 0 },
          { target: 'brk1/Open', value: true, reason: 'isolate the battery' },
          { target: 'ctl1/Mode', value: 2 },
        ],
      },
    ],
    { executor: exec },
  );
  r.feed([['ess1/Temperature', 50]]);
  assert.equal(r.engine.view('ess1.temperature.HH').actionsPending, true);
  await r.engine.idle();
  assert.deepEqual(
    audit.map((a) => [a.principal, a.cmd.target, a.cmd.value, a.cmd.alarmId]),
    [
      ['system:alarms', 'ess1/SetActivePower', 0, 'ess1.temperature.HH'],
      ['system:alarms', 'brk1/Open', true, 'ess1.temperature.HH'],
    ],
    'stops at the first failed step',
  );
  assert.match(audit[0]!.cmd.reason, /alarm ess1.temperature.HH/);
  assert.equal(audit[1]!.cmd.reason, 'isolate the battery');
  const v = r.engine.view('ess1.temperature.HH');
  assert.equal(v.actionsPending, false);
  assert.deepEqual(v.actions.map((a) => [a.target, a.ok, a.message]), [
    ['ess1/SetActivePower', true, 'written, readback ok'],
    ['brk1/Open', false, 'interlock: breaker in local mode'],
  ]);
  const j = r.journal.query({ events: ['action'] }).entries.reverse();
  assert.equal(j.length, 2);
  assert.equal(j[0]?.user, 'system:alarms');
  assert.match(j[1]?.text ?? '', /brk1\/Open := true: FAILED \(interlock/);
  // an executor that throws is a failed step, not a crash
  const r2 = rig([{ ...base, id: 'b', type: 'limit', point: 'x/Y', level: 'H', setpoint: 1, actions: [{ target: 'x/Z', value: 0 }] }], {
    executor: { execute: () => Promise.reject(new Error('pipeline down')) },
  });
  r2.feed([['x/Y', 2]]);
  await r2.engine.idle();
  assert.equal(r2.engine.view('b').actions[0]?.message, 'pipeline down');
});

test('a procedure step shows its real outcome; a protective step that does not act raises a critical alarm (issue #9)', async () => {
  let answer: Awaited<ReturnType<CommandExecutor['execute']>> = {
    ok: false,
    outcome: 'refused',
    rule: 'interlock.contracted-power',
    protective: true,
    message: '0 kW would take the PCC to 83.5 kW, beyond the contracted 60 kW',
  };
  const exec: CommandExecutor = { execute: async () => answer };
  const def = { ...base, id: 'hot', priority: 'critical' as const, type: 'limit' as const, point: 'ess1/Temperature', level: 'HH' as const, setpoint: 45, actions: [{ target: 'ess1/Stop', value: 1 }] };
  const r = rig([def], { executor: exec });
  r.feed([['ess1/Temperature', 50]]);
  await r.engine.idle();
  const step = r.engine.view('hot').actions[0];
  assert.equal(step?.outcome, 'refused');
  assert.equal(step?.rule, 'interlock.contracted-power');
  assert.match(step?.message ?? '', /83.5 kW/);
  const failed = r.engine.view('system.protective-failed.hot');
  assert.equal(failed.priority, 'critical', 'the failed protective action is an alarm of the highest priority');
  assert.equal(failed.state, 'unack-active');
  assert.match(failed.message, /Protective action refused: ess1\/Stop := 1/);
  const j = r.journal.query({ events: ['action'] }).entries;
  assert.match(j[0]?.text ?? '', /REFUSED \[interlock.contracted-power\]/);

  // the next run succeeds: the step says done and the failure alarm clears
  answer = { ok: true, outcome: 'done', protective: true, message: 'ess1/Stop is 1, read back from the device' };
  r.feed([['ess1/Temperature', 20]]);
  r.engine.reset(['hot'], OP);
  r.feed([['ess1/Temperature', 50]]);
  await r.engine.idle();
  const last = r.engine.view('hot').actions.at(-1);
  assert.equal(last?.outcome, 'done');
  assert.equal(r.engine.view('system.protective-failed.hot').active, false);

  // a failed (not protective) step is reported as failed, without the extra alarm
  const r2 = rig([{ ...def, id: 'warm', actions: [{ target: 'ess1/SetActivePower', value: 5 }] }], {
    executor: { execute: async () => ({ ok: false, outcome: 'failed', rule: 'readback.timeout', message: 'no answer' }) },
  });
  r2.feed([['ess1/Temperature', 50]]);
  await r2.engine.idle();
  assert.equal(r2.engine.view('warm').actions[0]?.outcome, 'failed');
  assert.throws(() => r2.engine.view('system.protective-failed.warm'));
});

test('flood: more than 10 alarms in 10 minutes, first-out and groups by parent asset, end', () => {
  const defs: AlarmDefinitionInput[] = [];
  for (let k = 0; k < 15; k++) {
    const asset = k < 8 ? 'ess1' : k < 12 ? 'pv1' : 'meter1';
    defs.push({ ...base, id: `f${k}`, type: 'limit', point: `${asset}/P${k}`, level: 'H', setpoint: 1 });
  }
  const r = rig(defs);
  for (let k = 0; k < 10; k++) {
    r.feed([[`${k < 8 ? 'ess1' : 'pv1'}/P${k}`, 2]]);
    r.advance(30_000);
  }
  assert.equal(r.engine.floodStatus().active, false, '10 is not more than 10');
  r.feed([['pv1/P10', 2]]);
  const f = r.engine.floodStatus();
  assert.equal(f.active, true);
  assert.equal(f.firstOut, 'f0');
  assert.equal(f.count, 11);
  assert.deepEqual(f.groups.map((g) => [g.group, g.firstOut, g.count]), [['ctl1', 'f0', 11]]);
  r.feed([['meter1/P12', 2]]);
  assert.deepEqual(r.engine.floodStatus().groups.map((g) => [g.group, g.firstOut, g.count]), [
    ['ctl1', 'f0', 11],
    ['meter1', 'f12', 1],
  ]);
  assert.ok(r.floods.length >= 2 && r.floods.every((x) => x.active));
  assert.equal(r.journal.count({ events: ['flood-start'] }), 1);
  r.advance(600_000);
  assert.equal(r.engine.floodStatus().active, false);
  assert.equal(r.floods[r.floods.length - 1]?.active, false);
  assert.equal(r.journal.count({ events: ['flood-end'] }), 1);
});

test('chattering: 3 activations within a minute are reported, and end after a quiet minute', () => {
  const r = rig([{ ...base, id: 'c', type: 'state', point: 'x/Door', alarmValues: [true] }]);
  for (let k = 0; k < 3; k++) {
    r.feed([['x/Door', true]]);
    r.advance(5_000);
    r.feed([['x/Door', false]]);
    r.advance(5_000);
  }
  assert.equal(r.engine.view('c').chattering, true);
  assert.equal(r.engine.view('c').activations, 3);
  assert.equal(r.journal.count({ events: ['chatter'] }), 1);
  r.advance(60_000);
  assert.equal(r.engine.view('c').chattering, false);
});

test('system alarms: raise and clear by id, with or without a definition', () => {
  const r = rig([{ ...base, id: 'comm.pcc', type: 'system', priority: 'high', class: 'communication', asset: 'meter1', message: 'Comm failure: PCC meter' }]);
  r.engine.raiseSystemAlarm('comm.pcc', { text: 'timeout after 1000 ms' });
  assert.equal(r.state('comm.pcc'), 'unack-active');
  assert.equal(r.journal.query({ limit: 1 }).entries[0]?.value, 'timeout after 1000 ms');
  r.engine.raiseSystemAlarm('comm.pcc');
  assert.equal(r.engine.view('comm.pcc').activations, 1, 'raising twice is one activation');
  r.engine.clearSystemAlarm('comm.pcc');
  assert.equal(r.state('comm.pcc'), 'unack-rtn');
  r.engine.raiseSystemAlarm('forecast.failed', { message: 'Forecast failed', priority: 'low', class: 'forecast' });
  const v = r.engine.view('forecast.failed');
  assert.equal(v.priority, 'low');
  assert.equal(v.type, 'system');
  assert.equal(r.engine.definitions().some((d) => d.id === 'forecast.failed'), false, 'ad hoc: not a definition');
  r.engine.clearSystemAlarm('never.raised');
  r.feed([['ess1/Soc', 1]]);
  assert.throws(() => r.engine.raiseSystemAlarm('comm pcc'), /system alarm/);
});

test('events: batched changes, counts for the banner, annunciation list', () => {
  const r = rig([
    { ...base, id: 'c1', priority: 'critical', type: 'limit', point: 'a/X', level: 'H', setpoint: 1 },
    { ...base, id: 'l1', priority: 'low', type: 'limit', point: 'a/Y', level: 'H', setpoint: 1 },
  ]);
  r.events.length = 0;
  r.feed([['a/X', 2], ['a/Y', 2]]);
  assert.equal(r.events.length, 1, 'one event per batch');
  const e = r.events[0]!;
  assert.deepEqual(e.changes.map((c) => c.id).sort(), ['c1', 'l1']);
  assert.deepEqual(e.annunciate.map((a) => a.id).sort(), ['c1', 'l1']);
  assert.equal(e.counts.byPriority.critical.unackActive, 1);
  assert.equal(e.counts.byPriority.low.unackActive, 1);
  assert.equal(e.counts.highestUnacknowledged, 'critical');
  r.engine.ack(['c1'], OP);
  const c = r.engine.counts();
  assert.equal(c.byPriority.critical.ackActive, 1);
  assert.equal(c.highestUnacknowledged, 'low');
  assert.equal(c.active, 2);
  assert.equal(c.unacknowledged, 1);
  r.feed([['a/Y', 0]]);
  assert.equal(r.engine.counts().byPriority.low.unackRtn, 1);
  const list = r.engine.list();
  assert.deepEqual(list.alarms.map((a) => a.id), ['l1', 'c1'], 'unacknowledged first');
  r.events.length = 0;
  r.feed([['a/Y', 0]]);
  assert.equal(r.events.length, 0, 'nothing changed: no event');
});

test('definitions: validate, upsert keeps state, delete; expression errors name the field', () => {
  const r = rig([{ ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 }]);
  r.feed([['ess1/Soc', 5]]);
  const bad = r.engine.validateDefinition({ ...base, id: 'e', type: 'expression', expr: 'ess1/Soc >' });
  assert.equal(bad.ok, false);
  assert.equal(bad.issues[0]?.path, 'expr');
  const bad2 = r.engine.validateDefinition({ ...base, id: 'e', type: 'limit', point: 'nope', level: 'X', setpoint: 1 });
  assert.deepEqual(bad2.issues.map((i) => i.path).sort(), ['level', 'point']);
  assert.throws(() => r.engine.upsertDefinition({ ...base, id: 'e', type: 'expression', expr: '1 +' }, { user: 'admin' }), /expr/);
  // raise the setpoint: same alarm, same state, re-evaluated at once from the cache
  r.engine.upsertDefinition({ ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 3, priority: 'low' }, { user: 'admin' });
  assert.equal(r.state('a'), 'unack-rtn');
  assert.equal(r.engine.counts().byPriority.low.unackRtn, 1);
  assert.equal(r.engine.counts().byPriority.high.unackActive, 0);
  r.engine.upsertDefinition({ ...base, id: 'n', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 50 }, { user: 'admin' });
  assert.equal(r.state('n'), 'unack-active', 'new definition evaluated against the present value');
  assert.equal(r.engine.deleteDefinition('n', { user: 'admin' }), true);
  assert.throws(() => r.engine.view('n'), /no alarm/);
  assert.equal(r.engine.counts().unacknowledged, 1);
  assert.deepEqual(
    r.journal.query({ events: ['definition'] }).entries.map((e) => [e.alarmId, e.user, e.text]).reverse(),
    [
      ['a', 'admin', 'changed'],
      ['n', 'admin', 'added'],
      ['n', 'admin', 'deleted'],
    ],
  );
  assert.throws(() => new AlarmEngine({ journal: new MemoryAlarmJournal(), config: { definitions: [{ ...base, id: 'd', type: 'system' }, { ...base, id: 'd', type: 'system' }] } }), /duplicate/);
});

test('index: a batch only touches definitions of the points in it', () => {
  const defs: AlarmDefinitionInput[] = [];
  for (let k = 0; k < 1000; k++) defs.push({ ...base, id: `d${k}`, type: 'limit', point: `a${k}/X`, level: 'H', setpoint: 1 });
  const r = rig(defs);
  const before = r.engine.stats().evaluations;
  r.feed([['a5/X', 0], ['a7/X', 0], ['unrelated/X', 1]]);
  assert.equal(r.engine.stats().evaluations - before, 2);
});

test('accepts CVT updates {id, v, q, ts, rts} as well as bridge samples', () => {
  const r = rig([{ ...base, id: 'a', type: 'limit', point: 'ess1/Soc', level: 'L', setpoint: 10 }]);
  r.engine.processBatch([{ id: 'ess1/Soc', v: 5, q: GOOD, ts: r.t, rts: r.t }]);
  assert.equal(r.state('a'), 'unack-active');
  assert.equal(r.engine.view('a').value, 5);
});

test('syncCommAlarm: device offline raises comm.<device>, online clears it', () => {
  const r = rig([]);
  const status = { id: 'pcc-dev', name: 'PCC meter', protocol: 'modbus-tcp', address: '127.0.0.1:502', asset: 'meter1', profile: 'p', simulated: true, pollMs: 1000, polls: 10, failures: 3 };
  syncCommAlarm(r.engine, { ...status, state: 'offline', lastError: 'ECONNREFUSED' });
  const v = r.engine.view('comm.pcc-dev');
  assert.equal(v.state, 'unack-active');
  assert.equal(v.class, 'communication');
  assert.equal(v.value, 'ECONNREFUSED');
  syncCommAlarm(r.engine, { ...status, state: 'online' });
  assert.equal(r.state('comm.pcc-dev'), 'unack-rtn');
});
