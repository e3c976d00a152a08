/** A minimal client of the browser-mode wire protocol, for tests and benchmarks. */
import WebSocket from 'ws';
import type { ApiErrorBody, ServerMessage } from '../../core/common';

export interface TestClient {
  /** the token sent with calls: empty until signed in */
  session: string;
  /** signs in and keeps the session for the following calls */
  signIn(username: string, password: string): Promise<string>;
  call<T = unknown>(method: string, arg?: unknown, session?: string): Promise<T>;
  listen(event: string, handler: (data: unknown) => void): Promise<void>;
  /** sends anything, for malformed-input tests; resolves the next reply with that id (or -1) */
  raw(text: string | Buffer, expectId?: number): Promise<ServerMessage>;
  close(): Promise<void>;
  ws: WebSocket;
}

export class ApiCallError extends Error {
  constructor(readonly body: ApiErrorBody) {
    super(`${body.code}: ${body.message}`);
  }
}

/** `localAddress`: connect from another loopback address (127.0.0.2 …), as another workstation */
export async function connect(baseUrl: string, headers: Record<string, string> = {}, opts: { localAddress?: string } = {}): Promise<TestClient> {
  const url = baseUrl.replace(/^http/, 'ws').replace(/\/$/, '') + '/api';
  const ws = new WebSocket(url, { headers, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  const pending = new Map<number, (m: ServerMessage) => void>();
  const events = new Map<string, Array<(d: unknown) => void>>();
  let nextId = 1;
  const hello = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hello within 5 s')), 5000);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
    });
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as ServerMessage;
      if (m.t === 'hello') {
        clearTimeout(timer);
        resolve(m.session);
      } else if (m.t === 'result') {
        const cb = pending.get(m.id);
        pending.delete(m.id);
        cb?.(m);
      } else if (m.t === 'event') {
        for (const h of events.get(m.event) ?? []) h(m.data);
      }
    });
  });
  const request = (msg: Record<string, unknown>): Promise<ServerMessage> => {
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ ...msg, id }));
    });
  };
  const client: TestClient = {
    ws,
    session: hello,
    async signIn(username, password) {
      const s = await client.call<{ token: string }>('auth.signIn', { username, password });
      client.session = s.token;
      return s.token;
    },
    async call<T>(method: string, arg: unknown = {}, session?: string): Promise<T> {
      const m = await request({ t: 'call', method, arg, session: session ?? client.session });
      if (m.t !== 'result') throw new Error('unexpected reply');
      if (!m.ok) throw new ApiCallError(m.error);
      return m.result as T;
    },
    async listen(event, handler) {
      const list = events.get(event) ?? [];
      list.push(handler);
      events.set(event, list);
      const m = await request({ t: 'listen', event, session: client.session });
      if (m.t === 'result' && !m.ok) throw new ApiCallError(m.error);
    },
    raw(text, expectId = -1) {
      return new Promise((resolve) => {
        pending.set(expectId, resolve);
        ws.send(text);
      });
    },
    close() {
      return new Promise((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      });
    },
  };
  return client;
}

/** Resolves when `pred` holds, polling every `everyMs`; rejects with `what` after `timeoutMs`
 *  (30 s by default: generous, since a condition is awaited, not timed; a loaded 2-core machine
 *  needs it). */
export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
