/**
 * A client for the Ampere partner cloud API (ampere-smart-storage-D3.1 section 1.4): the
 * smart-storage systems (T-Pro households, SEMS) whose data and schedules go through the
 * vendor's cloud rather than a local protocol.
 *
 * Every request carries `Content-Type: application/json` and `x-api-key`; after `POST /login`
 * (userName, password) every other request also carries `x-access-token`. The client:
 * - signs in on demand and again once when a request is refused for an expired token;
 * - retries a request that failed for a reason worth retrying (a 5xx answer, a refused or
 *   reset connection, no answer within `timeoutMs`) up to `attempts` times with back-off;
 * - checks every reply's shape (zod) and turns what is wrong into a sentence naming the request
 *   ("The Ampere cloud's reply to GET /locations/l1/real-time/info has no number at
 *   location_info.soc"), never a raw schema dump;
 * - counts the bytes it sent and received (the device's communication statistics).
 */
import { z } from 'zod';

export interface AmpereCloudOptions {
  /** e.g. https://api-partners.ampere-energy.cloud */
  baseUrl: string;
  apiKey: string;
  userName: string;
  password: string;
  /** per attempt, ms (default 10 s) */
  timeoutMs?: number;
  /** attempts for a retryable failure (default 3) */
  attempts?: number;
  /** first back-off, doubled per attempt (default 250 ms) */
  backoffMs?: number;
}

/** The cloud answered, and its answer is a refusal (bad key, wrong password, success: false, 4xx). */
export class CloudRefusal extends Error {
  override name = 'CloudRefusal';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The cloud could not be reached or did not answer in time (after every attempt). */
export class CloudUnreachable extends Error {
  override name = 'CloudUnreachable';
}

/** The cloud answered something that is not the documented contract. */
export class CloudContractError extends Error {
  override name = 'CloudContractError';
}

const num = z.number().finite();
const ok = z.object({ success: z.literal(true) }).passthrough();

const loginReply = ok.extend({ token: z.string().min(1) });
const deviceSchema = z.object({ deviceId: z.string().min(1), deviceName: z.string().optional(), description: z.string().optional(), typeId: z.string().optional() }).passthrough();
const locationSchema = z
  .object({ locationId: z.string().min(1), locationName: z.string().optional(), pvPowerContract: num.optional(), pvSolar: num.optional(), devices: z.array(deviceSchema).default([]) })
  .passthrough();
const profileReply = ok.extend({ user: z.object({ userId: z.string().min(1), userName: z.string().optional() }).passthrough() });
const locationsReply = ok.extend({ user: z.object({ userId: z.string().min(1), locations: z.array(locationSchema) }).passthrough() });
const settingsReply = ok.extend({ location: locationSchema });
/** the documented real-time fields: numbers, plus flow and presence flags */
export const realTimeSchema = z
  .object({
    soc: num,
    batteryPower: num,
    batteryVoltage: num.optional(),
    inverterPower: num.optional(),
    acLoadsPower: num.optional(),
    meterVoltage: num.optional(),
    meterPower: num,
    pvPower: num,
    loadPower: num.optional(),
    online: z.boolean(),
  })
  .catchall(z.union([num, z.boolean(), z.string(), z.null()]));
export type RealTimeInfo = z.infer<typeof realTimeSchema>;
const realTimeReply = ok.extend({ location_info: realTimeSchema });
const statusReply = ok.extend({ systemStatus: z.record(z.string(), z.union([num, z.null()])) });
const alertSchema = z
  .object({ alertId: z.string().min(1), code: z.string().optional(), message: z.string().min(1), severity: z.string().optional(), date: z.string().optional(), active: z.boolean().default(true) })
  .passthrough();
export type CloudAlert = z.infer<typeof alertSchema>;
const alertsReply = ok.extend({ alerts: z.array(alertSchema) });
const scheduleReply = ok.extend({ message: z.string().optional() });

export interface ScheduleSlot {
  /** ms since the epoch, on a whole hour (the API's "YYYY-MM-DDTHH:00:00Z") */
  initTime: number;
  endTime: number;
  /** kW; positive charges the battery (the vendor's convention, see README) */
  power: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** "YYYY-MM-DDTHH:00:00Z" of a whole-hour instant; throws for any other */
export function hourStamp(ms: number, what: string): string {
  if (!Number.isFinite(ms) || ms % 3_600_000 !== 0) throw new RangeError(`${what} must fall on a whole hour (UTC), got ${Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)}`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function describeIssue(e: z.ZodError): string {
  const i = e.issues[0];
  if (!i) return 'an unexpected shape';
  const path = i.path.join('.') || 'the top level';
  if (i.code === 'invalid_type') return `${i.message.toLowerCase().includes('received undefined') ? 'nothing' : 'the wrong type'} at ${path} (${i.expected} expected)`;
  if (i.code === 'invalid_value') return `an unexpected value at ${path}`;
  return `${i.message} at ${path}`;
}

export class AmpereCloudClient {
  private token: string | undefined;
  private timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  bytesOut = 0;
  bytesIn = 0;
  /** sign-ins made (the first and each after an expired token) */
  logins = 0;

  constructor(private readonly o: AmpereCloudOptions) {
    if (!/^https?:\/\//.test(o.baseUrl)) throw new Error(`the Ampere cloud base URL must start with http:// or https://, got "${o.baseUrl}"`);
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, o.attempts ?? 3);
    this.backoffMs = o.backoffMs ?? 250;
  }

  /** the time each attempt waits for an answer, ms */
  setTimeout(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`a timeout is a positive number of ms, got ${ms}`);
    this.timeoutMs = ms;
  }

  /** POST /login: a fresh access token */
  async login(): Promise<void> {
    const r = await this.send('POST', '/login', { userName: this.o.userName, password: this.o.password }, false);
    this.token = this.parse(loginReply, r, 'POST /login').token;
    this.logins++;
  }

  get signedIn(): boolean {
    return this.token !== undefined;
  }

  async profile(): Promise<z.infer<typeof profileReply>['user']> {
    return this.parse(profileReply, await this.call('GET', '/users/profile'), 'GET /users/profile').user;
  }

  async locations(userId: string): Promise<z.infer<typeof locationSchema>[]> {
    const path = `/users/${seg(userId)}/locations`;
    return this.parse(locationsReply, await this.call('GET', path), `GET ${path}`).user.locations;
  }

  async settings(locationId: string, organizationId: string): Promise<z.infer<typeof locationSchema>> {
    const path = `/locations/${seg(locationId)}/organizations/${seg(organizationId)}/settings`;
    return this.parse(settingsReply, await this.call('GET', path), `GET ${path}`).location;
  }

  async realTime(locationId: string): Promise<RealTimeInfo> {
    const path = `/locations/${seg(locationId)}/real-time/info`;
    return this.parse(realTimeReply, await this.call('GET', path), `GET ${path}`).location_info;
  }

  /** POST /locations/{id}/performance/info for whole days "YYYY-MM-DD" (the shape is not documented: returned as is) */
  async performance(locationId: string, dateIni: string, dateFin: string): Promise<Record<string, unknown>> {
    if (!DAY.test(dateIni) || !DAY.test(dateFin)) throw new RangeError(`performance dates are days "YYYY-MM-DD", got "${dateIni}" and "${dateFin}"`);
    if (dateIni > dateFin) throw new RangeError(`the performance period starts (${dateIni}) after it ends (${dateFin})`);
    const path = `/locations/${seg(locationId)}/performance/info`;
    return this.parse(ok, await this.call('POST', path, { dateIni, dateFin }), `POST ${path}`);
  }

  /** achievements: totals, or the week / month containing a day "YYYY-MM-DD" */
  async achievements(locationId: string, period: 'totals' | { weekly: string } | { monthly: string }): Promise<Record<string, unknown>> {
    let path = `/locations/${seg(locationId)}/achievements/`;
    if (period === 'totals') path += 'totals';
    else {
      const [kind, day] = 'weekly' in period ? ['weekly', period.weekly] : ['monthly', period.monthly];
      if (!DAY.test(day)) throw new RangeError(`an achievements date is a day "YYYY-MM-DD", got "${day}"`);
      path += `${kind}/${day}`;
    }
    return this.parse(ok, await this.call('GET', path), `GET ${path}`);
  }

  /** POST /devices/{id}/organizations/{org}/status, optionally for some variables only */
  async deviceStatus(deviceId: string, organizationId: string, variables?: readonly string[]): Promise<Record<string, number | null>> {
    const path = `/devices/${seg(deviceId)}/organizations/${seg(organizationId)}/status`;
    return this.parse(statusReply, await this.call('POST', path, variables ? { variables } : {}), `POST ${path}`).systemStatus;
  }

  async deviceHistory(deviceId: string, organizationId: string, initTime: number, endTime: number): Promise<Record<string, unknown>> {
    if (endTime <= initTime) throw new RangeError('the history period must end after it starts');
    const path = `/devices/${seg(deviceId)}/organizations/${seg(organizationId)}/history`;
    return this.parse(ok, await this.call('POST', path, { initTime: hourStamp(initTime, 'initTime'), endTime: hourStamp(endTime, 'endTime') }), `POST ${path}`);
  }

  async deviceAlerts(deviceId: string, organizationId: string): Promise<CloudAlert[]> {
    const path = `/devices/${seg(deviceId)}/organizations/${seg(organizationId)}/alerts`;
    return this.parse(alertsReply, await this.call('GET', path), `GET ${path}`).alerts;
  }

  /** POST …/schedule: the slots must be whole hours, in order, not overlapping, with finite power */
  async sendSchedule(deviceId: string, organizationId: string, slots: readonly ScheduleSlot[]): Promise<string | undefined> {
    if (slots.length === 0) throw new RangeError('a schedule needs at least one slot');
    const body = {
      schedule: slots.map((s, i) => {
        if (!Number.isFinite(s.power)) throw new RangeError(`schedule slot ${i + 1}: the power is not a number`);
        if (s.endTime <= s.initTime) throw new RangeError(`schedule slot ${i + 1} ends before it starts`);
        const prev = slots[i - 1];
        if (prev && s.initTime < prev.endTime) throw new RangeError(`schedule slot ${i + 1} overlaps slot ${i}`);
        return { initTime: hourStamp(s.initTime, `schedule slot ${i + 1} initTime`), endTime: hourStamp(s.endTime, `schedule slot ${i + 1} endTime`), power: s.power };
      }),
    };
    const path = `/devices/${seg(deviceId)}/organizations/${seg(organizationId)}/schedule`;
    return this.parse(scheduleReply, await this.call('POST', path, body), `POST ${path}`).message;
  }

  // ------------------------------------------------------------------ transport

  /** an authenticated request: signs in first when needed, and once more if the token expired */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (!this.token) await this.login();
    try {
      return await this.send(method, path, body, true);
    } catch (e) {
      if (e instanceof CloudRefusal && (e.status === 401 || e.status === 403) && this.token) {
        this.token = undefined;
        await this.login();
        return this.send(method, path, body, true);
      }
      throw e;
    }
  }

  private async send(method: 'GET' | 'POST', path: string, body: unknown, auth: boolean): Promise<unknown> {
    const what = `${method} ${path}`;
    let lastWhy = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 2)));
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'x-api-key': this.o.apiKey };
      if (auth && this.token) headers['x-access-token'] = this.token;
      const text = body === undefined ? undefined : JSON.stringify(body);
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
      let res: Response;
      let raw: string;
      try {
        this.bytesOut += Buffer.byteLength(`${method} ${path}`) + (text ? Buffer.byteLength(text) : 0);
        res = await fetch(this.o.baseUrl.replace(/\/+$/, '') + path, { method, headers, ...(text !== undefined ? { body: text } : {}), signal: ctl.signal });
        raw = await res.text();
        this.bytesIn += Buffer.byteLength(raw);
      } catch (e) {
        lastWhy = ctl.signal.aborted ? `no answer within ${this.timeoutMs} ms` : `the connection failed (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message})`;
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (res.status >= 500) {
        lastWhy = `it answered ${res.status}${messageOf(raw) ? `: ${messageOf(raw)}` : ''}`;
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new CloudContractError(`The Ampere cloud's reply to ${what} is not JSON (status ${res.status}, it begins "${raw.slice(0, 40)}")`);
      }
      if (res.status === 401 || res.status === 403) {
        const m = messageOf(raw) ?? 'no reason given';
        throw new CloudRefusal(path === '/login' ? `The Ampere cloud refused the sign-in of "${this.o.userName}": ${m}` : `The Ampere cloud refused ${what}: ${m}`, res.status);
      }
      if (res.status >= 400) throw new CloudRefusal(`The Ampere cloud refused ${what} (${res.status}): ${messageOf(raw) ?? 'no reason given'}`, res.status);
      if (json && typeof json === 'object' && (json as { success?: unknown }).success === false) {
        throw new CloudRefusal(`The Ampere cloud refused ${what}: ${messageOf(raw) ?? 'success is false, no reason given'}`, res.status);
      }
      return json;
    }
    throw new CloudUnreachable(`The Ampere cloud did not answer ${what} after ${this.attempts} attempt${this.attempts === 1 ? '' : 's'}: ${lastWhy}`);
  }

  private parse<T extends z.ZodType>(schema: T, reply: unknown, what: string): z.infer<T> {
    const r = schema.safeParse(reply);
    if (!r.success) throw new CloudContractError(`The Ampere cloud's reply to ${what} has ${describeIssue(r.error)}`);
    return r.data;
  }
}

function messageOf(raw: string): string | undefined {
  try {
    const j = JSON.parse(raw) as { message?: unknown; error?: unknown };
    const m = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : undefined;
    return m?.slice(0, 200);
  } catch {
    return undefined;
  }
}

/** one path segment, encoded (an id with "/" cannot escape its place in the path) */
function seg(s: string): string {
  if (s.length === 0) throw new RangeError('an empty id in a request path');
  return encodeURIComponent(s);
}
