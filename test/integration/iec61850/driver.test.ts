/**
 * The IEC 61850 driver on the protocol-neutral seam against libiec61850's example servers:
 * report-driven points (buffered and unbuffered RCBs found automatically, GI, quality and
 * source time), polling when reports are off, comm-fail and reconnection, and commands with
 * every stage visible (direct, SBO with enhanced security). Skipped with the reason without
 * ESM_LIBIEC61850 / ESM_LIBIEC61850_EXAMPLES.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Bridge, BridgeFactory, PointSample } from '../../../core/common/bridge';
import { ProtocolRegistry } from '../../../core/common/profile';
import { createIec61850Factory } from '../../../drivers/iec61850/bridge';
import { iec61850ConnectionSchema, iec61850Protocol } from '../../../drivers/iec61850/profile';
import { LIB, missing, startExample, until, type ExampleServer } from './support';

const registry = new ProtocolRegistry([iec61850Protocol as never]);

function profile(extra: Record<string, unknown>, channels: unknown[]) {
  const r = registry.parseProfile({ id: 'example', vendor: 'MZ Automation', model: 'example server', protocol: 'iec61850', ...extra, channels });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  return r.profile;
}

const IO_CHANNELS = [
  { channel: 'An1', ref: 'GenericIO/GGIO1.AnIn1.mag.f', unit: 'V', scale: 100 },
  { channel: 'An2', ref: 'GenericIO/GGIO1.AnIn2', fc: 'MX', unit: 'V' },
  { channel: 'Out1', ref: 'GenericIO/GGIO1.SPCSO1.stVal', type: 'boolean', access: 'rw', control: { object: 'GenericIO/GGIO1.SPCSO1' } },
  { channel: 'Out1Stage', type: 'string', commandStageOf: 'Out1' },
];

class Sink {
  samples: PointSample[] = [];
  publish(s: readonly PointSample[]): void {
    this.samples.push(...s);
  }
  last(id: string): PointSample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]?.id === id) return this.samples[i];
    return undefined;
  }
  all(id: string): PointSample[] {
    return this.samples.filter((s) => s.id === id);
  }
}

async function startBridge(factory: BridgeFactory, port: number, prof: ReturnType<typeof profile>, sink: Sink, pollMs = 200): Promise<Bridge> {
  const device = { id: 'ied1', name: 'Example IED', protocol: 'iec61850', profile: prof.id, asset: 'ied', pollMs, timeoutMs: 1000, connection: iec61850ConnectionSchema.parse({ host: '127.0.0.1', port, iedName: 'simpleIO' }) };
  await factory.start?.({ siteId: 'test', dataDir: '/tmp', secrets: { get: async () => undefined }, devices: [device], now: Date.now });
  const b = factory.create({ device, profile: prof, sink });
  await b.start();
  return b;
}

describe('IEC 61850 driver: basic I/O example server', () => {
  const why = missing('server_example_basic_io');
  let srv: ExampleServer | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    await srv?.stop();
  });

  test('report-driven: RCBs found automatically, GI then integrity reports; quality and source time kept; a command shows its stages', async (t) => {
    if (why) return t.skip(why);
    process.env.ESM_LIBIEC61850 = LIB;
    srv = await startExample('server_example_basic_io');
    const factory = createIec61850Factory();
    const sink = new Sink();
    const bridge = await startBridge(factory, srv.port, profile({ integrityMs: 300 }, IO_CHANNELS), sink, 60_000);
    cleanup.push(async () => {
      await bridge.stop();
      await factory.stop?.();
    });
    await until('online', () => (bridge.status().state === 'online' ? true : undefined));
    // poll period is a minute: values that keep arriving come from reports
    const an1 = await until('three different An1 values', () => (new Set(sink.all('ied/An1').map((s) => s.value)).size >= 3 ? sink.all('ied/An1') : undefined));
    for (const s of an1) {
      assert.equal(s.quality.level, 'good');
      assert.ok(typeof s.value === 'number' && Math.abs(s.value) <= 100, `sin() x 100, got ${s.value}`);
    }
    const an2 = await until('An2', () => sink.last('ied/An2'));
    assert.equal(typeof an2.value, 'number');
    assert.equal(bridge.status().polls, 1, 'one initial poll only');

    const out1 = await until('Out1', () => sink.last('ied/Out1'));
    const target = !out1.value;
    await bridge.write('Out1', target);
    assert.equal(sink.last('ied/Out1Stage')?.value, 'operated', 'direct control: operated');
    const after1 = await until('Out1 reported', () => (sink.last('ied/Out1')?.value === target ? sink.last('ied/Out1') : undefined));
    assert.ok(Math.abs(after1.ts - Date.now()) < 60_000, 'source time from the device');
    assert.equal(await bridge.read?.('Out1'), target, 'readback');
    await assert.rejects(bridge.write('An1', 1), /read-only/);
  });

  test('the link lost marks every point comm-fail once; the driver reconnects and values are good again', async (t) => {
    if (why) return t.skip(why);
    assert.ok(srv);
    const factory = createIec61850Factory();
    const sink = new Sink();
    const port = srv.port;
    const bridge = await startBridge(factory, port, profile({ reports: 'off' }, IO_CHANNELS), sink, 100);
    cleanup.push(async () => {
      await bridge.stop();
      await factory.stop?.();
    });
    await until('polled values', () => (sink.all('ied/An1').length >= 3 ? true : undefined));
    assert.ok(bridge.status().polls >= 3, 'polling when reports are off');
    await srv.stop();
    await until('comm-fail', () => (sink.last('ied/An1')?.quality.reason === 'comm-fail' ? true : undefined));
    assert.equal(bridge.status().state, 'offline');
    assert.match(bridge.status().lastError ?? '', /connection .*(closed|lost)|did not answer|not connected/);
    // the same port again (the example server takes it as an argument)
    const { spawn } = await import('node:child_process');
    const proc = spawn(`${process.env.ESM_LIBIEC61850_EXAMPLES}/server_example_basic_io`, [String(port)], { stdio: 'ignore' });
    cleanup.push(async () => {
      proc.kill('SIGKILL');
    });
    await until('online again', () => (bridge.status().state === 'online' ? true : undefined), 20_000);
    await until('good again', () => (sink.last('ied/An1')?.quality.level === 'good' ? true : undefined));
    assert.ok(bridge.status().failures >= 1);
  });
});

describe('IEC 61850 driver: link loss with report-driven points', () => {
  const why = missing('server_example_basic_io');
  test('a lost link marks report-driven points comm-fail with their latest reported value, not the first poll', async (t) => {
    if (why) return t.skip(why);
    process.env.ESM_LIBIEC61850 = LIB;
    const srv = await startExample('server_example_basic_io');
    const factory = createIec61850Factory();
    const sink = new Sink();
    const bridge = await startBridge(factory, srv.port, profile({ integrityMs: 300 }, IO_CHANNELS), sink, 60_000);
    try {
      await until('three different reported An1 values', () => (new Set(sink.all('ied/An1').map((s) => s.value)).size >= 3 ? true : undefined));
      assert.equal(bridge.status().polls, 1, 'one initial poll, the rest from reports');
      const first = sink.all('ied/An1')[0]?.value;
      await srv.stop();
      const fail = await until('comm-fail', () => sink.all('ied/An1').find((s) => s.quality.reason === 'comm-fail'));
      const good = sink.all('ied/An1').filter((s) => s.quality.level === 'good');
      const latest = good[good.length - 1]?.value;
      assert.notEqual(latest, first, 'the reports moved An1 after the first poll');
      assert.equal(fail.value, latest, 'comm-fail carries the latest reported value');
      assert.equal(fail.quality.level, 'bad');
    } finally {
      await bridge.stop();
      await factory.stop?.();
      await srv.stop();
    }
  });
});

describe('IEC 61850 driver: ResvTms of buffered reports', () => {
  const why = missing('server_example_basic_io');
  test('the buffered RCB the driver enables is reserved for it with the profile\'s ResvTms (seconds)', async (t) => {
    if (why) return t.skip(why);
    process.env.ESM_LIBIEC61850 = LIB;
    const srv = await startExample('server_example_basic_io');
    const factory = createIec61850Factory();
    const sink = new Sink();
    const bridge = await startBridge(factory, srv.port, profile({ reserveS: 45 }, IO_CHANNELS), sink, 60_000);
    const lib = factory.library();
    assert.ok(lib);
    const other = await lib.client({ host: '127.0.0.1', port: srv.port });
    try {
      await until('online', () => (bridge.status().state === 'online' ? true : undefined));
      await other.connect();
      const buffered = (await other.findRcbs()).filter((r) => r.buffered);
      assert.ok(buffered.length > 0, 'the example server has buffered RCBs');
      const values = await Promise.all(buffered.map((r) => other.rcb(r.ref)));
      const enabled = values.filter((v) => v.rptEna);
      assert.ok(enabled.length >= 1, 'the driver enabled buffered RCBs');
      for (const v of enabled) assert.equal(v.resvTms, 45, `${v.ref}: ResvTms written with RptEna`);
      assert.ok(values.some((v) => !v.rptEna && v.resvTms === 0), 'the others stay free');
    } finally {
      await other.destroy();
      await bridge.stop();
      await factory.stop?.();
      await srv.stop();
    }
  });
});

describe('IEC 61850 driver: control example server', () => {
  const why = missing('server_example_control');
  let srv: ExampleServer | undefined;
  after(async () => srv?.stop());

  test('SBO with enhanced security through write(): selected, operated, terminated; refusals name the stage', async (t) => {
    if (why) return t.skip(why);
    process.env.ESM_LIBIEC61850 = LIB;
    srv = await startExample('server_example_control');
    const factory = createIec61850Factory();
    const sink = new Sink();
    const stages: string[] = [];
    const prof = profile({}, [
      { channel: 'Sw4', ref: 'GenericIO/GGIO1.SPCSO4.stVal', type: 'boolean', access: 'rw', control: { object: 'GenericIO/GGIO1.SPCSO4' } },
      { channel: 'Sw4Stage', type: 'string', commandStageOf: 'Sw4' },
      { channel: 'Sw2', ref: 'GenericIO/GGIO1.SPCSO2.stVal', type: 'boolean', access: 'rw', control: { object: 'GenericIO/GGIO1.SPCSO2' } },
    ]);
    const bridge = await startBridge(factory, srv.port, prof, { publish: (s) => { sink.publish(s); for (const x of s) if (x.id === 'ied/Sw4Stage') stages.push(String(x.value)); } } as Sink, 200);
    try {
      await until('online', () => (bridge.status().state === 'online' ? true : undefined));
      const before = await until('Sw4', () => sink.last('ied/Sw4'));
      await bridge.write('Sw4', !before.value);
      assert.deepEqual(stages, ['selected', 'operated', 'terminated']);
      await until('Sw4 follows', () => (sink.last('ied/Sw4')?.value === !before.value ? true : undefined));
      // SBO normal security and a bad value for a boolean control
      await bridge.write('Sw2', true);
      assert.equal(await bridge.read?.('Sw2'), true);
      await assert.rejects(bridge.write('Sw2', 7), /takes on \(1\) or off \(0\), not 7/);
    } finally {
      await bridge.stop();
      await factory.stop?.();
    }
  });
});
