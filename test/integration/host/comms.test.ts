/**
 * The communications page's API on the running demo application (simulator on ephemeral
 * ports, a copy of the demo site file): raw frames of a Modbus device (technician only,
 * audited, decoded), bulk configuration (polling period, disable/enable with comm-fail
 * marking, audited with the reason), discovery of a Modbus server on loopback accepted into
 * the site file, and CSV export/preview/apply with located errors and nothing partly saved.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceStatus, PointState } from '../../../core/common';
import type { CsvExport, CsvImportPreview, CsvImportResult, DeviceConfigureResult, DeviceFrames, DiscoveryStatus } from '../../../core/common/comms';
import { modbusProfileSchema } from '../../../core/common/site';
import { composeApp, type App } from '../../../electron/compose';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const DEMO = resolve(__dirname, '../../../assets/sites/demo/site.yaml');

describe('communications page API: frames, bulk configuration, discovery, CSV', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-comms-'));
  const sitePath = join(dir, 'site.yaml');
  const extra = new ModbusProfileServer(
    modbusProfileSchema.parse({
      id: 'found',
      vendor: 'test',
      model: 'found',
      protocol: 'modbus',
      registers: [{ channel: 'P', table: 'holding', address: 0, type: 'int16' }],
    }),
    { unitId: 5 },
  );
  let extraPort = 0;
  let app: App;
  let users: Bootstrapped;
  let admin: TestClient;
  let op: TestClient;
  const device = async (id: string): Promise<DeviceStatus> => (await admin.call<DeviceStatus[]>('devices.list')).find((d) => d.id === id)!;
  const point = async (id: string): Promise<PointState> => (await admin.call<PointState[]>('points.read', { ids: [id] }))[0]!;

  before(async () => {
    copyFileSync(DEMO, sitePath);
    extraPort = await extra.start();
    app = await composeApp({ mode: 'browser', sitePath, ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    admin = users.admin;
    op = await signedIn(app.host.url ?? '', users.operator);
    await waitFor('pcs online', async () => ((await device('pcs')).state === 'online' ? true : undefined), 20_000);
  });
  after(async () => {
    await op?.close();
    await admin?.close();
    await app?.stop();
    await extra.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raw frames: off by default, on for a technician (audited), tx and rx decoded and paired, never for an operator', async () => {
    await assert.rejects(op.call('devices.frames', { deviceId: 'pcs' }), /forbidden|permission|not allowed/i);
    await assert.rejects(op.call('devices.frames.capture', { deviceId: 'pcs', on: true }), /forbidden|permission|not allowed/i);
    const off = await admin.call<DeviceFrames>('devices.frames', { deviceId: 'pcs' });
    assert.deepEqual([off.enabled, off.supported, off.frames.length], [false, true, 0]);
    const on = await admin.call<DeviceFrames>('devices.frames.capture', { deviceId: 'pcs', on: true });
    assert.equal(on.enabled, true);
    const READ = /^FC(\d) read (holding|input|coils|discrete inputs) \d+\+\d+, unit 1, transaction (\d+)$/;
    // a poll's read and its answer (the control cycle's writes are frames too)
    const got = await waitFor(
      'a read request and its answer',
      async () => {
        const f = await admin.call<DeviceFrames>('devices.frames', { deviceId: 'pcs' });
        for (const tx of f.frames) {
          const m = tx.dir === 'tx' ? READ.exec(tx.decoded) : null;
          const rx = m && f.frames.find((x) => x.dir === 'rx' && x.seq > tx.seq && x.decoded.includes(`transaction ${m[3]}`));
          if (m && rx) return { frames: f.frames, tx, rx, m };
        }
        return undefined;
      },
      15_000,
    );
    const { tx, rx, m } = got;
    assert.equal(tx.hex.split(' ').length, tx.length);
    assert.equal(rx.hex.split(' ').length, rx.length);
    assert.match(rx.decoded, new RegExp(`^FC${m[1]} answer: \\d+ data octets`));
    // newer than a sequence number
    const last = got.frames.at(-1)!.seq;
    assert.ok((await admin.call<DeviceFrames>('devices.frames', { deviceId: 'pcs', afterSeq: last })).frames.every((f) => f.seq > last));
    const audit = await admin.call<Array<{ type: string; target?: string }>>('audit.query', { type: 'device.frames.capture' });
    assert.ok(audit.some((e) => e.target === 'pcs'), JSON.stringify(audit.slice(0, 2)));
    const stopped = await admin.call<DeviceFrames>('devices.frames.capture', { deviceId: 'pcs', on: false });
    assert.deepEqual([stopped.enabled, stopped.frames.length], [false, 0]);
    // the OPC UA device records no frames (yet): said, not faked
    const ua = await admin.call<DeviceFrames>('devices.frames', { deviceId: 'bms-opcua' });
    assert.equal(ua.supported, false);
  });

  it('bulk configuration: a polling period for a selection, disable (points comm-fail) and enable, audited with the reason', async () => {
    await assert.rejects(op.call('devices.configure', { deviceIds: ['load-meter'], pollMs: 500, reason: 'faster' }), /forbidden|permission|not allowed/i);
    await assert.rejects(admin.call('devices.configure', { deviceIds: ['load-meter', 'nope'], pollMs: 500, reason: 'faster' }), /unknown device: nope \(nothing was changed\)/);
    assert.equal((await device('load-meter')).pollMs, 1000);
    await assert.rejects(admin.call('devices.configure', { deviceIds: ['load-meter'], pollMs: 20, reason: 'faster' }), /at least 100 ms/);
    const r = await admin.call<DeviceConfigureResult>('devices.configure', { deviceIds: ['load-meter', 'pv-inverter'], pollMs: 500, reason: 'commissioning' });
    assert.deepEqual(r.results.map((x) => [x.deviceId, x.ok, x.message]), [
      ['load-meter', true, 'polls every 500 ms (was 1000 ms)'],
      ['pv-inverter', true, 'polls every 500 ms (was 1000 ms)'],
    ]);
    assert.equal((await device('pv-inverter')).pollMs, 500);
    const polls = (await device('pv-inverter')).polls;
    await waitFor('pv-inverter keeps polling', async () => ((await device('pv-inverter')).polls > polls + 2 ? true : undefined), 15_000);

    const d = await admin.call<DeviceConfigureResult>('devices.configure', { deviceIds: ['load-meter'], enabled: false, reason: 'meter replaced' });
    assert.match(d.results[0]!.message, /^disabled: its points are bad \(comm-fail\)/);
    assert.equal((await device('load-meter')).state, 'disabled');
    await waitFor('building load comm-fail', async () => {
      const q = (await point('building/ActivePower')).quality;
      return q.level === 'bad' && q.reason === 'comm-fail' ? true : undefined;
    }, 10_000);
    const e = await admin.call<DeviceConfigureResult>('devices.configure', { deviceIds: ['load-meter'], enabled: true, reason: 'meter back' });
    assert.match(e.results[0]!.message, /^enabled/);
    await waitFor('building load good again', async () => ((await point('building/ActivePower')).quality.level === 'good' ? true : undefined), 15_000);
    const audit = await admin.call<Array<{ type: string; reason?: string; outcome: string }>>('audit.query', { type: 'device.configure' });
    assert.deepEqual(audit.map((a) => a.reason).sort(), ['commissioning', 'meter back', 'meter replaced']);
  });

  it('discovery: scans loopback, marks the site’s own devices, and an accepted proposal joins the site file', async () => {
    const pcs = await device('pcs');
    const pcsPort = Number(/:(\d+) unit/.exec(pcs.address)![1]);
    await assert.rejects(op.call('discovery.start', { fromHost: '127.0.0.1', toHost: '127.0.0.1' }), /forbidden|permission|not allowed/i);
    const s = await admin.call<DiscoveryStatus>('discovery.start', { fromHost: '127.0.0.1', toHost: '127.0.0.1', ports: [pcsPort, extraPort], unitIds: [1, 5], timeoutMs: 300, sunspec: false });
    const done = await waitFor('scan done', async () => {
      const st = await admin.call<DiscoveryStatus>('discovery.status', { id: s.id });
      return st.state !== 'running' ? st : undefined;
    }, 20_000);
    assert.equal(done.state, 'done', done.message);
    const keys = done.proposals.map((p) => p.key);
    assert.ok(keys.includes(`127.0.0.1:${pcsPort}/1`) && keys.includes(`127.0.0.1:${extraPort}/5`) && !keys.includes(`127.0.0.1:${extraPort}/1`), keys.join(' '));
    assert.equal(done.proposals.find((p) => p.port === pcsPort && p.unitId === 1)?.knownDevice, 'pcs');
    const before = readFileSync(sitePath, 'utf8');
    const bad = await admin.call<CsvImportResult>('discovery.accept', { scanId: s.id, items: [{ key: `127.0.0.1:${extraPort}/5`, deviceId: 'found-meter', name: 'Found meter', assetId: 'res-controller', profileId: 'no-such' }] });
    assert.ok(!bad.ok);
    assert.match(bad.issues[0]!.message, /unknown profile "no-such"/);
    assert.equal(readFileSync(sitePath, 'utf8'), before);
    const ok = await admin.call<CsvImportResult>('discovery.accept', { scanId: s.id, items: [{ key: `127.0.0.1:${extraPort}/5`, deviceId: 'found-meter', name: 'Found meter', assetId: 'res-controller', profileId: 'em24-load-meter' }] });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.match(readFileSync(sitePath, 'utf8'), new RegExp(`id: found-meter[\\s\\S]*port: ${extraPort}[\\s\\S]*unitId: 5`));
  });

  it('CSV: export, a bad file located and nothing saved, a good file saved with its profile', async () => {
    const e = await admin.call<CsvExport>('devices.csv.export', {});
    assert.match(e.devices.text, /^id,name,asset,protocol,profile,/);
    assert.match(e.devices.text, /\r\nfound-meter,Found meter,res-controller,modbus-tcp,em24-load-meter,/);
    const before = readFileSync(sitePath, 'utf8');
    const devices = 'id,name,asset,protocol,profile,host,port,unitId\nm2,Meter 2,res-controller,modbus-tcp,csv-meter,10.1.1.2,502,1\nm3,Meter 3,ev-manager,modbus-tcp,csv-meter,10.1.1.3,5o2,1\n';
    const points = 'profile,vendor,model,channel,table,address,type,unit\ncsv-meter,ACME,M1,MeterEnergy,input,0,uint32,kWh\n';
    const bad = await admin.call<CsvImportPreview>('devices.csv.preview', { devices: { fileName: 'd.csv', text: devices }, points: { fileName: 'p.csv', text: points } });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`), ['d.csv:3:53 port: the port "5o2" is not a number']);
    const refused = await admin.call<CsvImportResult>('devices.csv.apply', { devices: { fileName: 'd.csv', text: devices }, points: { fileName: 'p.csv', text: points } });
    assert.ok(!refused.ok);
    assert.equal(readFileSync(sitePath, 'utf8'), before);
    assert.ok(!existsSync(join(dir, 'profiles', 'csv-meter.yaml')));
    const good = await admin.call<CsvImportResult>('devices.csv.apply', { devices: { fileName: 'd.csv', text: devices.replace('5o2', '502') }, points: { fileName: 'p.csv', text: points } });
    assert.ok(good.ok, JSON.stringify(good));
    assert.ok(existsSync(join(dir, 'profiles', 'csv-meter.yaml')));
    assert.match(readFileSync(sitePath, 'utf8'), /id: m3/);
    const audit = await admin.call<Array<{ type: string; outcome: string }>>('audit.query', { type: 'config.device.csv' });
    assert.deepEqual(audit.map((a) => a.outcome).sort(), ['ok', 'refused']);
  });
});
