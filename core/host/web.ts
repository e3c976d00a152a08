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
  /** above this many buffered bytes, point updates are coalesced per connection */
  highWaterMark?: number;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export class WebTransport {
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private port = 0;
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly dispatcher: ApiDispatcher,
    private readonly opts: WebOptions,
  ) {
    if (!isLoopback(opts.bind) && !opts.tls)
      throw new Error(`refusing to serve on ${opts.bind} without TLS: browser mode binds to 127.0.0.1 unless a certificate and key are configured`);
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
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
    this.server?.closeAllConnections?.();
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
    const listeners = new Map<EventName, Unsubscribe>();
    const highWater = this.opts.highWaterMark ?? 4 << 20;
    /** point updates held back while the socket is congested: latest per point wins */
    let pendingPoints: Map<string, PointUpdate> | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let badMessages = 0;

    const send = (m: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
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

    ws.on('message', (raw: RawData, isBinary: boolean) => {
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
        this.dispatcher.call(m.session, m.method, m.arg, meta).then(
          (result) => send({ t: 'result', id: m.id, ok: true, result }),
          (err: unknown) => reply(m.id, err),
        );
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
    });
    ws.on('close', () => {
      for (const off of listeners.values()) off();
      listeners.clear();
      if (drainTimer) clearTimeout(drainTimer);
      this.sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }
}
