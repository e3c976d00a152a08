/**
 * Interoperability with a third party's 104 stack: lib60870-C's example controlled station
 * (`cs104_server`: port 2404, common address 1; a periodic M_ME_NB_1 on IOA 110 every 2 s; on
 * general interrogation ActCon, M_ME_NB_1 IOA 100-102 = -1/23/2300, M_SP_NA_1 IOA 104/105 =
 * 1/0, M_SP_NA_1 IOA 300-307 in sequence, M_BO_NA_1 IOA 500 = 0xAAAA, ActTerm; clock sync and
 * C_SC_NA_1 on IOA 5000 confirmed; C_SC_NA_1 elsewhere answered with cause 47).
 *
 * The library is not part of this repository: build it outside (see docs/iec104.md) and give
 * the folder of its built examples in ESM_LIB60870_EXAMPLES (e.g.
 * /work/ext/lib60870-build/examples); without it the test is skipped with that reason.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PointSample } from '../../../core/common/bridge';
import { ProtocolRegistry, type DeviceConfig } from '../../../core/common/profile';
import { iec104ConnectionSchema, iec104Protocol, type Iec104Profile } from '../../../core/common/profiles/iec104';
import { Iec104Bridge } from '../../../drivers/iec104/bridge';
import { Iec104Client, Iec104Refusal } from '../../../drivers/iec104/client';
import { TYPE_ID, type Asdu } from '../../../drivers/iec104/codec';
import { Iec104Link } from '../../../drivers/iec104/link';

const dir = process.env.ESM_LIB60870_EXAMPLES;
const binary = dir ? [join(dir, 'cs104_server', 'cs104_server'), join(dir, 'cs104_server')].find((p) => existsSync(p) && !p.endsWith('/')) : undefined;
const skip = !dir
  ? 'ESM_LIB60870_EXAMPLES is not set: build lib60870-C outside the repository (docs/iec104.md) and give the folder of its examples'
  : !binary
    ? `ESM_LIB60870_EXAMPLES=${dir} holds no cs104_server (looked for cs104_server/cs104_server and cs104_server)`
    : false;
if (skip) console.log(`# lib60870 interoperability skipped: ${skip}`);

const PORT = 2404;

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function listening(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`lib60870's cs104_server does not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("interoperability with lib60870-C's cs104_server", { skip }, () => {
  let server: ChildProcess | undefined;
  let out = '';
  before(async () => {
    // line-buffered, so that its log reaches us as it happens (C stdio buffers a pipe)
    server = spawn('stdbuf', ['-oL', binary as string], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await listening(PORT);
    // the probe connection above is a client too: let the server forget it
    await new Promise((r) => setTimeout(r, 200));
  });
  after(() => {
    server?.kill('SIGINT');
  });

  test('our link and client: STARTDT, interrogation, periodic data, clock sync, commands and a refusal', async () => {
    const link = await Iec104Link.connect('127.0.0.1', PORT).ready;
    await link.startDt();
    const client = new Iec104Client(link, { ca: 1, timeoutMs: 5000 });
    const periodic: Asdu[] = [];
    client.onData((a) => {
      if (a.cot === 1) periodic.push(a);
    });
    try {
      const gi = await client.interrogate();
      const values = new Map(gi.flatMap((a) => a.objects.map((o) => [o.ioa, { type: a.type, value: o.value }] as const)));
      assert.deepEqual(values.get(100), { type: TYPE_ID.M_ME_NB_1, value: -1 });
      assert.deepEqual(values.get(101), { type: TYPE_ID.M_ME_NB_1, value: 23 });
      assert.deepEqual(values.get(102), { type: TYPE_ID.M_ME_NB_1, value: 2300 });
      assert.deepEqual([values.get(104)?.value, values.get(105)?.value], [true, false]);
      assert.deepEqual([300, 301, 302, 303, 304, 305, 306, 307].map((i) => values.has(i)), Array(8).fill(true), 'the sequence 300-307');
      assert.deepEqual(values.get(500), { type: TYPE_ID.M_BO_NA_1, value: 0xaaaa });

      await client.clockSync(Date.now());
      const steps = await client.command({ kind: 'single', ioa: 5000, value: true });
      assert.ok(steps.executed > 0);
      await assert.rejects(client.command({ kind: 'single', ioa: 5001, value: true }), (e: Error) => e instanceof Iec104Refusal && /does not know the information object address of the command of C_SC_NA_1 on IOA 5001 \(cause 47/.test(e.message));

      await until(() => periodic.length >= 2, 'two periodic values of IOA 110', 10_000);
      const v = periodic.map((a) => a.objects[0]!.value as number);
      assert.ok(periodic.every((a) => a.objects[0]!.ioa === 110 && a.type === TYPE_ID.M_ME_NB_1));
      assert.ok(v[v.length - 1]! > v[0]!, `the periodic value counts up: ${v.join(', ')}`);
      assert.equal(link.closed, undefined, 'the link is healthy');
      assert.ok(link.stats.sOut + link.stats.iOut > 0, 'we acknowledged what the server sent');
      await until(() => /IOA: 5000 switch to 1/.test(out), "the command in the server's own log");
      await link.stopDt();
    } finally {
      link.close();
    }
  });

  test('the bridge reads its values and commands through it', async () => {
    const registry = new ProtocolRegistry([iec104Protocol as never]);
    const r = registry.parseProfile({
      id: 'lib60870-simple-server',
      vendor: 'MZ Automation',
      model: 'lib60870-C example cs104_server',
      protocol: 'iec104',
      channels: [
        { channel: 'Scaled100', ioa: 100, kind: 'scaled', unit: '' },
        { channel: 'Scaled102', ioa: 102, kind: 'scaled', scale: 0.1, unit: 'kW' },
        { channel: 'Single104', ioa: 104, kind: 'single', type: 'boolean' },
        { channel: 'Counter110', ioa: 110, kind: 'scaled' },
        { channel: 'Bits500', ioa: 500, kind: 'bitstring' },
        { channel: 'Switch', access: 'rw', type: 'boolean', command: { ioa: 5000, kind: 'single' } },
      ],
    });
    assert.ok(r.ok, JSON.stringify(r));
    const profile = r.profile as Iec104Profile;
    const device: DeviceConfig = { id: 'lib', name: 'lib60870', protocol: 'iec104', profile: profile.id, asset: 'x', pollMs: 500, timeoutMs: 5000, connection: iec104ConnectionSchema.parse({ host: '127.0.0.1', port: PORT, commonAddress: 1 }) };
    const got: PointSample[] = [];
    const bridge = new Iec104Bridge({ device, profile, sink: { publish: (s) => got.push(...s) } });
    const last = (c: string): PointSample | undefined => [...got].reverse().find((s) => s.id === `x/${c}`);
    try {
      await bridge.start();
      assert.equal(bridge.status().state, 'online', bridge.status().lastError);
      await until(() => last('Bits500') !== undefined, 'the interrogated values');
      assert.deepEqual([last('Scaled100')!.value, last('Scaled102')!.value, last('Single104')!.value, last('Bits500')!.value], [-1, 230, true, 0xaaaa]);
      assert.ok(got.every((s) => s.quality.level === 'good'));
      const report = await bridge.write('Switch', true);
      assert.deepEqual(report.stages.map((s) => s.stage), ['operated']);
      await until(() => last('Counter110') !== undefined, 'a periodic value');
      await until(() => /IOA 10[13], 30[0-7]|IOA 101/.test(bridge.status().lastError ?? ''), 'the unmapped IOAs named in the status');
    } finally {
      await bridge.stop();
    }
  });
});
