/**
 * The dispatch writes what the control cycle holds, not the plan's raw step (issue #11 item 4).
 *
 * The demo site in the host with the simulator over Modbus, plan following in force, and a
 * stored plan (written into the data folder before start: the plan service reads it back as the
 * latest, so no solve replaces it) that asks the battery to CHARGE 90 kW in every step. The
 * site's 60 kW contract does not allow that with the building's load: peak shaving (inside the
 * operating-mode controller) holds the battery at "site draw − 60 kW" and the cycle writes that
 * every second. A dispatch of the raw −90 kW step is refused by the pipeline's contract limit
 * or, if written, is overwritten by the cycle inside the read-back window — a false
 * `plan.dispatch-failed` either way. The dispatch must take the cycle's merged value (here held
 * by the cycle, which writes and reads it back), record the plan's step beside it, and raise no alarm.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ControlStatus, PlanRecord } from '../../../core/common';
import { localParts } from '../../../core/common/localtime';
import { DISPATCH_ALARM } from '../../../core/plan/dispatch';
import { composeApp, findAppRoot, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const dir = mkdtempSync(join(tmpdir(), 'esm-dispatch-'));
let app: App;
let users: Bootstrapped;
let viewer: TestClient;
const TZ = 'Europe/Madrid';

/** a stored plan charging `kw` in every step of the next 24 h (only what the plan service and the dispatch read) */
function storedPlan(kw: number): PlanRecord {
  const issuedAt = Date.now() - 60_000;
  const start = Math.floor(Date.now() / 900_000) * 900_000;
  const n = 96;
  const date = localParts(issuedAt, TZ).date;
  const file = `${date}/${new Date(issuedAt).toISOString().replace(/[:.]/g, '-')}-event.json`;
  const series = { storage: [{ id: 'ess', powerKw: new Array(n).fill(kw), chargeKw: new Array(n).fill(-kw), dischargeKw: new Array(n).fill(0), socPct: new Array(n).fill(50) }], ev: [], pv: [], gensets: [], controllableLoads: [], gridImportKw: new Array(n).fill(0), gridExportKw: new Array(n).fill(0), loadKw: new Array(n).fill(0), importPrice: new Array(n).fill(0.2), exportPrice: new Array(n).fill(0.05) };
  return { issuedAt, kind: 'event', reason: 'test plan', requestedBy: 'test', ok: true, start, stepMinutes: 15, steps: n, objective: 'cost', file, series } as unknown as PlanRecord;
}

describe('the dispatch writes the cycle’s merged value (demo site, simulator over Modbus)', () => {
  before(async () => {
    const root = findAppRoot();
    // no scheduled solve replaces the stored plan during the test
    const site = join(dir, 'site.yaml');
    const yaml = readFileSync(join(root, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8').replace('intradayEveryMinutes: 60', 'intradayEveryMinutes: 0');
    assert.match(yaml, /intradayEveryMinutes: 0/);
    writeFileSync(site, yaml);
    const plan = storedPlan(-90);
    mkdirSync(join(dir, 'data', 'plans', plan.file.split('/')[0] as string), { recursive: true });
    writeFileSync(join(dir, 'data', 'plans', plan.file), JSON.stringify(plan));
    app = await composeApp({ mode: 'browser', sitePath: site, ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 }, planning: { startupDelayMs: 3_600_000 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('peak shaving holds the plan’s −90 kW; the dispatch writes and reads back the held value, and no alarm is raised', async () => {
    // the cycle follows the stored plan, held by peak shaving under the 60 kW contract
    const held = await waitFor(
      'the cycle to hold the plan under the contract',
      async () => {
        const s = await viewer.call<ControlStatus>('control.status');
        const sp = s.setpoints.find((x) => x.target === 'ess/SetActivePower');
        return sp && /Plan following mode/.test(sp.why) && /held at/.test(sp.why) && sp.lane.readback === 'ok' ? sp : undefined;
      },
      60_000,
      250,
    );
    assert.ok(held.requested > -60, `peak shaving holds the battery above −60 kW: ${held.requested}`);
    const dispatcher = app.host.planDispatcher;
    assert.ok(dispatcher, 'the host dispatches plans');
    const d = await dispatcher.dispatchNow();
    const ess = d.targets.find((t) => t.target === 'ess/SetActivePower');
    assert.ok(ess, JSON.stringify(d));
    assert.equal(ess.planned, -90, 'the record keeps the plan’s step');
    assert.equal(ess.outcome, 'held', `held by the cycle, not refused or failed: ${JSON.stringify(ess)}`);
    assert.notEqual(ess.readback, 'mismatch', `the machine lane's read-back of the held value: ${String(ess.readback)}`);
    // the device holds the cycle's value, not the plan's raw step
    const dev = await waitFor('the device to report the held setpoint', async () => {
      const v = app.host.cvt.get('ess/SetActivePower')?.value;
      return typeof v === 'number' && Math.abs(v - ess.value) <= 3 ? v : undefined;
    }, 10_000, 100);
    assert.ok(dev > -60, `the device's setpoint ${dev} kW`);
    const now = (await viewer.call<ControlStatus>('control.status')).setpoints.find((x) => x.target === 'ess/SetActivePower');
    assert.ok(Math.abs(ess.value - (now?.requested ?? NaN)) <= 3, `the dispatched ${ess.value} kW is the cycle's ${now?.requested} kW`);
    assert.ok(ess.value > -60, `not the raw step: ${ess.value}`);
    assert.match(ess.message ?? '', /the control cycle holds .* instead of the plan's -90 kW and writes it itself: .*held at/);
    assert.equal(d.ok, true);
    assert.equal(app.host.svc.alarms.list({}).alarms.find((a) => a.id === DISPATCH_ALARM)?.active ?? false, false, 'no plan.dispatch-failed');
  });
});
