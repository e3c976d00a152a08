/**
 * Browser-mode transport: the typed API over a WebSocket at ws://<host>/api (core/common/api/wire.ts).
 *
 * - Connects at construction, waits for `hello` (session token, protocol), then is "connected".
 * - Calls made while disconnected wait for the next connection (bounded by the call timeout);
 *   calls in flight when the socket drops are rejected with ApiError('unavailable').
 * - Listeners survive reconnects: every event with handlers is re-subscribed after `hello`.
 * - Reconnects with exponential backoff (backoff.ts), reset after a successful hello.
 * - Session: the hello carries none (protocol 1 with sign-in). The client learns the token from
 *   the results of auth.signIn / auth.setup / auth.impersonate / auth.reauth, keeps it in
 *   memory and sessionStorage (a reload or reconnect keeps the session), sends it with every
 *   call and listen, and forgets it on auth.signOut or an 'unauthenticated' refusal (not for
 *   an idle lock). Listeners are re-subscribed with the new token when it changes.
 */
import { type ApiEvents, type EsmClient, type EventName, type MethodName, type MethodReq, type MethodRes, type SessionInfo, type Unsubscribe, ApiError } from '../../../core/common/api/contract';
import { WIRE_PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../../../core/common/api/wire';
import type { SecuritySession } from '../../../core/common/security';
import { browserSessionStorage, readToken, writeToken, type AuthAwareClient, type AuthChange, type StorageLike } from './auth';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { ConnectionState, deliver, SessionState, type Handler } from './clientState';
import { apiErrorFromBody } from './errors';

/** The part of the DOM WebSocket the client needs (injectable for tests). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  socketFactory?: SocketFactory;
  backoff?: BackoffOptions;
  /** a call without an answer after this long is rejected with 'unavailable' */
  callTimeoutMs?: number;
  /** the socket is dropped if no hello arrives this long after open */
  helloTimeoutMs?: number;
  /** timers, injectable for tests */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** where the token survives a reload; default sessionStorage, null for memory only */
  storage?: StorageLike | null;
}

interface Pending {
  method: string;
  arg: unknown;
  sent: boolean;
  resolve: (v: unknown) => void;
  reject: (e: ApiError) => void;
  timer: unknown;
}

/** ws://host/api derived from the page location (http -> ws, https -> wss). */
export function defaultApiUrl(loc: { protocol: string; host: string } = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api`;
}

const browserSocket: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike;

export class WsClient implements EsmClient, AuthAwareClient {
  private ws: SocketLike | null = null;
  private token: string | null = null;
  private ready = false;
  private disposed = false;
  private generation = 0;
  private attempt = 0;
  private nextId = 1;
  private reconnectTimer: unknown = null;
  private helloTimer: unknown = null;
  private readonly pending = new Map<number, Pending>();
  private readonly listenReplies = new Map<number, string>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly conn = new ConnectionState();
  private readonly sessionState = new SessionState();
  private readonly factory: SocketFactory;
  private readonly backoff: BackoffOptions;
  private readonly callTimeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly storage: StorageLike | null;

  constructor(
    private readonly url: string,
    opts: WsClientOptions = {},
  ) {
    this.factory = opts.socketFactory ?? browserSocket;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 5_000;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.storage = opts.storage === undefined ? browserSessionStorage() : opts.storage;
    this.token = readToken(this.storage);
    this.open();
  }

  get session(): SessionInfo | null {
    return this.sessionState.current;
  }

  get isConnected(): boolean {
    return this.conn.connected;
  }

  resubscribe(): void {
    if (this.ready && this.token) for (const event of this.handlers.keys()) this.sendListen(event);
  }

  /** Session changes learnt from call results (sign-in, sign-out, lock, expiry). */
  onAuth(handler: (c: AuthChange) => void): Unsubscribe {
    return this.sessionState.on(handler);
  }

  call<M extends MethodName>(method: M, arg: MethodReq<M>): Promise<MethodRes<M>> {
    if (this.disposed) return Promise.reject(new ApiError('unavailable', 'client closed'));
    return new Promise<MethodRes<M>>((resolve, reject) => {
      const id = this.nextId++;
      const p: Pending = {
        method,
        arg,
        sent: false,
        resolve: (v: unknown) => {
          this.observe(method, true, v);
          resolve(v as MethodRes<M>);
        },
        reject: (e: ApiError) => {
          this.observe(method, false, e);
          reject(e);
        },
        timer: this.setTimer(() => {
          if (this.pending.delete(id)) {
            reject(new ApiError('unavailable', `${method}: no answer from the core within ${this.callTimeoutMs} ms`));
          }
        }, this.callTimeoutMs),
      };
      this.pending.set(id, p);
      if (this.ready) this.sendCall(id, p);
    });
  }

  listen<E extends EventName>(event: E, handler: (data: ApiEvents[E]) => void): Unsubscribe {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const h = handler as Handler;
    const first = set.size === 0;
    set.add(h);
    if (first && this.ready && this.token) this.sendListen(event);
    return () => {
      const s = this.handlers.get(event);
      if (!s || !s.delete(h)) return;
      if (s.size === 0) {
        this.handlers.delete(event);
        if (this.ready) this.send({ t: 'unlisten', id: this.nextId++, event });
      }
    };
  }

  /** Called at once with the current state, then on every change. */
  onConnection(handler: (connected: boolean) => void): Unsubscribe {
    return this.conn.on(handler);
  }

  /** Close for good: no reconnect; pending calls are rejected. */
  close(): void {
    this.disposed = true;
    if (this.reconnectTimer !== null) this.clearTimer(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000, 'client closed');
    }
    this.lost('client closed');
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.clearTimer(p.timer);
      p.reject(new ApiError('unavailable', 'client closed'));
    }
  }

  // ---------------------------------------------------------------- internals

  private open(): void {
    if (this.disposed) return;
    const gen = ++this.generation;
    let ws: SocketLike;
    try {
      ws = this.factory(this.url);
    } catch (e) {
      console.warn('[esm] cannot open WebSocket', e);
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (gen !== this.generation) return;
      this.helloTimer = this.setTimer(() => {
        if (gen === this.generation && !this.ready) {
          console.warn('[esm] no hello from the core; reconnecting');
          ws.close(4000, 'no hello');
          this.onSocketClosed(gen);
        }
      }, this.helloTimeoutMs);
    };
    ws.onmessage = (ev) => {
      if (gen === this.generation) this.onMessage(ev.data);
    };
    ws.onclose = () => this.onSocketClosed(gen);
    ws.onerror = () => {
      // a close event follows; nothing to do here
    };
  }

  private onSocketClosed(gen: number): void {
    if (gen !== this.generation) return;
    this.generation++;
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
    }
    this.ws = null;
    this.lost('connection to the core lost');
    this.scheduleReconnect();
  }

  private lost(reason: string): void {
    if (this.helloTimer !== null) this.clearTimer(this.helloTimer);
    this.helloTimer = null;
    this.ready = false;
    this.listenReplies.clear();
    for (const [id, p] of this.pending) {
      if (!p.sent) continue; // not sent yet: waits for the next connection
      this.pending.delete(id);
      this.clearTimer(p.timer);
      p.reject(new ApiError('unavailable', `${p.method}: ${reason}`));
    }
    this.conn.set(false);
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = null;
      this.open();
    }, delay);
  }

  private onMessage(raw: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      console.warn('[esm] unparseable message from the core');
      return;
    }
    switch (msg.t) {
      case 'hello':
        this.onHello(msg.session, msg.protocol);
        return;
      case 'result': {
        const ev = this.listenReplies.get(msg.id);
        if (ev !== undefined) {
          this.listenReplies.delete(msg.id);
          if (!msg.ok) console.warn(`[esm] subscribing to ${ev} refused: ${msg.error.code} ${msg.error.message}`);
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return; // timed out already, or an unlisten reply
        this.pending.delete(msg.id);
        this.clearTimer(p.timer);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(apiErrorFromBody(msg.error));
        return;
      }
      case 'event': {
        const set = this.handlers.get(msg.event);
        if (set) deliver(msg.event, set, msg.data);
        return;
      }
      default:
        console.warn('[esm] unknown message from the core', (msg as { t?: unknown }).t);
    }
  }

  private onHello(session: string, protocol: number): void {
    if (protocol !== WIRE_PROTOCOL_VERSION) {
      console.warn(`[esm] core speaks protocol ${protocol}, this renderer ${WIRE_PROTOCOL_VERSION}`);
    }
    if (this.helloTimer !== null) this.clearTimer(this.helloTimer);
    this.helloTimer = null;
    const gen = this.generation;
    // protocol 1 without sign-in handed out a session in the hello; with sign-in it is ''
    if (session) this.setToken(session, false);
    this.ready = true;
    this.attempt = 0;
    // events need a session: without one they are subscribed once the token is known
    if (this.token) for (const event of this.handlers.keys()) this.sendListen(event);
    for (const [id, p] of this.pending) if (!p.sent) this.sendCall(id, p);
    if (!this.token) {
      this.sessionState.current = null;
      this.conn.set(true);
      return;
    }
    this.call('session.current', {}).then(
      (s) => {
        if (gen !== this.generation) return;
        this.sessionState.current = s;
        this.conn.set(true);
      },
      (e: unknown) => {
        if (gen !== this.generation) return;
        console.warn('[esm] session.current failed', e);
        this.sessionState.current = null;
        this.conn.set(true);
      },
    );
  }

  private observe(method: string, ok: boolean, value: unknown): void {
    this.sessionState.observe(method, ok, value, (c: AuthChange) => {
      if (c.kind === 'session') this.setToken(c.session.token, true);
      else if (c.kind === 'signedOut') this.setToken(null, true);
    });
  }

  private setToken(token: string | null, resubscribe: boolean): void {
    if (token === this.token) return;
    this.token = token;
    writeToken(this.storage, token);
    if (resubscribe && this.ready && token) for (const event of this.handlers.keys()) this.sendListen(event);
  }

  /** The session as last learnt (with capabilities when it came from sign-in). */
  get securitySession(): SecuritySession | null {
    const s = this.sessionState.current as Partial<SecuritySession> | null;
    return s && Array.isArray(s.capabilities) ? (s as SecuritySession) : null;
  }

  private sendCall(id: number, p: Pending): void {
    p.sent = true;
    this.send({ t: 'call', id, method: p.method, session: this.token ?? '', arg: p.arg });
  }

  private sendListen(event: string): void {
    const id = this.nextId++;
    this.listenReplies.set(id, event);
    this.send({ t: 'listen', id, event, session: this.token ?? '' });
  }

  private send(msg: ClientMessage): void {
    try {
      this.ws?.send(JSON.stringify(msg));
    } catch (e) {
      console.warn('[esm] send failed', e);
    }
  }
}
