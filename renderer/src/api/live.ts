/**
 * LiveSite wires an EsmClient to the stores the screens read: connection, sign-in state,
 * session, site model, devices, point metadata and values. On every (re)connection and every
 * sign-in it reloads the site, the point list, the devices and all point values; while
 * disconnected every point shows COMM.
 */
import type { DeviceStatus, EsmClient, SessionInfo, SiteView } from '../../../core/common/api/contract';
import type { PasswordPolicy, SecuritySession } from '../../../core/common/security';
import { isAuthAware, isLockedError, type AuthChange } from './auth';
import { PointStore } from './pointStore';
import { ValueStore } from './valueStore';

export interface ConnectionInfo {
  connected: boolean;
  /** when the state last changed, ms since epoch */
  since: number;
  /** a load after (re)connection failed */
  error: string | null;
}

export type AuthPhase = 'connecting' | 'setup' | 'signedOut' | 'signedIn';

export interface AuthState {
  phase: AuthPhase;
  session: SecuritySession | null;
  /** idle-locked: only re-authentication (or sign-out) brings the screens back */
  locked: boolean;
  policy: PasswordPolicy | null;
  /** why the user is back at the sign-in screen (expired session, signed out elsewhere) */
  notice: string | null;
}

const INITIAL_AUTH: AuthState = { phase: 'connecting', session: null, locked: false, policy: null, notice: null };

/** Pure: the next sign-in state after a session change reported by the transport. */
export function nextAuthState(prev: AuthState, change: AuthChange): AuthState {
  switch (change.kind) {
    case 'session':
      return { ...prev, phase: 'signedIn', session: change.session, locked: false, notice: null };
    case 'locked':
      return prev.phase === 'signedIn' ? { ...prev, locked: true } : prev;
    case 'signedOut':
      return { ...prev, phase: prev.phase === 'setup' ? 'setup' : 'signedOut', session: null, locked: false, notice: change.reason };
  }
}

function asSecuritySession(s: SessionInfo | null): SecuritySession | null {
  const x = s as Partial<SecuritySession> | null;
  if (!x || typeof x.user !== 'string') return null;
  return {
    capabilities: [],
    sites: [],
    idleLockMs: 15 * 60_000,
    mustChangePassword: false,
    ...(x as SessionInfo),
  } as SecuritySession;
}

export function mergeDevices(prev: readonly DeviceStatus[], changed: readonly DeviceStatus[]): DeviceStatus[] {
  if (changed.length === 0) return prev as DeviceStatus[];
  const byId = new Map(prev.map((d) => [d.id, d]));
  for (const d of changed) byId.set(d.id, d);
  return [...byId.values()];
}

export class LiveSite {
  readonly points = new PointStore();
  readonly connection = new ValueStore<ConnectionInfo>({ connected: false, since: Date.now(), error: null });
  readonly session = new ValueStore<SessionInfo | null>(null);
  readonly site = new ValueStore<SiteView | null>(null);
  readonly devices = new ValueStore<readonly DeviceStatus[]>([]);
  readonly auth = new ValueStore<AuthState>(INITIAL_AUTH);
  private generation = 0;
  private readonly disposers: Array<() => void> = [];

  constructor(readonly client: EsmClient) {}

  start(): this {
    this.disposers.push(
      this.client.listen('points.changed', (batch) => {
        this.points.applyBatch(batch);
      }),
      this.client.listen('devices.changed', (list) => {
        this.devices.update((prev) => mergeDevices(prev, list));
      }),
      // a site parameter (contracted power, peak-shaving limit) changed from some screen
      this.client.listen('site.changed', (site) => {
        this.site.set(site);
      }),
      this.client.onConnection((connected) => {
        if (connected) void this.onConnected();
        else this.onDisconnected();
      }),
    );
    if (isAuthAware(this.client)) this.disposers.push(this.client.onAuth((c) => this.onAuthChange(c)));
    return this;
  }

  /** Lock the screens locally (idle timer in the UI; the core locks the session too). */
  lock(): void {
    this.auth.update((a) => (a.phase === 'signedIn' ? { ...a, locked: true } : a));
  }

  /** After a password change the core no longer insists; refresh what it says. */
  async refreshSession(): Promise<void> {
    const s = asSecuritySession(await this.client.call('session.current', {}).catch(() => null));
    this.auth.update((a) => {
      if (!a.session) return a;
      const next = s ? { ...a.session, ...s, token: s.token || a.session.token } : a.session;
      return { ...a, session: { ...next, mustChangePassword: false } };
    });
    this.session.set(this.auth.get().session);
    // the core refused events and data while the password had to be changed
    if (isAuthAware(this.client)) this.client.resubscribe();
    await this.load();
  }

  private onAuthChange(change: AuthChange): void {
    const prev = this.auth.get();
    const next = nextAuthState(prev, change);
    this.auth.set(next);
    this.session.set(next.session);
    if (change.kind === 'session') {
      // a new user (or the same after unlocking): reload what the screens show
      if (change.session.mustChangePassword) return; // nothing loads before the password change
      if (!prev.session || prev.locked || prev.session.user !== change.session.user || prev.session.token !== change.session.token) void this.load();
    } else if (change.kind === 'signedOut') {
      this.generation++;
      this.site.set(null);
      this.devices.set([]);
    }
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
  }

  private async onConnected(): Promise<void> {
    const gen = ++this.generation;
    this.points.setLive(true);
    this.connection.set({ connected: true, since: Date.now(), error: null });
    let setupRequired = false;
    let policy: PasswordPolicy | null = this.auth.get().policy;
    try {
      const st = await this.client.call('auth.status', {});
      setupRequired = st.setupRequired;
      policy = st.passwordPolicy;
    } catch (e) {
      // an older core without sign-in: carry on with whatever session the transport has
      console.warn('[esm] auth.status failed', e);
    }
    if (gen !== this.generation) return;
    const session = asSecuritySession(this.client.session);
    if (setupRequired) {
      this.auth.set({ phase: 'setup', session: null, locked: false, policy, notice: null });
      this.session.set(null);
      return;
    }
    const prev = this.auth.get();
    const locked = !!session && (prev.locked || (session as { locked?: unknown }).locked === true);
    this.auth.set(session ? { phase: 'signedIn', session, locked, policy, notice: null } : { ...prev, phase: 'signedOut', session: null, locked: false, policy });
    this.session.set(session);
    if (session && !session.mustChangePassword) await this.load(gen);
  }

  /** Loads the site, points, devices and values (after a connection or a sign-in). */
  private async load(gen = ++this.generation): Promise<void> {
    if (!this.connection.get().connected) return;
    this.connection.update((c) => (c.error ? { ...c, error: null } : c));
    try {
      const [site, metas, devices] = await Promise.all([
        this.client.call('site.get', {}),
        this.client.call('points.list', {}),
        this.client.call('devices.list', {}),
      ]);
      if (gen !== this.generation) return;
      this.site.set(site);
      this.points.setMeta(metas);
      this.devices.set(devices);
      const states = await this.client.call('points.read', { ids: metas.map((m) => m.id) });
      if (gen !== this.generation) return;
      this.points.applyStates(states);
    } catch (e) {
      if (gen !== this.generation) return;
      if (isLockedError(e)) {
        this.lock();
        return;
      }
      if ((e as { code?: string }).code === 'unauthenticated') return; // back to sign-in
      const message = e instanceof Error ? e.message : String(e);
      console.error('[esm] loading the site failed', e);
      this.connection.update((c) => ({ ...c, error: message }));
    }
  }

  private onDisconnected(): void {
    this.generation++;
    this.points.setLive(false);
    const prev = this.connection.get();
    if (prev.connected || prev.error) this.connection.set({ connected: false, since: Date.now(), error: null });
  }
}
