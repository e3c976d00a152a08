/**
 * CONTRACT TEST DOUBLE of the Ampere partner cloud API (ampere-smart-storage-D3.1 section 1.4).
 * The real cloud cannot be reached from here, so the tests, and the simulator for its simulated
 * T-Pro households, run against this local HTTP server. It is not the vendor's service: it
 * implements the documented contract and checks every request strictly —
 *   headers: `x-api-key` on every request, `Content-Type: application/json` on every request
 *            with a body, `x-access-token` issued by POST /login on every other request;
 *   bodies:  exactly the documented fields, with their formats (days "YYYY-MM-DD", whole-hour
 *            instants "YYYY-MM-DDTHH:00:00Z", slots in order);
 * and answers in the documented shapes. A request that breaks the contract gets a 400 naming
 * what is wrong; the tests count them (`violations`) so a client that strays fails its test.
 *
 * Faults for the client's error paths: tokens that expire, 500 answers, slow answers, a reply
 * that is not JSON, a reply with a field missing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface DoubleDevice {
  deviceId: string;
  deviceName: string;
  /** the systemStatus variables and their values */
  status: Record<string, number>;
  alerts: Array<{ alertId: string; code: string; message: string; severity: string; date: string; active: boolean }>;
  /** every schedule accepted, as sent */
  schedules: Array<Array<{ initTime: string; endTime: string; power: number }>>;
}

export interface DoubleLocation {
  locationId: string;
  locationName: string;
  /** the documented real-time fields */
  realTime: Record<string, number | boolean>;
  devices: DoubleDevice[];
}

export interface DoubleOptions {
  apiKey: string;
  userName: string;
  password: string;
  organizationId: string;
  userId?: string;
  locations: DoubleLocation[];
  /** a token lives this long (default 1 h) */
  tokenTtlMs?: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/;
const STATUS_VARIABLES = new Set([
  'batterySoc',
  'batteryPower',
  'batteryTemperature',
  'inverterActivePowerPh1',
  'inverterActivePowerPh2',
  'inverterActivePowerPh3',
  'meterActivePowerPh1',
  'meterActivePowerPh2',
  'meterActivePowerPh3',
]);

class Violation extends Error {}

export class AmpereCloudContractDouble {
  private server: Server | undefined;
  private readonly tokens = new Map<string, number>();
  /** requests that broke the contract (400s), with the reason */
  readonly violations: string[] = [];
  /** every request: method, path, status answered */
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  /** the next N requests (other than /login) answer 500 */
  failNext = 0;
  /** the next N requests answer after this delay, ms */
  slowNext = 0;
  slowMs = 0;
  /** the next reply is not JSON */
  garbleNext = false;
  /** the next real-time reply lacks `soc` */
  dropSocNext = false;

  constructor(readonly o: DoubleOptions) {}

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('the contract double is not started');
    return `http://127.0.0.1:${a.port}`;
  }

  start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve(this.url)));
  }

  stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  }

  /** every issued token expires now */
  expireTokens(): void {
    this.tokens.clear();
  }

  location(id: string): DoubleLocation {
    const l = this.o.locations.find((x) => x.locationId === id);
    if (!l) throw new Error(`no location ${id} in the double`);
    return l;
  }

  device(id: string): DoubleDevice {
    for (const l of this.o.locations) for (const d of l.devices) if (d.deviceId === id) return d;
    throw new Error(`no device ${id} in the double`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, body: unknown): void => {
      this.requests.push({ method, path, status });
      if (status === 400) this.violations.push(`${method} ${path}: ${(body as { message: string }).message}`);
      let text = JSON.stringify(body);
      if (this.garbleNext && path !== '/login') {
        this.garbleNext = false;
        text = '<html>502 Bad Gateway</html>';
      }
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
    };
    try {
      const raw = await readBody(req);
      if (this.slowNext > 0) {
        this.slowNext--;
        await new Promise((r) => setTimeout(r, this.slowMs));
      }
      if (req.headers['x-api-key'] === undefined) throw new Violation('the x-api-key header is missing');
      if (req.headers['x-api-key'] !== this.o.apiKey) return send(401, { success: false, message: 'Invalid API key' });
      let body: unknown;
      if (raw.length > 0) {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new Violation('a body without Content-Type: application/json');
        try {
          body = JSON.parse(raw);
        } catch {
          throw new Violation('the body is not JSON');
        }
      }
      if (method === 'POST' && path === '/login') return send(...this.login(body));
      const token = req.headers['x-access-token'];
      if (typeof token !== 'string') throw new Violation('the x-access-token header is missing');
      const exp = this.tokens.get(token);
      if (exp === undefined || exp < Date.now()) return send(401, { success: false, message: 'Token expired or invalid' });
      if (this.failNext > 0) {
        this.failNext--;
        return send(500, { success: false, message: 'Internal server error' });
      }
      return send(...this.route(method, path, body));
    } catch (e) {
      if (e instanceof Violation) return send(400, { success: false, message: e.message });
      return send(500, { success: false, message: String(e) });
    }
  }

  private login(body: unknown): [number, unknown] {
    const b = exact(body, ['userName', 'password'], 'the login body');
    if (typeof b.userName !== 'string' || typeof b.password !== 'string') throw new Violation('userName and password are strings');
    if (b.userName !== this.o.userName || b.password !== this.o.password) return [401, { success: false, message: 'Wrong user name or password' }];
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, Date.now() + (this.o.tokenTtlMs ?? 3_600_000));
    return [200, { success: true, token }];
  }

  private route(method: string, path: string, body: unknown): [number, unknown] {
    const p = path.split('/').slice(1).map(decodeURIComponent);
    const get = method === 'GET';
    if (get && body !== undefined) throw new Violation(`GET ${path} has a body`);
    const userId = this.o.userId ?? 'u1';
    const locOut = (l: DoubleLocation): unknown => ({ locationId: l.locationId, locationName: l.locationName, pvPowerContract: 0, pvSolar: 0, devices: l.devices.map((d) => ({ deviceId: d.deviceId, deviceName: d.deviceName, typeId: 'T-PRO' })) });
    if (get && path === '/users/profile') return [200, { success: true, user: { userId, userName: this.o.userName, locale: 'es' } }];
    if (get && p[0] === 'users' && p[2] === 'locations' && p.length === 3) {
      if (p[1] !== userId) return [404, { success: false, message: 'User not found' }];
      return [200, { success: true, user: { userId, userName: this.o.userName, locations: this.o.locations.map(locOut) } }];
    }
    if (p[0] === 'locations' && p.length >= 3) {
      const l = this.o.locations.find((x) => x.locationId === p[1]);
      if (!l) return [404, { success: false, message: 'Location not found' }];
      if (get && p[2] === 'organizations' && p[4] === 'settings' && p.length === 5) {
        if (p[3] !== this.o.organizationId) return [403, { success: false, message: 'Organization not allowed' }];
        return [200, { success: true, location: locOut(l) }];
      }
      if (get && p[2] === 'real-time' && p[3] === 'info' && p.length === 4) {
        const info: Record<string, unknown> = { ...l.realTime };
        if (this.dropSocNext) {
          this.dropSocNext = false;
          delete info.soc;
        }
        return [200, { success: true, location_info: info }];
      }
      if (method === 'POST' && p[2] === 'performance' && p[3] === 'info' && p.length === 4) {
        const b = exact(body, ['dateIni', 'dateFin'], 'the performance body');
        if (typeof b.dateIni !== 'string' || !DAY.test(b.dateIni) || typeof b.dateFin !== 'string' || !DAY.test(b.dateFin)) throw new Violation('dateIni and dateFin are days YYYY-MM-DD');
        return [200, { success: true, performance: [] }];
      }
      if (get && p[2] === 'achievements' && (p[3] === 'totals' ? p.length === 4 : (p[3] === 'weekly' || p[3] === 'monthly') && p.length === 5)) {
        if (p.length === 5 && !DAY.test(p[4] ?? '')) throw new Violation('the achievements date is a day YYYY-MM-DD');
        return [200, { success: true, achievements: { co2: 0, savings: 0 } }];
      }
    }
    if (p[0] === 'devices' && p[2] === 'organizations' && p.length === 5) {
      let d: DoubleDevice;
      try {
        d = this.device(p[1] ?? '');
      } catch {
        return [404, { success: false, message: 'Device not found' }];
      }
      if (p[3] !== this.o.organizationId) return [403, { success: false, message: 'Organization not allowed' }];
      if (method === 'POST' && p[4] === 'status') {
        let vars = [...Object.keys(d.status)];
        if (body !== undefined && Object.keys(body as object).length > 0) {
          const b = exact(body, ['variables'], 'the status body');
          if (!Array.isArray(b.variables) || b.variables.some((v) => typeof v !== 'string' || !STATUS_VARIABLES.has(v))) throw new Violation('variables is a list of the documented variable names');
          vars = b.variables as string[];
        }
        return [200, { success: true, systemStatus: Object.fromEntries(vars.map((v) => [v, d.status[v] ?? null])) }];
      }
      if (method === 'POST' && p[4] === 'history') {
        const b = exact(body, ['initTime', 'endTime'], 'the history body');
        if (typeof b.initTime !== 'string' || !HOUR.test(b.initTime) || typeof b.endTime !== 'string' || !HOUR.test(b.endTime)) throw new Violation('initTime and endTime are YYYY-MM-DDTHH:00:00Z');
        return [200, { success: true, history: [] }];
      }
      if (method === 'POST' && p[4] === 'schedule') {
        const b = exact(body, ['schedule'], 'the schedule body');
        if (!Array.isArray(b.schedule) || b.schedule.length === 0) throw new Violation('schedule is a non-empty list');
        const slots = b.schedule.map((s: unknown, i: number) => {
          const x = exact(s, ['initTime', 'endTime', 'power'], `schedule[${i}]`);
          if (typeof x.initTime !== 'string' || !HOUR.test(x.initTime) || typeof x.endTime !== 'string' || !HOUR.test(x.endTime)) throw new Violation(`schedule[${i}]: initTime and endTime are YYYY-MM-DDTHH:00:00Z`);
          if (typeof x.power !== 'number' || !Number.isFinite(x.power)) throw new Violation(`schedule[${i}].power is a number`);
          if (x.endTime <= x.initTime) throw new Violation(`schedule[${i}] ends before it starts`);
          return { initTime: x.initTime, endTime: x.endTime, power: x.power };
        });
        d.schedules.push(slots);
        return [200, { success: true, message: `${slots.length} slot(s) scheduled` }];
      }
      if (method === 'GET' && p[4] === 'alerts') return [200, { success: true, alerts: d.alerts }];
    }
    return [404, { success: false, message: `No route ${method} ${path}` }];
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      s += c;
      if (s.length > 1_000_000) reject(new Violation('the body is over 1 MB'));
    });
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

/** the body is an object with exactly these fields */
function exact(body: unknown, fields: readonly string[], what: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Violation(`${what} is not an object`);
  const keys = Object.keys(body);
  const extra = keys.filter((k) => !fields.includes(k));
  const missing = fields.filter((f) => !keys.includes(f));
  if (extra.length || missing.length) throw new Violation(`${what}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.join(', ')}` : ''}`);
  return body as Record<string, unknown>;
}
