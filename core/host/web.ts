/**
 * Browser mode transport: serves the built renderer and the API WebSocket on one port.
 * Loopback only unless TLS is configured. The WebSocket checks Host and Origin so a web page
 * from elsewhere, or a DNS-rebinding name, cannot drive the API through the operator's browser.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  ApiError,
  WIRE_PROTOCOL_VERSION,
  clientMessageSchema,
  type EventName,
  type PointUpdate,
  type ServerMessage,
  type Unsubscribe,
} from '../common';
import type { ApiDispatcher } from './dispatcher';
import type { Downloads } from './downloads';
import { KDF_METHODS, SignInLimiter, type SignInLimiterOptions } from './signin-limiter';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.map': 'application/json',
};

export interface WebOptions {
  bind: string;
  /** one-time downloads (exports) served at /download/<token> */
  downloads?: Downloads;
  port: number;
  staticDir?: string;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** largest inbound WebSocket message, bytes */
  maxPayload?: number;
  /**
   * above this many buffered bytes, point updates are coalesced per connection and the
   * connection's socket is no longer read (its calls wait in TCP) until the client catches up
   */
  highWaterMark?: number;
  /** a connection whose unsent replies exceed this many bytes is closed (default 256 MiB) */
  maxBufferedBytes?: number;
  /** a congested connection that takes none of its replies for this long is closed (default 10 s) */
  stallMs?: number;
  /** calls of one connection running at once; beyond it the socket is not read (default 32) */
  maxInflight?: number;
  /** largest serialised reply (default 128 MiB); a larger one becomes an error reply */
  maxReplyBytes?: number;
  /** rate limit of sign-in and other password-hashing calls (signin-limiter.ts) */
  signIn?: SignInLimiterOptions;
}

/** What the transport did about a connection, for tests and the log. */
export interface WebStats {
  /** connections closed because they did not read their replies */
  closedForBackPressure: number;
  /** replies that could not be serialised or were too large, answered with an error instead */
  unsendableReplies: number;
  /** calls refused with 'busy' because the connection had too many in flight */
  busyRefusals: number;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export class WebTransport {
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private port = 0;
  private readonly sockets = new Set<WebSocket>();
  readonly stats: WebStats = { closedForBackPressure: 0, unsendableReplies: 0, busyRefusals: 0 };
  /** scrypt-bearing calls (sign-in, setup, re-authentication): per connection and address */
  readonly signIns: SignInLimiter;

  constructor(
    private readonly dispatcher: ApiDispatcher,
    private readonly opts: WebOptions,
  ) {
    if (!isLoopback(opts.bind) && !opts.tls)
      throw new Error(`refusing to serve on ${opts.bind} without TLS: browser mode binds to 127.0.0.1 unless a certificate and key are configured`);
    this.signIns = new SignInLimiter(opts.signIn);
  }

  get url(): string {
    const host = this.opts.bind.includes(':') ? `[${this.opts.bind}]` : this.opts.bind;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${this.port}/`;
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.serveStatic(req, res);
    this.server = this.opts.tls ? createHttpsServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, handler) : createHttpServer(handler);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.opts.maxPayload ?? 1 << 20 });
    this.server.on('upgrade', (req, socket, head) => {
      const refusal = this.checkUpgrade(req);
      if (refusal) {
        socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal}\n`);
        return;
      }
      this.wss?.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
    await new Promise<void>((ok, fail) => {
      this.server?.once('error', fail);
      this.server?.listen(this.opts.port, this.opts.bind, () => ok());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss?.close();
    const closed = new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
    // idle keep-alive connections (a browser tab) would hold close() for seconds
    this.server?.closeAllConnections?.();
    await closed;
  }

  private allowedHosts(): Set<string> {
    const p = this.port;
    const hosts = new Set([`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]);
    hosts.add(`${this.opts.bind.includes(':') ? `[${this.opts.bind}]` : this.opts.bind}:${p}`);
    return hosts;
  }

  private checkUpgrade(req: IncomingMessage): string | undefined {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api') return `no WebSocket endpoint at ${url.pathname}`;
    const hosts = this.allowedHosts();
    if (!req.headers.host || !hosts.has(req.headers.host)) return `Host "${req.headers.host ?? ''}" is not this server`;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let o: URL;
      try {
        o = new URL(origin);
      } catch {
        return `Origin "${origin}" is not a URL`;
      }
      if (!hosts.has(o.host)) return `Origin "${origin}" may not use this API`;
      // the page must come from this server itself: same scheme as well as host and port
      const scheme = this.opts.tls ? 'https:' : 'http:';
      if (o.protocol !== scheme) return `Origin "${origin}" may not use this API: this server serves ${scheme.slice(0, -1)} pages`;
    }
    return undefined;
  }

  private serveStatic(req: IncomingMessage, res: ServerResponse): void {
    const headers: Record<string, string> = {
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "media-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const dl = /^\/download\/([A-Za-z0-9_-]{16,64})$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (dl?.[1] !== undefined) {
      const d = this.opts.downloads?.take(dl[1]);
      if (!d || !existsSync(d.file)) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('this download is unknown, used or expired\n');
        return;
      }
      res.writeHead(200, {
        ...headers,
        'Content-Type': d.filename.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${d.filename.replace(/[^\w.-]/g, '_')}"`,
        'Content-Length': String(statSync(d.file).size),
        'Cache-Control': 'no-store',
      });
      createReadStream(d.file).pipe(res);
      return;
    }
    const root = this.opts.staticDir ? resolve(this.opts.staticDir) : undefined;
    if (!root || !existsSync(join(root, 'index.html'))) {
      res.writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('the operator UI is not built: run `npm run build`\n');
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, { ...headers, 'Content-Type': 'text/plain' }).end('bad path\n');
      return;
    }
    let file = normalize(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403, { ...headers, 'Content-Type': 'text/plain' }).end('forbidden\n');
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) {
      // client-side routes fall back to the app; missing assets are a 404
      if (extname(pathname)) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      file = join(root, 'index.html');
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const cache = file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600';
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Cache-Control': cache, 'Content-Length': String(statSync(file).size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.sockets.add(ws);
    const meta = { workstation: `browser@${req.socket.remoteAddress ?? '?'}` };
    const signIn = this.signIns.connection(req.socket.remoteAddress ?? '?');
    const listeners = new Map<EventName, Unsubscribe>();
    const highWater = this.opts.highWaterMark ?? 4 << 20;
    const maxBuffered = this.opts.maxBufferedBytes ?? 256 << 20;
    const stallMs = this.opts.stallMs ?? 10_000;
    const maxInflight = this.opts.maxInflight ?? 32;
    const maxReply = this.opts.maxReplyBytes ?? 128 << 20;
    /** point updates held back while the socket is congested: latest per point wins */
    let pendingPoints: Map<string, PointUpdate> | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let badMessages = 0;
    let inflight = 0;
    let paused = false;
    let watch: NodeJS.Timeout | undefined;
    let delivered = -1;
    let progressAt = 0;
    const sock = (ws as unknown as { _socket?: { bytesWritten?: number; writableLength?: number } })._socket;
    /** bytes the kernel took from us: grows while the client reads, stalls when it does not */
    const taken = (): number => (sock?.bytesWritten ?? 0) - (sock?.writableLength ?? 0);
    let closing = false;

    const closeFor = (why: string): void => {
      if (closing) return;
      closing = true;
      this.stats.closedForBackPressure++;
      console.warn(`web: closing ${meta.workstation}: ${why}`);
      ws.close(1008, why.slice(0, 120));
      // a client that reads nothing will not read the close frame either
      setTimeout(() => ws.terminate(), 1000).unref();
    };
    /**
     * Back-pressure: while replies pile up unsent (or too many calls run), the socket is not
     * read, so the client's further calls wait in TCP, not in our memory. A connection that
     * takes none of its replies for stallMs, or lets maxBufferedBytes pile up, is closed.
     */
    const pressure = (): void => {
      if (closing || ws.readyState !== ws.OPEN) return;
      const b = ws.bufferedAmount;
      if (b > maxBuffered) return closeFor(`the client left ${Math.round(b / 1048576)} MiB of replies unread`);
      const congested = b > highWater;
      if (congested || inflight >= maxInflight) {
        if (!paused) {
          paused = true;
          ws.pause();
        }
        const t = taken();
        if (congested && t !== delivered) {
          delivered = t;
          progressAt = Date.now();
        }
        if (congested && Date.now() - progressAt > stallMs) return closeFor(`the client has not read its replies for ${Math.round(stallMs / 1000)} s`);
        watch ??= setInterval(pressure, 200);
        return;
      }
      delivered = -1;
      if (watch) clearInterval(watch);
      watch = undefined;
      if (paused) {
        paused = false;
        ws.resume();
      }
    };

    const unsendable = (m: ServerMessage, e: unknown): void => {
      this.stats.unsendableReplies++;
      const tooLong = e instanceof RangeError || /too large|limit is/.test(String((e as Error)?.message));
      console.error(`web: a ${m.t === 'event' ? `${m.event} event` : 'reply'} to ${meta.workstation} could not be sent:`, (e as Error)?.message ?? e);
      if (m.t !== 'result') return;
      const message = tooLong
        ? `The reply to this call is too large to send (${(e as Error).message}). Ask for less: a shorter period, fewer points or a wider interval.`
        : `The reply to this call could not be sent: ${(e as Error)?.message ?? String(e)}`;
      send({ t: 'result', id: m.id, ok: false, error: { code: tooLong ? 'too-large' : 'internal', message } });
    };
    /** Never throws: a reply that cannot be serialised or sent becomes an error reply. */
    const send = (m: ServerMessage): void => {
      if (ws.readyState !== ws.OPEN || closing) return;
      let text: string;
      try {
        text = JSON.stringify(m);
        if (text.length > maxReply) throw new RangeError(`${Math.round(text.length / 1048576)} MiB; the limit is ${Math.round(maxReply / 1048576)} MiB`);
      } catch (e) {
        if (m.t === 'result' && !m.ok) {
          console.error('web: an error reply could not be serialised:', e);
          return;
        }
        unsendable(m, e);
        return;
      }
      try {
        ws.send(text, (err) => {
          if (err) ws.terminate();
        });
      } catch (e) {
        console.error(`web: send to ${meta.workstation} failed:`, e);
        ws.terminate();
        return;
      }
      if (ws.bufferedAmount > highWater || paused) pressure();
    };
    const drain = (): void => {
      drainTimer = undefined;
      if (!pendingPoints) return;
      if (ws.bufferedAmount > highWater) {
        drainTimer = setTimeout(drain, 50);
        return;
      }
      const batch = [...pendingPoints.values()];
      pendingPoints = undefined;
      send({ t: 'event', event: 'points.changed', data: batch });
    };
    const sendEvent = (event: EventName, data: unknown): void => {
      if (event === 'points.changed' && (pendingPoints || ws.bufferedAmount > highWater)) {
        pendingPoints ??= new Map();
        for (const u of data as PointUpdate[]) pendingPoints.set(u.id, u);
        drainTimer ??= setTimeout(drain, 50);
        return;
      }
      send({ t: 'event', event, data });
    };
    const reply = (id: number, err: unknown): void => {
      const e = err instanceof ApiError ? err : new ApiError('internal', String(err));
      send({ t: 'result', id, ok: false, error: e.toBody() });
    };

    // no session is issued here: the client signs in (auth.signIn) and sends its token
    send({ t: 'hello', session: '', protocol: WIRE_PROTOCOL_VERSION });

    const onMessage = (raw: RawData, isBinary: boolean): void => {
      let msg: unknown;
      try {
        if (isBinary) throw new Error('binary frames are not part of the protocol');
        msg = JSON.parse(raw.toString());
      } catch (e) {
        badMessages++;
        reply(-1, new ApiError('bad-request', `malformed message: ${(e as Error).message}`));
        if (badMessages > 100) ws.close(1008, 'too many malformed messages');
        return;
      }
      const parsed = clientMessageSchema.safeParse(msg);
      if (!parsed.success) {
        badMessages++;
        const id = typeof (msg as { id?: unknown })?.id === 'number' ? (msg as { id: number }).id : -1;
        const issue = parsed.error.issues[0];
        reply(id, new ApiError('bad-request', `malformed message: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`));
        if (badMessages > 100) ws.close(1008, 'too many malformed messages');
        return;
      }
      const m = parsed.data;
      if (m.t === 'call') {
        // frames already received when reading paused still arrive: beyond twice the limit, refuse
        if (inflight >= 2 * maxInflight) {
          this.stats.busyRefusals++;
          reply(m.id, new ApiError('busy', `This connection has ${inflight} calls running; the limit is ${maxInflight}. Wait for their replies.`, { rule: 'limit.connection.inflight' }));
          return;
        }
        inflight++;
        if (inflight >= maxInflight) pressure();
        const run = (): Promise<unknown> => this.dispatcher.call(m.session, m.method, m.arg, meta);
        (KDF_METHODS.has(m.method) ? signIn.run(run) : run())
          .then(
            (result) => send({ t: 'result', id: m.id, ok: true, result }),
            (err: unknown) => reply(m.id, err),
          )
          .catch((e: unknown) => console.error('web: reply failed:', e))
          .finally(() => {
            inflight--;
            if (paused) pressure();
          });
      } else if (m.t === 'listen') {
        try {
          const ev = m.event as EventName;
          listeners.get(ev)?.();
          listeners.set(ev, this.dispatcher.listen(m.session, m.event, (data) => sendEvent(ev, data)));
          send({ t: 'result', id: m.id, ok: true, result: null });
        } catch (err) {
          reply(m.id, err);
        }
      } else {
        listeners.get(m.event as EventName)?.();
        listeners.delete(m.event as EventName);
        send({ t: 'result', id: m.id, ok: true, result: null });
      }
    };
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      try {
        onMessage(raw, isBinary);
      } catch (e) {
        // nothing a client sends may end the core
        console.error(`web: message from ${meta.workstation} failed:`, e);
      }
    });
    ws.on('close', () => {
      for (const off of listeners.values()) off();
      listeners.clear();
      if (drainTimer) clearTimeout(drainTimer);
      if (watch) clearInterval(watch);
      pendingPoints = undefined;
      this.sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }
}
