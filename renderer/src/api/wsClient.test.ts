import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../core/common/api/contract';
import type { ClientMessage } from '../../../core/common/api/wire';
import { WsClient, type SocketLike, type WsClientOptions } from './wsClient';

/** A scripted WebSocket plus manual timers: the test plays the core. */
class FakeSocket implements SocketLike {
  sent: ClientMessage[] = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close() {
    this.closed = true;
  }
  // driven by the test
  open() {
    this.onopen?.({});
  }
  hello(session: string) {
    this.recv({ t: 'hello', session, protocol: 1 });
  }
  recv(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop() {
    this.onclose?.({});
  }
  /** answer every call/listen sent so far that has no answer yet */
  answer(fn: (m: ClientMessage) => unknown) {
    for (const m of this.sent.splice(0)) {
      if (m.t === 'unlisten') continue;
      const r = fn(m);
      this.recv(r instanceof ApiError ? { t: 'result', id: m.id, ok: false, error: r.toBody() } : { t: 'result', id: m.id, ok: true, result: r });
    }
  }
}

class Timers {
  private seq = 0;
  readonly due = new Map<number, { fn: () => void; ms: number }>();
  set = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.due.set(id, { fn, ms });
    return id;
  };
  clear = (h: unknown) => {
    this.due.delete(h as number);
  };
  /** run every timer with the given delay (or all) */
  fire(pred: (ms: number) => boolean = () => true) {
    for (const [id, t] of [...this.due]) {
      if (!pred(t.ms)) continue;
      this.due.delete(id);
      t.fn();
    }
  }
}

function setup(extra: WsClientOptions = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new Timers();
  const client = new WsClient('ws://test/api', {
    socketFactory: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 },
    callTimeoutMs: 30_000,
    setTimer: timers.set,
    clearTimer: timers.clear,
    ...extra,
  });
  const last = () => sockets[sockets.length - 1]!;
  const session = { token: 't', user: 'op', displayName: 'Operator', roles: ['operator'], workstation: 'ws1', expiresAt: 0 };
  /** open, hello, answer session.current */
  const connect = (token: string) => {
    last().open();
    last().hello(token);
    last().answer((m) => (m.t === 'call' && m.method === 'session.current' ? { ...session, token } : true));
  };
  return { client, sockets, timers, last, connect };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

test('connects after hello, fetches the session, and reports the connection', async () => {
  const { client, connect } = setup();
  const states: boolean[] = [];
  client.onConnection((c) => states.push(c));
  connect('tok1');
  await flush();
  assert.deepEqual(states, [false, true]);
  assert.equal(client.session?.displayName, 'Operator');
  assert.equal(client.session?.token, 'tok1');
});

test('calls carry the session, resolve with the result, and reject with the server error', async () => {
  const { client, connect, last } = setup();
  connect('tok1');
  await flush();
  const ok = client.call('sim.get', {});
  const bad = client.call('sim.set', { speed: -1 });
  const [c1, c2] = last().sent;
  assert.equal(c1?.t === 'call' && c1.session, 'tok1');
  assert.equal(c2?.t === 'call' && c2.method, 'sim.set');
  last().answer((m) => (m.t === 'call' && m.method === 'sim.set' ? new ApiError('bad-request', 'speed must be positive', { path: 'speed' }) : { speed: 1 }));
  assert.deepEqual(await ok, { speed: 1 });
  await assert.rejects(bad, (e: unknown) => e instanceof ApiError && e.code === 'bad-request' && e.details.path === 'speed' && e.message === 'speed must be positive');
});

test('calls made before the connection wait for it', async () => {
  const { client, connect, last } = setup();
  const p = client.call('host.info', {});
  assert.equal(last().sent.length, 0);
  last().open();
  last().hello('tok');
  const call = last().sent.find((m) => m.t === 'call' && m.method === 'host.info');
  assert.ok(call && call.t === 'call' && call.session === 'tok');
  last().answer((m) => (m.t === 'call' && m.method === 'host.info' ? { version: '1' } : {}));
  assert.deepEqual(await p, { version: '1' });
  void connect;
});

test('on disconnect, calls in flight are rejected, then it reconnects with backoff and re-subscribes', async () => {
  const { client, connect, last, sockets, timers } = setup();
  const events: unknown[] = [];
  client.listen('points.changed', (b) => events.push(b));
  connect('tok1');
  await flush();
  assert.equal(sockets[0]!.sent.length, 0, 'listen and session call were answered');
  const inflight = client.call('points.list', {});
  sockets[0]!.drop();
  await assert.rejects(inflight, (e: unknown) => e instanceof ApiError && e.code === 'unavailable');
  assert.equal(client.isConnected, false);
  // backoff timer of 100 ms for the first retry
  assert.ok([...timers.due.values()].some((t) => t.ms === 100));
  timers.fire((ms) => ms === 100);
  assert.equal(sockets.length, 2);
  last().open();
  last().hello('tok2');
  const listen = last().sent.find((m) => m.t === 'listen');
  assert.ok(listen && listen.t === 'listen' && listen.event === 'points.changed' && listen.session === 'tok2', 'fresh session used to re-subscribe');
  last().answer(() => ({ token: 'tok2', user: 'op', displayName: 'Op', roles: [], workstation: '', expiresAt: 0 }));
  await flush();
  assert.equal(client.isConnected, true);
  last().recv({ t: 'event', event: 'points.changed', data: [{ id: 'a/b', v: 1, q: { level: 'good' }, ts: 1, rts: 1 }] });
  assert.equal(events.length, 1);
});

test('backoff grows while the core stays away and resets after a hello', () => {
  const { sockets, timers, connect } = setup();
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    sockets[sockets.length - 1]!.drop();
    const t = [...timers.due.values()].find((x) => x.ms !== 30_000);
    delays.push(t!.ms);
    timers.fire((ms) => ms !== 30_000);
  }
  assert.deepEqual(delays, [100, 200, 400, 800]);
  connect('tok');
  sockets[sockets.length - 1]!.drop();
  assert.ok([...timers.due.values()].some((t) => t.ms === 100));
});

test('unlisten is sent when the last handler of an event goes away', async () => {
  const { client, connect, last } = setup();
  connect('tok');
  await flush();
  const off1 = client.listen('devices.changed', () => {});
  const off2 = client.listen('devices.changed', () => {});
  assert.equal(last().sent.filter((m) => m.t === 'listen').length, 1);
  off1();
  assert.equal(last().sent.filter((m) => m.t === 'unlisten').length, 0);
  off2();
  assert.equal(last().sent.filter((m) => m.t === 'unlisten').length, 1);
});

test('a call without an answer times out as unavailable', async () => {
  const { client, connect, timers } = setup();
  connect('tok');
  await flush();
  const p = client.call('site.get', {});
  timers.fire((ms) => ms === 30_000);
  await assert.rejects(p, (e: unknown) => e instanceof ApiError && e.code === 'unavailable');
});

test('no hello after open: the socket is dropped and retried', () => {
  const { last, timers, sockets } = setup();
  const orig = console.warn;
  console.warn = () => {};
  try {
    last().open();
    timers.fire((ms) => ms === 5_000);
    assert.equal(sockets[0]!.closed, true);
    timers.fire((ms) => ms === 100);
    assert.equal(sockets.length, 2);
  } finally {
    console.warn = orig;
  }
});

test('close() stops reconnecting and rejects waiting calls', async () => {
  const { client, sockets, timers } = setup();
  const p = client.call('site.get', {});
  client.close();
  await assert.rejects(p, (e: unknown) => e instanceof ApiError && e.code === 'unavailable');
  timers.fire();
  assert.equal(sockets.length, 1);
});

test('sign-in: the token is learnt from auth.signIn, sent with calls and listens, kept across reconnects, dropped on sign-out', async () => {
  const store = new Map<string, string>();
  const { client, timers, last } = setup({
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v), removeItem: (k) => void store.delete(k) },
  });
  const changes: string[] = [];
  client.onAuth((c) => changes.push(c.kind));
  client.listen('points.changed', () => undefined);
  last().open();
  last().hello('');
  await flush();
  assert.equal(client.isConnected, true, 'connected without a session');
  assert.equal(last().sent.length, 0, 'no listen and no session.current without a token');

  const session = { token: 'T1', user: 'op', displayName: 'Op', roles: ['operator'], workstation: 'w', expiresAt: 0, capabilities: ['site.view'], sites: 'all', idleLockMs: 1, mustChangePassword: false };
  const p = client.call('auth.signIn', { username: 'op', password: 'pw' });
  const signInMsg = last().sent[0];
  assert.ok(signInMsg?.t === 'call' && signInMsg.session === '');
  last().answer(() => session);
  await p;
  assert.deepEqual(changes, ['session']);
  assert.equal(store.get('esm.session'), 'T1');
  const relisten = last().sent.find((m) => m.t === 'listen');
  assert.ok(relisten?.t === 'listen' && relisten.session === 'T1', 'listeners re-subscribed with the token');
  last().answer(() => null);

  const q = client.call('site.get', {});
  const siteMsg = last().sent[0];
  assert.ok(siteMsg?.t === 'call' && siteMsg.session === 'T1');
  last().recv({ t: 'result', id: siteMsg.id, ok: false, error: { code: 'unauthenticated', message: 'locked', rule: 'session.locked' } });
  await assert.rejects(q);
  assert.equal(store.get('esm.session'), 'T1', 'an idle lock keeps the token');
  assert.equal(changes.at(-1), 'locked');

  last().drop();
  timers.fire();
  last().open();
  last().hello('');
  const cur = last().sent.find((m) => m.t === 'call' && m.method === 'session.current');
  assert.ok(cur?.t === 'call' && cur.session === 'T1', 'the stored token is used after a reconnect');
  last().answer((m) => (m.t === 'call' ? session : null));
  await flush();

  const out = client.call('auth.signOut', {});
  last().answer(() => ({ ok: true }));
  await out;
  assert.equal(store.get('esm.session'), undefined);
  assert.equal(client.session, null);
  assert.equal(changes.at(-1), 'signedOut');
  client.close();
});
