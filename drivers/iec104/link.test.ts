/**
 * The 104 link and client services over loopback TCP: against our own controlled station
 * (server.ts) for interrogation, clock sync and commands, and against a scripted raw peer for
 * the APCI rules (k and w windows, t1, t2, t3, sequence errors), whose frames the test reads
 * and writes octet by octet through the codec.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { ApduReader, decodeApdu, encodeApdu, TYPE_ID, type Apdu, type Asdu } from './codec';
import { Iec104Client, Iec104Refusal } from './client';
import { Iec104Link } from './link';
import { Iec104Server } from './server';

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A scripted peer: records every APDU the client sends and writes what the test says. */
class RawPeer {
  readonly got: Apdu[] = [];
  socket: Socket | undefined;
  private readonly server: Server;
  port = 0;
  constructor(private readonly autoStart = true) {
    this.server = createServer((s) => {
      this.socket = s;
      const r = new ApduReader();
      s.on('data', (d) => {
        for (const f of r.push(d)) {
          const a = decodeApdu(f);
          this.got.push(a);
          if (this.autoStart && a.kind === 'U' && a.fn === 'STARTDT act') this.write({ kind: 'U', fn: 'STARTDT con' });
        }
      });
      s.on('error', () => undefined);
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }
  write(a: Apdu): void {
    this.socket?.write(encodeApdu(a));
  }
  iFrames(): Array<Extract<Apdu, { kind: 'I' }>> {
    return this.got.filter((a): a is Extract<Apdu, { kind: 'I' }> => a.kind === 'I');
  }
  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const meas = (ioa: number, value: number): Asdu => ({ type: TYPE_ID.M_ME_NB_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa, value, qds: { iv: false, nt: false, sb: false, bl: false, ov: false } }] });

async function open(port: number, params: Partial<Iec104Link['params']> = {}): Promise<Iec104Link> {
  const link = await Iec104Link.connect('127.0.0.1', port, { params }).ready;
  await link.startDt();
  return link;
}

describe('IEC 104 client services against our controlled station', () => {
  const t0 = Date.UTC(2026, 11, 2, 3, 0, 0, 0);
  const server = new Iec104Server({
    ca: 7,
    points: [
      { ioa: 100, type: 'M_ME_NC_1', value: 12.5 },
      { ioa: 101, type: 'M_ME_TF_1', value: -3.25, time: t0 },
      { ioa: 200, type: 'M_SP_TB_1', value: true, time: t0, qds: { iv: false, nt: true, sb: false, bl: false, ov: false } },
      { ioa: 201, type: 'M_DP_NA_1', value: 2 },
      { ioa: 300, type: 'M_IT_NA_1', value: 4711 },
    ],
    commands: [
      { ioa: 5000, types: ['C_SC_NA_1', 'C_SC_TA_1'], sbo: false },
      { ioa: 5001, types: ['C_DC_NA_1'], sbo: true, termination: true },
      { ioa: 6000, types: ['C_SE_NC_1'], sbo: true, termination: true },
      { ioa: 6001, types: ['C_SE_NB_1'], sbo: false },
    ],
    onCommand: (c) => (c.ioa === 6001 && typeof c.value === 'number' && c.value > 1000 ? 'above the limit' : true),
  });
  after(() => server.close());

  test('interrogation, spontaneous data, counters, clock sync, commands direct and SBO, refusals in words', async () => {
    const port = await server.listen();
    const link = await open(port);
    const client = new Iec104Client(link, { ca: 7, timeoutMs: 3000 });
    const spont: Asdu[] = [];
    client.onData((a) => {
      if (a.cot === 3) spont.push(a);
    });
    try {
      const gi = await client.interrogate();
      const objs = new Map(gi.flatMap((a) => a.objects.map((o) => [o.ioa, { type: a.type, o, cot: a.cot }] as const)));
      assert.deepEqual([...objs.keys()].sort(), [100, 101, 200, 201], 'the general interrogation returns every monitor point but the counter');
      assert.equal(objs.get(100)!.o.value, 12.5);
      assert.equal(objs.get(101)!.type, TYPE_ID.M_ME_NC_1, 'interrogated without time tag');
      assert.equal(objs.get(101)!.o.time, undefined);
      assert.equal(objs.get(200)!.o.qds!.nt, true, 'QDS bits come through');
      assert.ok([...objs.values()].every((v) => v.cot === 20), 'cause: interrogated by station');

      const counters = await client.counterInterrogate();
      assert.deepEqual(counters.flatMap((a) => a.objects.map((o) => [o.ioa, o.value])), [[300, 4711]]);

      server.update(101, 7.75, { time: t0 + 1000 });
      await until(() => spont.length === 1, 'a spontaneous value');
      assert.equal(spont[0]!.objects[0]!.value, 7.75);
      assert.equal(spont[0]!.objects[0]!.time!.ms, t0 + 1000);

      await client.clockSync(t0 + 5000);
      assert.equal(server.clockSetTo, t0 + 5000);

      const direct = await client.command({ kind: 'single', ioa: 5000, value: true });
      assert.ok(direct.executed > 0 && direct.selected === undefined);
      await client.command({ kind: 'single', ioa: 5000, value: false, timeTag: t0 });
      assert.deepEqual(server.log.slice(-1)[0], { ioa: 5000, type: 'C_SC_TA_1', value: false, select: false, qualifier: 0, time: t0 });

      const sbo = await client.command({ kind: 'float', ioa: 6000, value: 42.5, sbo: true, termination: true });
      assert.ok(sbo.selected !== undefined && sbo.terminated !== undefined, 'select, execute and termination confirmed');
      assert.deepEqual(server.log.slice(-2).map((c) => [c.select, c.value]), [[true, 42.5], [false, 42.5]]);

      await client.command({ kind: 'double', ioa: 5001, value: 2, sbo: true, termination: true });

      await assert.rejects(client.command({ kind: 'scaled', ioa: 6001, value: 2000 }), (e: Error) => e instanceof Iec104Refusal && /refused the command of C_SE_NB_1 on IOA 6001 \(negative confirmation\)/.test(e.message));
      await assert.rejects(client.command({ kind: 'single', ioa: 5999, value: true }), /does not know the information object address of the command of C_SC_NA_1 on IOA 5999 \(cause 47/);
      await assert.rejects(client.command({ kind: 'single', ioa: 6000, value: true }), /does not know the type of the command of C_SC_NA_1 on IOA 6000 \(cause 44/);
      // an SBO point refuses an execute without its select
      const bare = new Iec104Client(link, { ca: 7, timeoutMs: 3000 });
      link.send({ type: TYPE_ID.C_SE_NC_1!, sq: false, cot: 6, negative: false, test: false, oa: 0, ca: 7, objects: [{ ioa: 6000, value: 1, select: false, qualifier: 0 }] });
      await assert.rejects(bare.command({ kind: 'float', ioa: 6000, value: 1 }), /refused the command of C_SE_NC_1 on IOA 6000/);
      assert.ok(link.closed === undefined, 'refusals keep the link');
    } finally {
      link.close();
    }
  });
});

describe('IEC 104 APCI rules against a scripted peer', () => {
  test('k: at most k I-frames unacknowledged, the rest wait; t1 closes the link when no acknowledgement comes', async () => {
    const peer = new RawPeer();
    const port = await peer.listen();
    const link = await open(port, { k: 3, w: 2, t1Ms: 400 });
    try {
      for (let i = 0; i < 5; i++) link.send(meas(10 + i, i));
      await until(() => peer.iFrames().length === 3, 'three I-frames');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(peer.iFrames().length, 3, 'the fourth waits for the window');
      assert.equal(link.queued, 2);
      peer.write({ kind: 'S', nr: 2 });
      await until(() => peer.iFrames().length === 5, 'the queued I-frames after the acknowledgement');
      assert.deepEqual(peer.iFrames().map((f) => f.ns), [0, 1, 2, 3, 4]);
      const closed = new Promise<Error>((r) => link.onClose(r));
      const why = await closed;
      assert.match(why.message, /I-frame N\(S\)=2 not acknowledged within t1 \(400 ms\)/);
    } finally {
      link.close();
      await peer.close();
    }
  });

  test('w: the client acknowledges after w I-frames at once, and fewer after t2', async () => {
    const peer = new RawPeer();
    const port = await peer.listen();
    const link = await open(port, { w: 4, t2Ms: 300 });
    const seen: number[] = [];
    link.onAsdu((a) => seen.push(a.objects[0]!.ioa));
    try {
      for (let ns = 0; ns < 4; ns++) peer.write({ kind: 'I', ns, nr: 0, asdu: meas(ns, ns) });
      await until(() => peer.got.some((a) => a.kind === 'S'), 'an S-frame');
      assert.deepEqual(peer.got.filter((a) => a.kind === 'S'), [{ kind: 'S', nr: 4 }]);
      const sentAt = Date.now();
      peer.write({ kind: 'I', ns: 4, nr: 0, asdu: meas(4, 4) });
      await until(() => peer.got.filter((a) => a.kind === 'S').length === 2, 'the t2 acknowledgement');
      assert.ok(Date.now() - sentAt >= 250, 'one I-frame is acknowledged by t2, not at once');
      assert.deepEqual(peer.got.filter((a) => a.kind === 'S')[1], { kind: 'S', nr: 5 });
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    } finally {
      link.close();
      await peer.close();
    }
  });

  test('a wrong N(S) closes the link with a sentence naming both numbers', async () => {
    const peer = new RawPeer();
    const port = await peer.listen();
    const link = await open(port);
    try {
      const closed = new Promise<Error>((r) => link.onClose(r));
      peer.write({ kind: 'I', ns: 0, nr: 0, asdu: meas(1, 1) });
      peer.write({ kind: 'I', ns: 2, nr: 0, asdu: meas(2, 2) });
      assert.match((await closed).message, /sequence error: received I-frame N\(S\)=2, expected 1/);
    } finally {
      await peer.close();
    }
  });

  test('an N(R) acknowledging frames never sent closes the link', async () => {
    const peer = new RawPeer();
    const port = await peer.listen();
    const link = await open(port);
    try {
      const closed = new Promise<Error>((r) => link.onClose(r));
      link.send(meas(1, 1));
      await until(() => peer.iFrames().length === 1, 'one I-frame');
      peer.write({ kind: 'S', nr: 3 });
      assert.match((await closed).message, /N\(R\)=3 acknowledges I-frames that were not sent \(sent up to N\(S\)=0/);
    } finally {
      await peer.close();
    }
  });

  test('t3: a silent link is tested with TESTFR; no confirmation within t1 closes it', async () => {
    const peer = new RawPeer();
    const port = await peer.listen();
    const link = await open(port, { t3Ms: 200, t1Ms: 300 });
    try {
      await until(() => peer.got.some((a) => a.kind === 'U' && a.fn === 'TESTFR act'), 'a TESTFR act');
      peer.write({ kind: 'U', fn: 'TESTFR con' });
      await until(() => peer.got.filter((a) => a.kind === 'U' && a.fn === 'TESTFR act').length === 2, 'a second TESTFR act');
      assert.equal(link.closed, undefined, 'the confirmed test kept the link');
      const why = await new Promise<Error>((r) => link.onClose(r));
      assert.match(why.message, /no TESTFR con within t1 \(300 ms\) after TESTFR act/);
      // and the client answers the peer's own test
      const peer2 = new RawPeer();
      const link2 = await open(await peer2.listen());
      peer2.write({ kind: 'U', fn: 'TESTFR act' });
      await until(() => peer2.got.some((a) => a.kind === 'U' && a.fn === 'TESTFR con'), 'TESTFR con');
      link2.close();
      await peer2.close();
    } finally {
      await peer.close();
    }
  });

  test('STARTDT must be confirmed within t1; a malformed frame closes the link in words', async () => {
    const mute = new RawPeer(false);
    const port = await mute.listen();
    const link = await Iec104Link.connect('127.0.0.1', port, { params: { t1Ms: 300 } }).ready;
    await assert.rejects(link.startDt(), /no STARTDT con within t1 \(300 ms\) after STARTDT act/);
    await mute.close();

    const peer = new RawPeer();
    const link2 = await open(await peer.listen());
    const closed = new Promise<Error>((r) => link2.onClose(r));
    peer.socket!.write(Buffer.from([0x68, 0x0e, 0, 0, 0, 0, 0x63, 1, 3, 0, 1, 0, 1, 0, 0, 0])); // type 99
    assert.match((await closed).message, /malformed frame: type 99 is not a type this client reads/);
    await peer.close();
  });

  test('STOPDT: confirmed, and no I-frame goes out afterwards', async () => {
    const peer = new RawPeer();
    const port = await peer.listen();
    const link = await open(port);
    peer.socket!.on('data', () => undefined);
    const stopping = link.stopDt();
    await until(() => peer.got.some((a) => a.kind === 'U' && a.fn === 'STOPDT act'), 'STOPDT act');
    peer.write({ kind: 'U', fn: 'STOPDT con' });
    await stopping;
    assert.throws(() => link.send(meas(1, 1)), /has not started data transfer/);
    link.close();
    await peer.close();
  });
});
