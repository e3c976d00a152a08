/**
 * The whole application with an IEC 61850 device on a machine without libiec61850 (always
 * runs): the site loads, the simulator's Modbus devices come online and publish, and the
 * IEC 61850 device reports a configuration error that says how to provide the library.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { composeApp, findAppRoot } from '../../../electron/compose';
import { until } from './support';

test('without libiec61850 the IEC 61850 device shows how to provide it and the rest of the app runs', async () => {
  const saved = process.env.ESM_LIBIEC61850;
  delete process.env.ESM_LIBIEC61850;
  const dir = mkdtempSync(join(tmpdir(), 'esm-61850-nolib-'));
  const root = findAppRoot();
  const doc = parseDocument(readFileSync(join(root, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8'));
  const devices = doc.get('devices') as { add(v: unknown): void; items: Array<{ get(k: string): unknown }>; delete(i: number): boolean };
  // the demo's simulated IED (served by the simulator when the library is there) makes way for a real one
  devices.delete(devices.items.findIndex((d) => d.get('id') === 'esc-ied'));
  devices.add(
    doc.createNode({
      id: 'esc61850',
      name: 'ES controller (IEC 61850)',
      protocol: 'iec61850',
      connection: { host: '127.0.0.1', port: 10102, iedName: 'ESC1' },
      profile: 'es-controller-61850',
      asset: 'es-controller',
    }),
  );
  writeFileSync(join(dir, 'site.yaml'), doc.toString());
  const app = await composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), ephemeralSimPorts: true, dataDir: join(dir, 'data') });
  try {
    const st = await until('the 61850 device offline with its reason', () => app.host.deviceStatuses().find((d) => d.id === 'esc61850' && d.state === 'offline' && d.lastError));
    assert.equal(st.protocol, 'iec61850');
    assert.match(st.lastError ?? '', /libiec61850 is not available/);
    assert.match(st.lastError ?? '', /ESM_LIBIEC61850/);
    assert.match(st.lastError ?? '', /docs\/iec61850\.md/);
    await until('the Modbus devices online', () => (app.host.deviceStatuses().filter((d) => d.protocol === 'modbus-tcp').every((d) => d.state === 'online') ? true : undefined), 20_000);
    const soc = await until('the battery SoC good', () => {
      const p = app.host.cvt.get('ess/Soc');
      return p?.quality.level === 'good' ? p : undefined;
    });
    assert.equal(typeof soc.value, 'number');
    const esc = app.host.cvt.get('es-controller/Soc');
    assert.equal(esc?.quality.level, 'bad');
    assert.equal(esc?.quality.reason, 'comm-fail');
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
    if (saved !== undefined) process.env.ESM_LIBIEC61850 = saved;
  }
});
