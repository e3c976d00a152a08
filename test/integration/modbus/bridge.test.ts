/**
 * ModbusBridge against ModbusProfileServer over real TCP on 127.0.0.1 (ephemeral ports).
 * Run: node --import tsx --test test/integration/modbus/bridge.test.ts
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusBridge, BACKOFF_MIN_MS } from '../../../drivers/modbus/bridge';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { CollectingSink, sleep, tcpDevice, testProfile, waitFor } from './helpers';

const profile = testProfile();
const ids = profile.registers.map((r) => `ess1/${r.channel}`);

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(opts: { pollMs?: number; timeoutMs?: number; bridgeProfile?: typeof profile } = {}) {
  const server = new ModbusProfileServer(profile, {});
  const port = await server.start();
  const sink = new CollectingSink();
  const bridge = new ModbusBridge({ device: tcpDevice(port, opts), profile: opts.bridgeProfile ?? profile, sink });
  cleanups.push(async () => {
    await bridge.stop();
    await server.stop();
  });
  return { server, port, sink, bridge };
}

function seed(server: ModbusProfileServer): void {
  server.set('ActivePower', -12.3);
  server.set('ReactivePower', 4.5);
  server.set('Energy', 123456.7);
  server.set('Frequency', 49.98);
  server.set('Setpoint32', -100000);
  server.set('Limit', 87.25);
  server.set('Soc', 55.5);
  server.set('Temp', -5.5);
  server.set('Run', true);
  server.set('Alarm', false);
}

test('values of every table and type decode; one batch per poll with response timestamps', async () => {
  const { server, sink, bridge } = await setup({ pollMs: 100 });
  seed(server);
  const t0 = Date.now();
  await bridge.start();
  assert.equal(bridge.status().state, 'online');
  assert.ok(sink.all(ids, 'good'), 'all good after the first poll');
  const first = sink.batches[0];
  assert.ok(first, 'a batch was published');
  assert.equal(first.samples.length, ids.length, 'the first poll publishes every point in one batch');
  for (const s of first.samples) assert.ok(s.ts >= t0 && s.ts <= first.at, `ts of ${s.id} is the response time`);
  assert.deepEqual(Object.fromEntries([...sink.latest].map(([k, s]) => [k, s.value])), {
    'ess1/ActivePower': -12.3,
    'ess1/ReactivePower': 4.5,
    'ess1/Energy': 123456.7,
    'ess1/Frequency': 49.98,
    'ess1/Setpoint32': -100000,
    'ess1/Limit': 87.25,
    'ess1/Soc': 55.5,
    'ess1/Temp': -5.5,
    'ess1/Run': true,
    'ess1/Alarm': false,
  });
  // the raw image really is what the profile says (LE word order for Frequency)
  const f = Buffer.alloc(4);
  f.writeFloatBE(49.98);
  assert.deepEqual(server.getRaw('holding', 4, 2), [f.readUInt16BE(2), f.readUInt16BE(0)]);
  assert.deepEqual(server.getRaw('input', 1, 1), [345]); // (-5.5 + 40) / 0.1

  server.set('Soc', 60);
  server.set('Alarm', true);
  await waitFor(() => sink.value('ess1/Soc') === 60 && sink.value('ess1/Alarm') === true, 1000, 'the changed values');
  const n = sink.batches.length;
  await sleep(550);
  const polls = sink.batches.length - n;
  assert.ok(polls >= 4 && polls <= 7, `about one batch per 100 ms poll, got ${polls} in 550 ms`);
  for (const b of sink.batches) assert.equal(b.samples.length, ids.length, 'every batch carries the whole device');
  const st = bridge.status();
  assert.equal(st.failures, 0);
  assert.ok(st.polls >= 5 && typeof st.lastOk === 'number' && typeof st.lastPollMs === 'number');
  assert.equal(st.address, `127.0.0.1:${st.address.split(':')[1]?.split(' ')[0]} unit 1`);
});

test('writes reach the device (FC6, FC16, FC5) and onWrite gets the decoded channel value', async () => {
  const { server, bridge } = await setup({ pollMs: 100 });
  const writes: Array<[string, number | boolean]> = [];
  const off = server.onWrite((c, v) => writes.push([c, v]));
  await bridge.start();
  await bridge.write('ActivePower', -33.3);
  await bridge.write('Setpoint32', -2_000_000);
  await bridge.write('Limit', 1.5);
  await bridge.write('Run', false);
  await bridge.write('Run', true);
  assert.deepEqual(writes, [
    ['ActivePower', -33.3],
    ['Setpoint32', -2_000_000],
    ['Limit', 1.5],
    ['Run', false],
    ['Run', true],
  ]);
  assert.equal(server.get('ActivePower'), -33.3);
  assert.equal(await bridge.read('Setpoint32'), -2_000_000);
  assert.equal(await bridge.read('ActivePower'), -33.3);
  assert.equal(await bridge.read('Run'), true);
  assert.equal(await bridge.read('Temp'), 0); // the server starts every channel at engineering 0
  assert.deepEqual(server.getRaw('input', 1, 1), [400]);
  off();
  await bridge.write('ActivePower', 1);
  assert.equal(writes.length, 5, 'unsubscribed listener is not called');

  await assert.rejects(bridge.write('ActivePower', 40000), {
    message: 'channel ActivePower: 40000 kW is outside int16 range after scale 0.1',
  });
  await assert.rejects(bridge.write('ReactivePower', 1), /channel ReactivePower: not writable/);
  await assert.rejects(bridge.write('Soc', 1), /channel Soc: not writable/);
  await assert.rejects(bridge.write('Nope', 1), /channel Nope: not in profile test-profile of device dev1/);
  await assert.rejects(bridge.read('Nope'), /channel Nope/);
  assert.equal(server.get('ActivePower'), 1, 'refused writes did not reach the device');
});

test('writes and reads issued concurrently with polling are serialised (one request in flight)', async () => {
  const { server, bridge, sink } = await setup({ pollMs: 50 });
  seed(server);
  await bridge.start();
  const ops: Array<Promise<unknown>> = [];
  for (let i = 0; i < 40; i++) {
    ops.push(bridge.write('Setpoint32', i * 1000 - 20000));
    ops.push(bridge.read('Energy'));
    ops.push(bridge.write('Run', i % 2 === 0));
  }
  const results = await Promise.all(ops);
  assert.equal(results[1], 123456.7);
  assert.equal(server.get('Setpoint32'), 39 * 1000 - 20000, 'the last write wins: order kept');
  assert.equal(server.get('Run'), false);
  await sleep(120);
  assert.equal(bridge.status().failures, 0, 'no transaction mix-ups or timeouts');
  assert.ok(sink.all(ids, 'good'));
});

test('a Modbus exception for one block marks only its points bad/device and keeps the link', async () => {
  // the bridge's profile maps two more registers (one block) the device does not have
  const withGhost = testProfile([
    { channel: 'Ghost', table: 'holding', address: 200, type: 'uint16' },
    { channel: 'Ghost2', table: 'holding', address: 201, type: 'int16' },
  ]);
  const { server, bridge, sink } = await setup({ pollMs: 80, bridgeProfile: withGhost });
  seed(server);
  await bridge.start();
  await sleep(400);
  for (const g of ['ess1/Ghost', 'ess1/Ghost2']) {
    assert.deepEqual(sink.latest.get(g)?.quality, { level: 'bad', reason: 'device' });
    assert.equal(sink.history(g).length, 1, `${g}: bad/device published once, not every poll`);
  }
  assert.ok(sink.all(ids, 'good'), 'the other blocks stay good');
  assert.equal(sink.value('ess1/Soc'), 55.5);
  const st = bridge.status();
  assert.equal(st.state, 'online');
  assert.equal(st.failures, 0, 'an exception is not a link failure');
  assert.match(st.lastError ?? '', /holding 200\+2: Modbus exception 2/);
  assert.equal(server.connections, 1, 'the link was kept');
  assert.ok(st.polls >= 4);
});

test('comm loss: every point goes bad/comm-fail within two poll periods, once; recovery on the same port', async () => {
  const pollMs = 200;
  const { server, port, bridge, sink } = await setup({ pollMs, timeoutMs: 300 });
  seed(server);
  const states: string[] = [];
  bridge.onStatus((s) => states.push(s.state));
  await bridge.start();
  assert.ok(sink.all(ids, 'good'));

  const lost = Date.now();
  await server.stop();
  await waitFor(() => sink.all(ids, 'bad', 'comm-fail'), 2 * pollMs, 'every point bad/comm-fail');
  const detectedMs = Date.now() - lost;
  assert.ok(detectedMs <= 2 * pollMs, `detected after ${detectedMs} ms`);
  assert.equal(sink.value('ess1/Soc'), 55.5, 'bad with the last known value');
  assert.equal(bridge.status().state, 'offline');

  // backoff: 250, 500, 1000 ms... -> only a few attempts while the device is away
  await sleep(2000);
  const failures = bridge.status().failures;
  assert.ok(failures >= 3 && failures <= 6, `reconnect attempts back off (${failures} failures in ~2 s)`);
  for (const id of ids)
    assert.equal(sink.history(id).filter((s) => s.quality.reason === 'comm-fail').length, 1, `${id}: comm-fail published once`);
  assert.match(bridge.status().lastError ?? '', /ECONNREFUSED/);

  server.set('Soc', 77.7);
  const back = Date.now();
  assert.equal(await server.start(), port, 'restarted on the same port');
  await waitFor(() => sink.all(ids, 'good') && bridge.status().state === 'online', 4000, 'good values again');
  assert.equal(sink.value('ess1/Soc'), 77.7);
  assert.ok(Date.now() - back <= 2100, `recovered within the backoff (${Date.now() - back} ms)`);
  assert.deepEqual(states.slice(0, 3), ['connecting', 'online', 'offline']);
  assert.equal(states[states.length - 1], 'online');

  // the backoff was reset by the success: the next loss reconnects after ~250 ms again
  await server.stop();
  await waitFor(() => sink.all(ids, 'bad', 'comm-fail'), 2 * pollMs, 'bad again');
  await server.start();
  await waitFor(() => sink.all(ids, 'good'), BACKOFF_MIN_MS + pollMs + 400, 'quick recovery after a reset backoff');
});

test('a silent device (no answers) times out into comm-fail and recovers when it answers again', async () => {
  const { server, bridge, sink } = await setup({ pollMs: 100, timeoutMs: 200 });
  seed(server);
  await bridge.start();
  server.pause();
  const t = Date.now();
  await waitFor(() => sink.all(ids, 'bad', 'comm-fail'), 1000, 'comm-fail on timeout');
  assert.ok(Date.now() - t >= 150, 'not before the timeout');
  assert.match(bridge.status().lastError ?? '', /Timed out/i);
  server.resume();
  await waitFor(() => sink.all(ids, 'good') && bridge.status().state === 'online', 3000, 'recovery');
});

test('a slow device: polls are skipped, never queued or overlapped', async () => {
  const { server, bridge } = await setup({ pollMs: 50, timeoutMs: 1000 });
  seed(server);
  await bridge.start();
  server.setLatency(60); // 4 blocks x 60 ms = 240 ms a poll, against a 50 ms period
  const p0 = bridge.status().polls;
  await sleep(1000);
  const polls = bridge.status().polls - p0;
  assert.ok(polls >= 2 && polls <= 6, `${polls} polls in 1 s at ~240 ms each`);
  assert.ok(bridge.skippedPolls >= 8, `ticks were skipped (${bridge.skippedPolls})`);
  assert.equal(bridge.status().failures, 0);
  server.setLatency(0);
  // a write waits at most for the block read in flight, not for queued polls
  const t = Date.now();
  await bridge.write('ActivePower', 2);
  assert.ok(Date.now() - t < 300, `write latency ${Date.now() - t} ms`);
});

test('unit id: a server answering another unit id looks like a dead device', async () => {
  const server = new ModbusProfileServer(profile, { unitId: 7 });
  const port = await server.start();
  const sink = new CollectingSink();
  const wrong = new ModbusBridge({ device: tcpDevice(port, { unitId: 1, timeoutMs: 150 }), profile, sink });
  const right = new ModbusBridge({ device: tcpDevice(port, { unitId: 7, asset: 'ess2' }), profile, sink });
  cleanups.push(async () => {
    await wrong.stop();
    await right.stop();
    await server.stop();
  });
  await Promise.all([wrong.start(), right.start()]);
  assert.equal(right.status().state, 'online');
  assert.notEqual(wrong.status().state, 'online');
  assert.ok(sink.all(ids, 'bad', 'comm-fail'));
  assert.ok(sink.all(ids.map((i) => i.replace('ess1/', 'ess2/')), 'good'));
});

test('stop() closes the socket and timers: nothing is left to keep the process alive', async () => {
  const { server, bridge } = await setup({ pollMs: 50 });
  await bridge.start();
  assert.equal(server.connections, 1);
  await bridge.stop();
  await bridge.stop(); // idempotent
  assert.equal(bridge.status().state, 'disabled');
  await waitFor(() => server.connections === 0, 1000, 'the server to see the close');
  await server.stop();
  await assert.rejects(bridge.write('ActivePower', 1), /not connected/);
});
