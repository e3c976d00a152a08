/**
 * The demo site's IEC 61850 IED (device esc-ied): served by the plant simulator through
 * libiec61850's server API when ESM_LIBIEC61850 is set, met by the app's own driver (reports,
 * the battery's values, the simulator's time quality); without the library the simulator
 * says why the IED is absent and the app runs as before (always runs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { composeApp } from '../../../electron/compose';
import { LIB, missing, until } from './support';

async function demo(run: (app: Awaited<ReturnType<typeof composeApp>>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'esm-61850-sim-'));
  const app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir: join(dir, 'data') });
  try {
    await run(app);
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without libiec61850 the simulator says why the IED is absent and the demo runs without it', async () => {
  const saved = process.env.ESM_LIBIEC61850;
  delete process.env.ESM_LIBIEC61850;
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    warnings.push(a.map(String).join(' '));
  };
  try {
    await demo(async (app) => {
      const ieds = app.sim?.plant().iec61850 as { served: string[]; absent: Array<{ deviceId: string; reason: string }> };
      assert.deepEqual(ieds.served, []);
      assert.equal(ieds.absent[0]?.deviceId, 'esc-ied');
      assert.match(ieds.absent[0]?.reason ?? '', /libiec61850 is not available \(set ESM_LIBIEC61850/);
      assert.ok(warnings.some((w) => /IEC 61850 IED of device "esc-ied" is not served: libiec61850 is not available/.test(w)), warnings.join('\n'));
      assert.equal(app.host.deviceStatuses().find((d) => d.id === 'esc-ied'), undefined, 'not a device of the running site');
      await until('the Modbus devices online', () => (app.host.deviceStatuses().filter((d) => d.protocol === 'modbus-tcp').every((d) => d.state === 'online') ? true : undefined), 30_000);
    });
  } finally {
    console.warn = warn;
    if (saved !== undefined) process.env.ESM_LIBIEC61850 = saved;
  }
});

test('with libiec61850 the demo\'s ES controller IED is served and the app reads the battery through IEC 61850 reports, with the time quality', async (t) => {
  const why = missing();
  if (why) return t.skip(why);
  process.env.ESM_LIBIEC61850 = LIB;
  await demo(async (app) => {
    assert.deepEqual((app.sim?.plant().iec61850 as { served: string[] }).served, ['esc-ied']);
    const st = await until('esc-ied online', () => app.host.deviceStatuses().find((d) => d.id === 'esc-ied' && d.state === 'online'), 20_000);
    assert.equal(st.protocol, 'iec61850');
    const soc = await until('es-controller/Soc good', () => {
      const p = app.host.cvt.get('es-controller/Soc');
      return p?.quality.level === 'good' ? p : undefined;
    });
    const ess = app.host.cvt.get('ess/Soc');
    assert.ok(typeof soc.value === 'number' && typeof ess?.value === 'number' && Math.abs(soc.value - ess.value) < 1, `IED SoC ${soc.value} vs Modbus BMS SoC ${ess?.value}`);
    assert.deepEqual(soc.tq, { leapSecondsKnown: true, clockFailure: false, clockNotSynchronized: true, accuracyBits: 10 }, 'the simulator says its clock is not synchronised');
    const dcv = await until('DcVoltage', () => app.host.cvt.get('es-controller/DcVoltage')?.quality.level === 'good' ? app.host.cvt.get('es-controller/DcVoltage') : undefined);
    assert.ok(typeof dcv.value === 'number' && dcv.value > 500, `DC voltage ${dcv.value} V`);
    assert.equal(app.host.cvt.get('es-controller/DcBreaker')?.value, 2, 'the DC breaker the IED holds: closed');
  });
});
