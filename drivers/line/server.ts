/**
 * A device that speaks the line protocol (drivers/line/README.md), for tests and demos: a
 * TCP server holding named values. Real sockets on loopback; one client or many.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface LineServerOptions {
  host?: string;
  port?: number;
  /** when set, a client must send `AUTH <password>` first */
  password?: string;
}

export class LineServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly values = new Map<string, string>();
  /** every `SET` a client made, in order */
  readonly writes: Array<{ key: string; value: string }> = [];
  /** keys whose writes the device refuses (answers ERR) */
  readonly readOnly = new Set<string>();

  constructor(private readonly opts: LineServerOptions = {}) {}

  set(key: string, value: number | boolean): void {
    this.values.set(key, String(typeof value === 'boolean' ? Number(value) : value));
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  get connections(): number {
    return this.sockets.size;
  }

  async start(): Promise<number> {
    const server = createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** closes the listener and every connection */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let authed = this.opts.password === undefined;
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 65536) return socket.destroy();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        const [verb = '', ...args] = line.split(/\s+/);
        if (verb === 'AUTH') {
          authed = args[0] === this.opts.password;
          socket.write(authed ? 'OK\n' : 'ERR wrong password\n');
        } else if (!authed) socket.write('ERR authenticate first\n');
        else if (verb === 'GET') {
          const missing = args.filter((k) => !this.values.has(k));
          socket.write(missing.length > 0 ? `ERR unknown key ${missing.join(' ')}\n` : `${args.map((k) => `${k}=${this.values.get(k)}`).join(' ')}\n`);
        } else if (verb === 'SET' && args.length === 2) {
          const [key = '', value = ''] = args;
          if (this.readOnly.has(key) || !this.values.has(key)) socket.write(`ERR cannot set ${key}\n`);
          else {
            this.values.set(key, value);
            this.writes.push({ key, value });
            socket.write('OK\n');
          }
        } else socket.write(`ERR unknown command ${verb}\n`);
      }
    });
  }
}
