/**
 * Issue #8, item 7: a setpoint written to a device by another client (not through ES Manager)
 * is audited as a sentence, and raises an alarm where the site file asks for one (the demo
 * site's battery setpoint). The whole app on the demo site; the other client is a real Modbus
 * TCP client (modbus-serial) writing the simulator's holding registers.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import type { AlarmListRes, AuditEntry, CommandResult, PointState, SiteView } from '../../../core/common';
import { isModbusTcpDevice } from '../../../core/common/site';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const SETPOINT = 'ess/SetActivePower';
const ALARM = `external-change.${SETPOINT}`;

describe('a setpoint changed outside ES Manager is audited and alarmed', () => {
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let site: SiteView;
  const modbus: ModbusRTU[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-extchange-'));

  /** a Modbus client of the device serving `asset` */
  const outsider = async (asset: string): Promise<ModbusRTU> => {
    const dev = app.sim?.site.devices.find((d) => d.asset === asset);
    assert.ok(dev && isModbusTcpDevice(dev), `a simulated Modbus TCP device serves ${asset}`);
    const c = new ModbusRTU();
    await c.connectTCP(dev.connection.host, { port: dev.connection.port });
    c.setID(dev.connection.unitId);
    c.setTimeout(3000);
    modbus.push(c);
    return c;
  };
  const changes = async (target: string): Promise<AuditEntry[]> =>
    (await users.admin.call<AuditEntry[]>('audit.query', { type: 'point.external-change', limit: 100 })).filter((e) => e.target === target);
  const alarm = async (id: string) => (await users.admin.call<AlarmListRes>('alarms.list', { view: 'all' })).alarms.find((a) => a.id === id);
  const read = async (id: string): Promise<PointState | undefined> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0];

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    site = await users.admin.call<SiteView>('site.get');
    await waitFor('good setpoint values', async () => ((await read(SETPOINT))?.quality.level === 'good' ? true : undefined));
  });
  after(async () => {
    for (const c of modbus) await new Promise<void>((r) => c.close(() => r()));
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('our own command is not reported; another client writing the battery setpoint is, with an alarm', async () => {
    const ours = await op.call<CommandResult>('command.execute', { siteId: site.id, target: SETPOINT, value: 10, unit: 'kW', reason: 'test' });
    assert.ok(ours.ok, JSON.stringify(ours));
    await waitFor('the CVT to see 10 kW', async () => ((await read(SETPOINT))?.value === 10 ? true : undefined));
    assert.deepEqual(await changes(SETPOINT), [], 'a command of ours explains the change');

    // someone else's Modbus client writes 20 kW (raw W, int32, high word first)
    const pcs = await outsider('ess');
    await pcs.writeRegisters(101, [0, 20_000]);
    const [entry] = await waitFor('the audit entry', async () => {
      const e = await changes(SETPOINT);
      return e.length ? e : undefined;
    }, 15_000);
    assert.ok(entry);
    assert.equal((entry.details as { message: string }).message, 'ess/SetActivePower changed from 10 to 20 kW outside ES Manager');
    assert.deepEqual(entry.before, { [SETPOINT]: 10 });
    assert.deepEqual(entry.after, { [SETPOINT]: 20 });
    assert.equal(entry.siteId, site.id);
    const a = await waitFor('the alarm', async () => ((await alarm(ALARM))?.active ? alarm(ALARM) : undefined));
    assert.equal(a?.value, 'ess/SetActivePower changed from 10 to 20 kW outside ES Manager');

    // ES Manager commands the point again: the alarm's condition clears
    const back = await op.call<CommandResult>('command.execute', { siteId: site.id, target: SETPOINT, value: 0, unit: 'kW', reason: 'test' });
    assert.ok(back.ok, JSON.stringify(back));
    assert.equal((await alarm(ALARM))?.active, false);
    await waitFor('the CVT to see 0 kW', async () => ((await read(SETPOINT))?.value === 0 ? true : undefined));
    assert.equal((await changes(SETPOINT)).length, 1, 'our command back to 0 kW is not reported');
  });

  it('a writable point without the site-file option is audited, not alarmed', async () => {
    // the PV inverter's curtailment limit (uint32, raw W, high word first); nobody else writes it on the demo site
    const target = 'pv/ActivePowerLimit';
    await waitFor('a good curtailment limit', async () => ((await read(target))?.quality.level === 'good' ? true : undefined));
    const before = (await read(target))?.value;
    const pv = await outsider('pv');
    const kw = before === 30 ? 45 : 30;
    await pv.writeRegisters(40915, [0, kw * 1000]);
    const [entry] = await waitFor('the audit entry', async () => {
      const e = await changes(target);
      return e.length ? e : undefined;
    }, 15_000);
    assert.match((entry?.details as { message: string }).message, new RegExp(`^pv/ActivePowerLimit changed from ${before} to ${kw} kW outside ES Manager$`));
    assert.equal(await alarm(`external-change.${target}`), undefined, 'no alarm asked for');
  });
});
