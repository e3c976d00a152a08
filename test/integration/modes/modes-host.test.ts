/**
 * Operating modes, external signals and dispatch in the running host (issue #11 items 3, 4, 6,
 * 7): the demo site as shipped (control cycle on, operating mode plan following), the plant
 * simulator over Modbus TCP on loopback, the real bridges, pipeline, alarm engine and plan
 * service (first plan 1 s after start).
 *
 *  - the plan is followed and dispatched through the pipeline (done, with readback);
 *  - an operator's mode change needs a reason, a viewer is refused, both are audited; the
 *    cycle's sentence says which mode and why; the calendar schedules the next change;
 *  - a refused dispatch (a hand-made plan asking 150 kW of a 100 kW inverter) raises
 *    `plan.dispatch-failed`; the next good dispatch clears it;
 *  - a signals file with a mistake raises `signals.invalid` with file:line; a good one drives
 *    the battery (TSO setpoint) and the next plan is made with it.
 *
 * Run: node --import tsx --test test/integration/modes/modes-host.test.ts
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry, ControlStatus, ModeCommandResult, ModeStatus, PlanRecord, PlanSummary } from '../../../core/common';
import { PlanDispatcher, DISPATCH_ALARM } from '../../../core/plan/dispatch';
import { systemPrincipal } from '../../../core/security';
import { composeApp, findAppRoot, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const dir = mkdtempSync(join(tmpdir(), 'esm-modes-'));
let app: App;
let users: Bootstrapped;
let op: TestClient;
let viewer: TestClient;

const essReq = (s: ControlStatus, id: string) => s.controllers.find((c) => c.id === id)?.requests.find((r) => r.target === 'ess/SetActivePower');

describe('operating modes, signals and dispatch in the host (demo site as shipped)', () => {
  before(async () => {
    const root = findAppRoot();
    app = await composeApp({ mode: 'browser', sitePath: join(root, 'assets', 'sites', 'demo', 'site.yaml'), ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 }, planning: { startupDelayMs: 1000 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the demo follows its plan in plan following mode, and dispatches the step through the pipeline with readback', async () => {
    const st = await viewer.call<ModeStatus>('modes.status');
    assert.equal(st.enabled, true);
    assert.equal(st.active.mode, 'plan-following');
    assert.equal(st.active.source, 'default');
    assert.match(st.active.why, /default mode \(Plan following\)/);
    const status = await waitFor(
      'the operating mode to follow the first plan',
      async () => {
        const s = await viewer.call<ControlStatus>('control.status');
        const r = essReq(s, 'operating-mode');
        return r && /^Plan following mode \(default mode/.test(r.why) && /plan \(issued /.test(r.why) ? s : undefined;
      },
      90_000,
    );
    assert.deepEqual(status.controllers.map((c) => c.id), ['soc-protection', 'grid-signals', 'ramp-limit', 'operating-mode']);
    const d = await waitFor('a dispatch of the plan', async () => {
      const s = await viewer.call<ModeStatus>('modes.status');
      return s.dispatch && s.dispatch.targets.length > 0 ? s.dispatch : undefined;
    }, 30_000);
    const ess = d.targets.find((t) => t.target === 'ess/SetActivePower');
    assert.ok(ess, `the battery is dispatched: ${JSON.stringify(d)}`);
    assert.equal(ess.steps.length, 4, 'the next hour: four quarter hours');
    // the cycle's merged value: written and read back, or held by the cycle when a controller above bounds the plan
    assert.ok(['done', 'held'].includes(ess.outcome), JSON.stringify(ess));
    if (ess.outcome === 'done') {
      const audit = await users.admin.call<AuditEntry[]>('audit.query', { type: 'command.', user: 'system:plan-dispatch', limit: 20 });
      assert.ok(audit.some((a) => a.type === 'command.issue' && a.target === 'ess/SetActivePower'), 'the dispatch is audited as the system principal');
    } else assert.match(ess.message ?? '', /the control cycle holds/);
  });

  it('an operator switches to peak shaving with a reason through the pipeline; without one, or as a viewer, it is refused', async () => {
    const noReason = await op.call<ModeCommandResult>('modes.set', { mode: 'peak-shaving' });
    assert.equal(noReason.ok, false);
    assert.equal(!noReason.ok && noReason.stage, 'reason');
    await assert.rejects(viewer.call('modes.set', { mode: 'peak-shaving', reason: 'test' }), /forbidden|not allowed|permission/i);
    const r = await op.call<ModeCommandResult>('modes.set', { mode: 'peak-shaving', reason: 'test', comment: 'integration test' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.status.active.mode, 'peak-shaving');
    assert.equal(r.status.active.source, 'operator');
    assert.match(r.status.active.why, /chosen by .*reason: test/);
    const s = await waitFor('the cycle to run peak shaving', async () => {
      const c = await viewer.call<ControlStatus>('control.status');
      const q = essReq(c, 'operating-mode');
      return q && /^Peak shaving mode \(chosen by /.test(q.why) ? q : undefined;
    }, 10_000);
    assert.ok(s.value !== undefined);
    const audit = await users.admin.call<AuditEntry[]>('audit.query', { type: 'mode.', limit: 20 });
    const types = audit.map((a) => `${a.type}:${a.outcome}`);
    assert.ok(types.includes('mode.issue:info') && types.includes('mode.result:ok') && types.includes('mode.refused:refused'), types.join(', '));
    // another mode is in force: the dispatch stands aside and says why
    const d = await waitFor('a dispatch skipped in peak shaving', async () => {
      const st = await viewer.call<ModeStatus>('modes.status');
      return st.dispatch?.skipped ? st.dispatch : undefined;
    }, 5_000).catch(() => undefined);
    if (d) assert.match(d.skipped ?? '', /peak-shaving, not plan following/);
  });

  it('the calendar is stored server-side and says what is scheduled next; releasing the operator\'s choice returns to it', async () => {
    const cal = [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '12:00', mode: 'self-consumption', label: 'morning' },
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '12:00', to: '24:00', mode: 'tariff', label: 'afternoon' },
    ];
    const bad = await op.call<ModeCommandResult>('modes.calendar.set', { calendar: cal });
    assert.equal(!bad.ok && bad.stage, 'reason');
    await assert.rejects(op.call('modes.calendar.set', { calendar: [{ days: ['mon'], from: '18:00', to: '08:00', mode: 'tariff' }], reason: 'test' }), /ends at 08:00, not after it starts/);
    const r = await op.call<ModeCommandResult>('modes.calendar.set', { calendar: cal, defaultMode: 'plan-following', reason: 'test' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.status.calendar.length, 2);
    assert.ok(r.status.next, 'the next change is known');
    assert.ok(r.status.next.at > Date.now() && r.status.next.at - Date.now() <= 12 * 3600_000 + 60_000, `next at ${new Date(r.status.next.at).toISOString()}`);
    assert.equal(r.status.active.source, 'operator', 'the operator\'s peak shaving still holds');
    assert.equal(r.status.active.until, r.status.next.at, 'until the calendar\'s next change');
    const back = await op.call<ModeCommandResult>('modes.set', { mode: null, reason: 'test' });
    assert.ok(back.ok);
    assert.equal(back.status.active.source, 'calendar');
    assert.match(back.status.active.why, /^calendar: every day (00:00–12:00 \(morning\)|12:00–24:00 \(afternoon\))/);
    assert.notEqual(back.status.next?.mode, back.status.active.mode);
  });

  it('a refused dispatch raises plan.dispatch-failed; the next good dispatch clears it', async () => {
    const s = app.host.svc;
    const principal = systemPrincipal({ id: 'plan-dispatch', displayName: 'Plan dispatch', capabilities: ['site.view', 'control.setpoint'], sites: [app.host.siteId] });
    const start = Math.floor(Date.now() / 900_000) * 900_000;
    // a hand-made plan (only the fields the dispatch reads): 150 kW asked of a 100 kW inverter
    const handMade = (kw: number): PlanRecord =>
      ({ issuedAt: Date.now(), kind: 'event', reason: 'test', requestedBy: 'test', ok: true, start, stepMinutes: 15, steps: 8, objective: 'cost', file: 'x.json', series: { storage: [{ id: 'ess', powerKw: new Array(8).fill(kw), chargeKw: [], dischargeKw: [], socPct: [] }], ev: [], pv: [], gensets: [], controllableLoads: [], gridImportKw: [], gridExportKw: [], loadKw: [], importPrice: [], exportPrice: [] } }) as PlanRecord;
    let plan = handMade(150);
    const dispatcher = new PlanDispatcher({
      siteId: app.host.siteId,
      scheduler: { now: () => Date.now(), setTimeout: () => () => undefined, setInterval: () => () => undefined },
      plans: () => ({ latestPlan: () => plan, mode: () => ({ mode: 'plan', issuedAt: plan.issuedAt }) }),
      execute: (cmd) => s.commands.execute(principal, cmd),
      hasPoint: (id) => app.host.cvt.meta(id) !== undefined,
      states: () => 'in-service',
      alarms: s.alarms,
    });
    const refused = await dispatcher.dispatchNow();
    assert.equal(refused.ok, false);
    assert.equal(refused.targets[0]?.outcome, 'refused', JSON.stringify(refused.targets));
    assert.equal(refused.targets[0]?.rule, 'value.out-of-range');
    const alarm = s.alarms.list({}).alarms.find((a) => a.id === DISPATCH_ALARM);
    assert.ok(alarm?.active, 'the dispatch alarm is raised');
    assert.match(String(alarm.value), /ess\/SetActivePower := 150 kW refused \(value\.out-of-range\)/);
    // hold the cycle off the battery (manual), so the readback sees the dispatched value
    assert.ok((await op.call<ModeCommandResult>('modes.set', { mode: 'manual', reason: 'test' })).ok);
    plan = handMade(-5);
    const good = await dispatcher.dispatchNow();
    assert.equal(good.targets[0]?.outcome, 'done', JSON.stringify(good.targets));
    assert.ok(Math.abs(Number(good.targets[0]?.readback) + 5) <= 0.5, `readback over Modbus: ${good.targets[0]?.readback}`);
    assert.equal(s.alarms.list({}).alarms.find((a) => a.id === DISPATCH_ALARM)?.active ?? false, false, 'cleared');
  });

  it('external signals: a bad file is an alarm with file:line; a good one drives the battery and the next plan', async () => {
    const file = join(dir, 'data', 'signals', 'grid.yaml');
    mkdirSync(join(dir, 'data', 'signals'), { recursive: true });
    assert.ok((await op.call<ModeCommandResult>('modes.set', { mode: 'self-consumption', reason: 'test' })).ok);
    writeFileSync(file, 'source: TSO test\nsetpoints:\n  - { from: 2026-12-02T00:00:00Z, to: 2026-12-01T00:00:00Z, kw: 7 }\n');
    const alarm = await waitFor('signals.invalid', async () => app.host.svc.alarms.list({}).alarms.find((a) => a.id === 'signals.invalid' && a.active), 15_000);
    assert.match(String(alarm.value), /grid\.yaml:3:\d+: setpoints\.0\.to: ends before it starts/);
    const before = (await viewer.call<PlanSummary[]>('plan.list', { limit: 1 }))[0]?.issuedAt ?? 0;
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    writeFileSync(file, `source: TSO test\nsetpoints:\n  - { from: "${from}", to: "${to}", kw: 7 }\nlimits:\n  - { from: "${from}", to: "${to}", importMaxKw: 150 }\n`);
    const req = await waitFor('the TSO setpoint in the cycle', async () => {
      const c = await viewer.call<ControlStatus>('control.status');
      const q = essReq(c, 'grid-signals');
      return q?.value === 7 ? q : undefined;
    }, 15_000);
    assert.match(req.why, /grid signals \(TSO test\): TSO setpoint 7 kW; import limit 150 kW/);
    const st = await viewer.call<ModeStatus>('modes.status');
    assert.equal(st.signals?.setpointKw, 7);
    assert.equal(app.host.svc.alarms.list({}).alarms.find((a) => a.id === 'signals.invalid')?.active ?? false, false, 'a good file clears the alarm');
    const plan = await waitFor('a plan made with the signals', async () => {
      const p = await viewer.call<PlanRecord | null>('plan.get', {});
      return p && p.issuedAt > before && p.externalSignals ? p : undefined;
    }, 60_000);
    assert.match(plan.externalSignals ?? '', /TSO battery setpoints in \d+ steps/);
    const t = Math.floor((Date.now() - plan.start) / (plan.stepMinutes * 60_000));
    const planned = plan.series?.storage.find((b) => b.id === 'ess')?.powerKw[t] ?? NaN;
    assert.ok(planned >= -1e-6 && planned <= 7 + 1e-6, `the plan keeps the battery within the TSO setpoint's direction and size now: ${planned} kW`);
  });
});
