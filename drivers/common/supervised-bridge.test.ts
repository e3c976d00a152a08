/**
 * The SupervisedBridge base and the supervisor's two clocks (issue #10): the poll and
 * reconnect timers run on the host's scheduler from the bridge's context; request timeouts
 * (socket guards) on their own timers, the wall clock unless given (decision 0008). The link
 * here is an in-memory stand-in (named as such: a unit test of the base, no protocol); the
 * real bridges run on it in test/integration/{modbus,line,iec61850}.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BridgeContext, DeviceStatus, PointSample } from '../../core/common/bridge';
import { VirtualScheduler } from '../../core/common/clock';
import { SupervisedBridge } from './supervised-bridge';
import { GOOD, TimeoutError } from './supervisor';

/** in-memory stand-in for a connection: answers when told, or never */
interface FakeLink {
  n: number;
  closed: boolean;
}

class FakeBridge extends SupervisedBridge<FakeLink> {
  readonly deviceId = 'dev1';
  opens = 0;
  /** the next request hangs (a device that went silent) */
  hang = false;

  constructor(ctx: BridgeContext, timeouts?: VirtualScheduler) {
    super();
    this.supervise(ctx, {
      device: { id: 'dev1', pollMs: 1000, timeoutMs: 300 },
      identity: { id: 'dev1', name: 'Fake', protocol: 'fake', address: 'memory', asset: 'a', profile: 'p', simulated: true, pollMs: 1000 },
      pointIds: ['a/X'],
      logName: 'FakeBridge',
      ...(timeouts ? { timeouts } : {}),
      protocol: {
        open: () => ({ ready: Promise.resolve({ n: ++this.opens, closed: false }), abort: () => undefined }),
        close: (c) => {
          c.closed = true;
        },
        onClose: () => undefined,
        poll: async () => {
          const v = await this.sup.request((c) => (this.hang ? new Promise<number>(() => undefined) : Promise.resolve(c.n)));
          return { samples: [{ id: 'a/X', value: v, quality: GOOD, ts: ctx.scheduler?.now() ?? 0 }] };
        },
      },
    });
  }

  read(): Promise<number> {
    return this.sup.request((c) => (this.hang ? new Promise<number>(() => undefined) : Promise.resolve(c.n)));
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SupervisedBridge', () => {
  it('delegates start/stop/status/onStatus to a supervisor on the context’s clock and scheduler', async () => {
    const clock = new VirtualScheduler(5_000);
    const published: PointSample[] = [];
    const b = new FakeBridge({ device: {} as never, profile: {} as never, sink: { publish: (s) => published.push(...s) }, scheduler: clock });
    const states: DeviceStatus['state'][] = [];
    const off = b.onStatus((s) => states.push(s.state));
    await b.start();
    assert.equal(b.status().state, 'online');
    assert.equal(b.status().polls, 1);
    assert.equal(b.status().lastOk, 5_000, 'the clock is the scheduler’s');
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      await settle();
    }
    assert.equal(b.status().polls, 4, 'one poll per period of the scheduler');
    assert.deepEqual(
      published.map((s) => s.ts),
      [5_000, 6_000, 7_000, 8_000],
    );
    await b.stop();
    assert.equal(b.status().state, 'disabled');
    off();
    assert.deepEqual(states, ['connecting', 'online', 'disabled']);
  });

  it('times requests out on the timeout timers, and reconnects on the host scheduler', async () => {
    const host = new VirtualScheduler(0);
    const wall = new VirtualScheduler(0); // the timeouts' own clock, driven by the test
    const published: PointSample[] = [];
    const b = new FakeBridge({ device: {} as never, profile: {} as never, sink: { publish: (s) => published.push(...s) }, scheduler: host }, wall);
    await b.start();
    assert.equal(b.opens, 1);
    b.hang = true;
    const r = b.read();
    const got: { error?: unknown } = {};
    r.catch((e: unknown) => (got.error = e));
    // the host clock racing ahead does not time the request out (it guards a socket)
    host.advance(60_000);
    await settle();
    assert.equal(got.error, undefined, 'a virtual minute of the host does not time out a request');
    // its own timers do: the device's timeout + 500 ms
    wall.advance(799);
    await settle();
    assert.equal(got.error, undefined);
    wall.advance(1);
    await settle();
    const error = ((): unknown => got.error)(); // (read anew: the asserts above narrowed it)
    assert.ok(error instanceof TimeoutError, `timed out: ${String(error)}`);
    assert.equal(b.status().state, 'offline');
    assert.equal(published.at(-1)?.quality.reason, 'comm-fail');
    // reconnect after the back-off (250 ms) of the host scheduler
    b.hang = false;
    host.advance(250);
    await settle();
    await settle();
    assert.equal(b.opens, 2);
    assert.equal(b.status().state, 'online');
    assert.equal(b.status().stats?.timeouts, 1);
    await b.stop();
  });
});
