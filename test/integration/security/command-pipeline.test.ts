/**
 * The command pipeline end to end on a real database and a Bridge: refusals (limit,
 * interlock, maintenance, missing reason), readback failure, success; every step audited
 * with before/after and the chain still verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandRequest } from '../../../core/common/security';
import { securityStack } from './fixture';

const sp = (value: number, o: Partial<CommandRequest> = {}): CommandRequest => ({ siteId: 's1', target: 'ess1/SetActivePower', value, ...o });

test('refusals at each stage never reach the device; success and readback failure are audited', async (t) => {
  const S = await securityStack(['s1']);
  t.after(() => S.close());
  const site = S.sites.get('s1')!;
  const op = (await S.user('op1', ['operator'], ['s1'])).principal;
  const viewer = (await S.user('guest', ['viewer'], ['s1'])).principal;
  const outcome = async (p: typeof op, c: CommandRequest) => {
    const r = await S.commands.execute(p, c);
    return r.ok ? 'ok' : `${r.stage}/${r.rule}`;
  };

  assert.equal(await outcome(viewer, sp(10)), 'permission/role.missing-capability');
  assert.equal(await outcome(op, sp(150)), 'validation/value.out-of-range');
  site.assets.ess1!.limits = { ...site.assets.ess1!.limits, maxDischargeKw: 50 };
  assert.equal(await outcome(op, sp(60)), 'interlock/limit.max-discharge');
  site.cvt.set('ess1/Soc', { value: 8, quality: { level: 'good' }, ts: S.clock.now() });
  assert.equal(await outcome(op, sp(20)), 'interlock/interlock.soc-min');
  site.cvt.set('ess1/Soc', { value: 50, quality: { level: 'good' }, ts: S.clock.now() });
  // PCC at 30 kW import, contracted 120: charging 100 kW would import 130
  assert.equal(await outcome(op, sp(-100)), 'interlock/interlock.contracted-power');
  site.assets.ess1!.state = 'maintenance';
  site.assets.ess1!.stateNote = 'lockout by tech1';
  assert.equal(await outcome(op, sp(10)), 'asset-state/asset.maintenance');
  site.assets.ess1!.state = 'in-service';
  S.reasons.upsert({ id: 'peak-shaving', label: 'Peak shaving', appliesTo: 'command', active: true });
  S.reasons.setRequired('command', true);
  assert.equal(await outcome(op, sp(10)), 'reason/reason.required');
  assert.equal(site.bridge.writes.length, 0, 'no refused command reached the device');

  assert.equal(await outcome(op, sp(25, { reason: 'peak-shaving' })), 'ok');
  assert.deepEqual(site.bridge.writes, [['SetActivePower', 25]]);

  site.bridge.ignoreWrites = true;
  const t0 = S.clock.now();
  const r = await S.commands.execute(op, sp(40, { reason: 'peak-shaving' }));
  assert.equal(r.ok ? '' : `${r.stage}/${r.rule}`, 'readback/readback.mismatch');
  assert.match(r.ok ? '' : r.message, /reads 25 .* expected 40/);
  assert.ok(S.clock.now() - t0 >= 3000);

  const log = S.audit.query({ assetId: 'ess1' }).reverse();
  const summary = log.map((e) => `${e.type}:${e.outcome}:${e.rule ?? ''}`);
  assert.deepEqual(summary, [
    'command.refused:refused:role.missing-capability',
    'command.refused:refused:value.out-of-range',
    'command.refused:refused:limit.max-discharge',
    'command.refused:refused:interlock.soc-min',
    'command.refused:refused:interlock.contracted-power',
    'command.refused:refused:asset.maintenance',
    'command.refused:refused:reason.required',
    'command.issue:info:',
    'command.result:ok:',
    'command.issue:info:',
    'command.result:failed:readback.mismatch',
  ]);
  const ok = log[8]!;
  assert.equal(ok.reason, 'peak-shaving');
  assert.equal(ok.actor, 'op1');
  assert.equal(ok.workstation, 'ws-op1');
  assert.deepEqual(ok.before, { 'ess1/SetActivePower': null });
  assert.deepEqual(ok.after, { 'ess1/SetActivePower': 25 });
  assert.deepEqual(log[10]!.after, { value: 25 });
  assert.equal(S.audit.verify().ok, true);
});
