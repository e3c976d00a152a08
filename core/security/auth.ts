/**
 * Accounts and sign-in: first-start setup of the administrator, sign-in with lockout and
 * exponential back-off, sessions (random bearer token stored only as its SHA-256) with an
 * absolute expiry and an idle lock, re-authentication, sign-out, password change and
 * administrator impersonation. Every attempt is audited.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api/contract';
import type { LockoutView, PasswordPolicy, SecuritySession, SessionView } from '../common/security';
import type { AuditLog } from '../audit/log';
import { Authorizer } from './authorizer';
import { checkPasswordPolicy, DEFAULT_PASSWORD_POLICY, PasswordHasher } from './password';
import { auditActor, type Clock, type Principal } from './principal';
import { normaliseUsername, SecurityStore, type UserRow } from './store';
import type Database from 'better-sqlite3';

/** Verifies credentials. 'local' checks the database's scrypt hash; LDAP plugs in here later. */
export interface AuthProvider {
  readonly id: string;
  /**
   * `local` is the user's row if the name is known locally. A directory provider may accept
   * a name not yet known locally and return its groups for mapping to roles (not used yet).
   */
  authenticate(username: string, password: string, local: UserRow | undefined): Promise<AuthResult>;
}

export type AuthResult = { ok: true; displayName?: string; groups?: string[] } | { ok: false };

export class LocalAuthProvider implements AuthProvider {
  readonly id = 'local';
  constructor(private readonly hasher: PasswordHasher) {}
  async authenticate(_username: string, password: string, local: UserRow | undefined): Promise<AuthResult> {
    const ok = await this.hasher.verify(password, local?.password_hash ?? null);
    return ok ? { ok: true } : { ok: false };
  }
}

export interface LockoutPolicy {
  /** consecutive failures of one name from one source (workstation) before the first lock */
  threshold: number;
  /** first lock; each further failure doubles it */
  baseMs: number;
  maxMs: number;
  /** failures older than this are forgotten */
  resetAfterMs: number;
  /**
   * The account-wide back-off (failures of the name from every source together): a higher
   * threshold and a short maximum, so guessing from many addresses is slowed while nobody can
   * keep the owner locked out for long from somewhere else.
   */
  accountThreshold: number;
  accountMaxMs: number;
  /**
   * At most this many (name, source) and name rows are kept: every failed sign-in of an unknown
   * name adds one, so a flood of guesses must not grow the database or the administrator's
   * list without bound. Forgotten failures are pruned first, then the oldest rows.
   */
  maxTracked: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  threshold: 5,
  baseMs: 30_000,
  maxMs: 15 * 60_000,
  resetAfterMs: 60 * 60_000,
  accountThreshold: 20,
  accountMaxMs: 60_000,
  maxTracked: 20_000,
};

/** The administrator's lockout list shows at most this many entries, latest lock first. */
export const MAX_LOCKOUTS_LISTED = 1000;

export interface AuthOptions {
  audit: AuditLog;
  now?: Clock;
  hasher?: PasswordHasher;
  policy?: PasswordPolicy;
  /** absolute session lifetime; default 12 h (a shift) */
  sessionTtlMs?: number;
  /** idle time after which the session locks and needs the password; default 15 min */
  idleLockMs?: number;
  /** how long a (re-)authentication counts for critical commands; default 5 min */
  reauthWindowMs?: number;
  /** lifetime of an impersonation session; default 1 h */
  impersonationTtlMs?: number;
  lockout?: Partial<LockoutPolicy>;
  /** by provider id; 'local' is always present */
  providers?: AuthProvider[];
  /** when set, auth.setup must present it (printed by the host at first start) */
  setupToken?: string;
}

interface SessionRow {
  token_hash: string;
  id: string;
  user_id: string;
  impersonator_id: string | null;
  workstation: string;
  created_at: number;
  last_activity_at: number;
  expires_at: number;
  reauth_at: number | null;
  revoked_at: number | null;
}

const ACTIVITY_WRITE_MS = 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const unauthenticated = (rule: string, message: string): ApiError => new ApiError('unauthenticated', message, { rule });

export class AuthService {
  readonly now: Clock;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly sessionTtlMs: number;
  readonly idleLockMs: number;
  readonly reauthWindowMs: number;
  readonly lockout: LockoutPolicy;
  private readonly impersonationTtlMs: number;
  private readonly providers = new Map<string, AuthProvider>();
  private readonly audit: AuditLog;
  private readonly store: SecurityStore;
  private readonly authorizer: Authorizer;
  private readonly setupToken: string | undefined;

  constructor(
    private readonly db: Database.Database,
    o: AuthOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.hasher = o.hasher ?? new PasswordHasher();
    this.policy = o.policy ?? DEFAULT_PASSWORD_POLICY;
    this.sessionTtlMs = o.sessionTtlMs ?? 12 * 3600_000;
    this.idleLockMs = o.idleLockMs ?? 15 * 60_000;
    this.reauthWindowMs = o.reauthWindowMs ?? 5 * 60_000;
    this.impersonationTtlMs = o.impersonationTtlMs ?? 3600_000;
    this.lockout = { ...DEFAULT_LOCKOUT, ...o.lockout };
    this.audit = o.audit;
    this.setupToken = o.setupToken;
    this.store = new SecurityStore(db, this.now);
    this.store.seedBuiltinRoles();
    this.authorizer = new Authorizer(this.now);
    this.providers.set('local', new LocalAuthProvider(this.hasher));
    for (const p of o.providers ?? []) this.providers.set(p.id, p);
  }

  status(): { setupRequired: boolean; passwordPolicy: PasswordPolicy } {
    return { setupRequired: this.store.userCount() === 0, passwordPolicy: this.policy };
  }

  // ---------------------------------------------------------------- setup

  /** First start: creates the administrator (only while no user exists) and signs them in. */
  async setupAdmin(
    arg: { username: string; displayName: string; password: string; setupToken?: string },
    workstation: string,
  ): Promise<SecuritySession> {
    const username = normaliseUsername(arg.username);
    const refuse = (rule: string, message: string, code: 'conflict' | 'forbidden' | 'bad-request' = 'forbidden'): never => {
      this.audit.append({ type: 'auth.setup', actor: username, workstation, outcome: 'refused', rule });
      throw new ApiError(code, message, { rule });
    };
    if (this.store.userCount() > 0) refuse('setup.done', 'the administrator already exists; sign in instead', 'conflict');
    if (this.setupToken !== undefined && !safeEqual(arg.setupToken ?? '', this.setupToken))
      refuse('setup.token', 'the setup token is missing or wrong (see the host log of the first start)');
    const problems = checkPasswordPolicy(arg.password, this.policy, { username, displayName: arg.displayName });
    if (problems.length) refuse('password.policy', `password: ${problems.join('; ')}`, 'bad-request');
    const hash = await this.hasher.hash(arg.password);
    const t = this.now();
    const id = newUserId();
    const created = this.db
      .transaction(() => {
        if (this.store.userCount() > 0) return false; // lost a race with another setup
        this.db
          .prepare(
            `INSERT INTO users (id, username, display_name, provider, password_hash, password_changed_at, all_sites, created_at, created_by, updated_at)
             VALUES (?, ?, ?, 'local', ?, ?, 1, ?, NULL, ?)`,
          )
          .run(id, username, arg.displayName, hash, t, t, t);
        this.store.setRoles(id, ['administrator']);
        return true;
      })
      .immediate();
    if (!created) refuse('setup.done', 'the administrator already exists; sign in instead', 'conflict');
    this.audit.append({ type: 'auth.setup', actor: username, workstation, target: username, outcome: 'ok', after: { username, roles: ['administrator'] } });
    return this.openSession(this.store.userById(id)!, workstation, null);
  }

  // ---------------------------------------------------------------- sign-in

  async signIn(usernameIn: string, password: string, workstation: string): Promise<SecuritySession> {
    const username = normaliseUsername(usernameIn);
    const now = this.now();
    const lock = this.currentLock(username, workstation, now);
    if (lock) {
      const s = Math.ceil((lock.until - now) / 1000);
      this.audit.append({ type: 'auth.signin', actor: username, workstation, outcome: 'refused', rule: 'auth.locked-out', details: { lockedUntil: lock.until, scope: lock.scope } });
      throw unauthenticated(
        'auth.locked-out',
        lock.scope === 'source'
          ? `too many failed sign-ins for this name from this workstation: try again in ${s} s`
          : `too many failed sign-ins for this name from several workstations: try again in ${s} s`,
      );
    }
    const user = this.store.userByName(username);
    const provider = this.providers.get(user?.provider ?? 'local');
    const result = provider ? await provider.authenticate(username, password, user) : { ok: false as const };
    if (!result.ok || !user) {
      const locked = this.recordFailure(username, workstation);
      this.audit.append({
        type: 'auth.signin',
        actor: username,
        workstation,
        outcome: 'refused',
        rule: 'auth.bad-credentials',
        details: { knownUser: user !== undefined, ...(locked ? { lockedUntil: locked } : {}) },
      });
      throw unauthenticated('auth.bad-credentials', 'wrong user name or password');
    }
    this.clearFailures(username, workstation);
    const principal = this.principalFor(user, workstation, null, null, null);
    const account = this.authorizer.checkAccount(principal);
    if (!account.allowed) {
      this.audit.append({ type: 'auth.signin', actor: username, workstation, outcome: 'refused', rule: account.rule });
      throw unauthenticated(account.rule, account.message);
    }
    if (user.provider === 'local' && user.password_hash && this.hasher.needsRehash(user.password_hash)) {
      this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(await this.hasher.hash(password), user.id);
    }
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?').run(now, user.id);
    const session = this.openSession(user, workstation, null);
    this.audit.append({ type: 'auth.signin', actor: username, workstation, outcome: 'ok', details: { provider: user.provider } });
    return session;
  }

  /** The lock that refuses this name from this source now (the later one), if any. */
  private currentLock(username: string, source: string, now: number): { until: number; scope: 'source' | 'account' } | null {
    const pair = this.db.prepare('SELECT locked_until FROM login_throttle_source WHERE username = ? AND source = ?').get(username, source) as
      | { locked_until: number | null }
      | undefined;
    const acct = this.store.lockedUntil(username);
    const p = pair?.locked_until ?? null;
    const candidates: Array<{ until: number; scope: 'source' | 'account' }> = [];
    if (p !== null && p > now) candidates.push({ until: p, scope: 'source' });
    if (acct !== null && acct > now) candidates.push({ until: acct, scope: 'account' });
    candidates.sort((a, b) => b.until - a.until);
    return candidates[0] ?? null;
  }

  /**
   * Counts a failure for the name from this source and for the name overall; returns the end
   * of the lock this failure starts, if any.
   */
  private recordFailure(username: string, source: string): number | null {
    const now = this.now();
    const L = this.lockout;
    const next = (row: { failures: number; last_failure_at: number | null } | undefined, threshold: number, maxMs: number) => {
      const stale = !row || row.last_failure_at === null || now - row.last_failure_at > L.resetAfterMs;
      const failures = (stale ? 0 : row.failures) + 1;
      const locked = failures >= threshold ? now + Math.min(maxMs, L.baseMs * 2 ** (failures - threshold)) : null;
      return { failures, locked };
    };
    const pairRow = this.db.prepare('SELECT failures, last_failure_at FROM login_throttle_source WHERE username = ? AND source = ?').get(username, source) as
      | { failures: number; last_failure_at: number | null }
      | undefined;
    const pair = next(pairRow, L.threshold, L.maxMs);
    this.db
      .prepare(
        `INSERT INTO login_throttle_source (username, source, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(username, source) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      )
      .run(username, source, pair.failures, now, pair.locked);
    const acctRow = this.db.prepare('SELECT failures, last_failure_at FROM login_throttle WHERE username = ?').get(username) as
      | { failures: number; last_failure_at: number | null }
      | undefined;
    const acct = next(acctRow, L.accountThreshold, L.accountMaxMs);
    this.db
      .prepare(
        `INSERT INTO login_throttle (username, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      )
      .run(username, acct.failures, now, acct.locked);
    this.pruneThrottles(now);
    const ends = [pair.locked, acct.locked].filter((x): x is number => x !== null);
    return ends.length ? Math.max(...ends) : null;
  }

  /**
   * Bounds the back-off tables: failures older than resetAfterMs whose lock is over are
   * forgotten; past maxTracked rows the oldest go (under a flood of guessed names this may end
   * an old lock early, which is better than a table that grows without bound).
   */
  private pruneThrottles(now: number): void {
    const L = this.lockout;
    for (const table of ['login_throttle_source', 'login_throttle'] as const) {
      this.db
        .prepare(`DELETE FROM ${table} WHERE (locked_until IS NULL OR locked_until <= ?) AND (last_failure_at IS NULL OR last_failure_at < ?)`)
        .run(now, now - L.resetAfterMs);
      const { n } = this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };
      if (n > L.maxTracked) {
        this.db
          .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ORDER BY last_failure_at ASC LIMIT ?)`)
          .run(n - L.maxTracked);
      }
    }
  }

  /** A successful sign-in clears the name's back-off from this source and overall. */
  private clearFailures(username: string, source: string): void {
    this.db.prepare('DELETE FROM login_throttle_source WHERE username = ? AND source = ?').run(username, source);
    this.db.prepare('DELETE FROM login_throttle WHERE username = ?').run(username);
  }

  /** Administrator action: clears every back-off of the name (all sources), or of one source. */
  unlock(username: string, source?: string): void {
    const u = normaliseUsername(username);
    if (source === undefined) {
      this.db.prepare('DELETE FROM login_throttle_source WHERE username = ?').run(u);
      this.db.prepare('DELETE FROM login_throttle WHERE username = ?').run(u);
    } else this.db.prepare('DELETE FROM login_throttle_source WHERE username = ? AND source = ?').run(u, source);
  }

  /** Current lockouts (a lock not yet over), newest first: per name and source, and account-wide. */
  lockouts(): LockoutView[] {
    const now = this.now();
    const pairs = this.db
      .prepare('SELECT username, source, failures, last_failure_at, locked_until FROM login_throttle_source WHERE locked_until > ? ORDER BY locked_until DESC LIMIT ?')
      .all(now, MAX_LOCKOUTS_LISTED) as Array<{ username: string; source: string; failures: number; last_failure_at: number | null; locked_until: number }>;
    const accts = this.db
      .prepare('SELECT username, failures, last_failure_at, locked_until FROM login_throttle WHERE locked_until > ? ORDER BY locked_until DESC LIMIT ?')
      .all(now, MAX_LOCKOUTS_LISTED) as Array<{ username: string; failures: number; last_failure_at: number | null; locked_until: number }>;
    const known = (u: string) => this.store.userByName(u) !== undefined;
    return [
      ...pairs.map((r) => ({ username: r.username, knownUser: known(r.username), source: r.source, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until })),
      ...accts.map((r) => ({ username: r.username, knownUser: known(r.username), source: null, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until })),
    ]
      .sort((a, b) => b.lockedUntil - a.lockedUntil)
      .slice(0, MAX_LOCKOUTS_LISTED);
  }

  // ---------------------------------------------------------------- sessions

  private openSession(user: UserRow, workstation: string, impersonator: UserRow | null): SecuritySession {
    const token = randomBytes(32).toString('base64url');
    const id = randomBytes(9).toString('base64url');
    const now = this.now();
    const ttl = impersonator ? Math.min(this.impersonationTtlMs, this.sessionTtlMs) : this.sessionTtlMs;
    this.db
      .prepare(
        `INSERT INTO sessions (token_hash, id, user_id, impersonator_id, workstation, created_at, last_activity_at, expires_at, reauth_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(hashToken(token), id, user.id, impersonator?.id ?? null, workstation, now, now, now + ttl, now);
    const p = this.principalFor(user, workstation, id, now, impersonator);
    return this.sessionInfo(token, p, now + ttl);
  }

  private sessionInfo(token: string, p: Principal, expiresAt: number): SecuritySession {
    return {
      token,
      user: p.username,
      displayName: p.displayName,
      roles: [...p.roles],
      workstation: p.workstation,
      expiresAt,
      capabilities: [...p.capabilities].sort(),
      sites: p.sites === 'all' ? 'all' : [...p.sites].sort(),
      idleLockMs: this.idleLockMs,
      mustChangePassword: p.mustChangePassword,
      ...(p.impersonator ? { impersonator: p.impersonator.username } : {}),
    };
  }

  /**
   * The principal of a user as they are now, without a session (e.g. the author of an alarm
   * procedure when it fires); undefined for an unknown name.
   */
  principalOf(username: string, workstation = 'core'): Principal | undefined {
    const u = this.store.userByName(username);
    return u ? this.principalFor(u, workstation, null, null, null) : undefined;
  }

  private principalFor(user: UserRow, workstation: string, sessionId: string | null, reauthAt: number | null, impersonator: UserRow | null): Principal {
    const roles = this.store.rolesOf(user.id);
    const sites = this.store.sitesOf(user);
    return {
      kind: 'user',
      userId: user.id,
      username: user.username,
      displayName: user.display_name,
      roles,
      capabilities: this.store.capabilitiesOf(roles),
      sites: sites === 'all' ? 'all' : new Set(sites),
      validFrom: user.valid_from,
      validTo: user.valid_to,
      disabled: user.disabled === 1,
      mustChangePassword: user.must_change_password === 1,
      workstation,
      sessionId,
      reauthAt,
      impersonator: impersonator ? { userId: impersonator.id, username: impersonator.username } : null,
    };
  }

  private sessionRow(token: string): SessionRow | undefined {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) return undefined;
    return this.db.prepare('SELECT * FROM sessions WHERE token_hash = ?').get(hashToken(token)) as SessionRow | undefined;
  }

  /**
   * The principal behind a bearer token, or ApiError('unauthenticated') naming the rule:
   * session.unknown · session.revoked · session.expired · session.idle-locked ·
   * account.disabled · account.not-yet-valid · account.expired.
   * `activity` (default true) counts the call as user activity (postpones the idle lock);
   * `allowLocked` is for auth.reauth and auth.signOut only.
   */
  validate(token: string, opts: { activity?: boolean; allowLocked?: boolean } = {}): Principal {
    const now = this.now();
    const s = this.sessionRow(token);
    if (!s) throw unauthenticated('session.unknown', 'not signed in');
    if (s.revoked_at !== null) throw unauthenticated('session.revoked', 'the session was closed; sign in again');
    if (now >= s.expires_at) throw unauthenticated('session.expired', 'the session expired; sign in again');
    const user = this.store.userById(s.user_id);
    const imp = s.impersonator_id ? (this.store.userById(s.impersonator_id) ?? null) : null;
    if (!user || (s.impersonator_id && !imp)) throw unauthenticated('session.unknown', 'not signed in');
    if (imp && imp.disabled) throw unauthenticated('account.disabled', `account "${imp.username}" is disabled`);
    const p = this.principalFor(user, s.workstation, s.id, s.reauth_at, imp);
    const account = this.authorizer.checkAccount(p);
    if (!account.allowed) throw unauthenticated(account.rule, account.message);
    if (!opts.allowLocked && now - s.last_activity_at >= this.idleLockMs)
      throw unauthenticated('session.idle-locked', `the session locked after ${Math.round(this.idleLockMs / 60_000)} min without activity: re-enter your password`);
    if ((opts.activity ?? true) && !(now - s.last_activity_at >= this.idleLockMs) && now - s.last_activity_at >= ACTIVITY_WRITE_MS)
      this.db.prepare('UPDATE sessions SET last_activity_at = ? WHERE token_hash = ?').run(now, s.token_hash);
    return p;
  }

  /** SessionInfo for session.current */
  session(token: string): SecuritySession {
    const p = this.validate(token, { activity: false });
    const s = this.sessionRow(token)!;
    return this.sessionInfo(token, p, s.expires_at);
  }

  /** Is the principal's last password entry recent enough for a critical command? */
  recentlyAuthenticated(p: Principal): boolean {
    return p.kind === 'system' || (p.reauthAt !== null && this.now() - p.reauthAt <= this.reauthWindowMs);
  }

  /** Re-enters the password: unlocks an idle-locked session and refreshes the re-auth time. */
  async reauth(token: string, password: string): Promise<SecuritySession> {
    const p = this.validate(token, { allowLocked: true, activity: false });
    // the human at the keyboard is the impersonator when there is one
    const human = p.impersonator ? this.store.userById(p.impersonator.userId)! : this.store.userById(p.userId)!;
    const now = this.now();
    const lock = this.currentLock(human.username, p.workstation, now);
    if (lock) {
      this.audit.append({ type: 'auth.reauth', ...auditActor(p), outcome: 'refused', rule: 'auth.locked-out' });
      throw unauthenticated('auth.locked-out', `too many failed attempts: try again in ${Math.ceil((lock.until - now) / 1000)} s`);
    }
    const provider = this.providers.get(human.provider);
    const r = provider ? await provider.authenticate(human.username, password, human) : { ok: false as const };
    if (!r.ok) {
      this.recordFailure(human.username, p.workstation);
      this.audit.append({ type: 'auth.reauth', ...auditActor(p), outcome: 'refused', rule: 'auth.bad-credentials' });
      throw unauthenticated('auth.bad-credentials', 'wrong password');
    }
    this.clearFailures(human.username, p.workstation);
    this.db.prepare('UPDATE sessions SET reauth_at = ?, last_activity_at = ? WHERE token_hash = ?').run(now, now, hashToken(token));
    this.audit.append({ type: 'auth.reauth', ...auditActor(p), outcome: 'ok' });
    return this.session(token);
  }

  signOut(token: string): void {
    const s = this.sessionRow(token);
    if (!s || s.revoked_at !== null) return;
    this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ?').run(this.now(), s.token_hash);
    const user = this.store.userById(s.user_id);
    const imp = s.impersonator_id ? this.store.userById(s.impersonator_id) : undefined;
    this.audit.append({
      type: s.impersonator_id ? 'auth.impersonate.end' : 'auth.signout',
      actor: user?.username ?? s.user_id,
      impersonator: imp?.username ?? null,
      workstation: s.workstation,
      outcome: 'ok',
    });
  }

  /** Closes every session of a user (disable, password reset, deletion). */
  revokeUserSessions(userId: string): number {
    return this.db
      .prepare('UPDATE sessions SET revoked_at = ? WHERE (user_id = ? OR impersonator_id = ?) AND revoked_at IS NULL')
      .run(this.now(), userId, userId).changes;
  }

  /** Open sessions (not revoked, not expired), newest activity first; `currentToken` marks the caller's. */
  listSessions(currentToken?: string): SessionView[] {
    const now = this.now();
    const rows = this.db
      .prepare(
        `SELECT s.*, u.username, u.display_name, i.username AS imp_username FROM sessions s
         JOIN users u ON u.id = s.user_id LEFT JOIN users i ON i.id = s.impersonator_id
         WHERE s.revoked_at IS NULL AND s.expires_at > ? ORDER BY s.last_activity_at DESC`,
      )
      .all(now) as Array<SessionRow & { username: string; display_name: string; imp_username: string | null }>;
    const mine = currentToken ? hashToken(currentToken) : undefined;
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      username: r.username,
      displayName: r.display_name,
      workstation: r.workstation,
      createdAt: r.created_at,
      lastActivityAt: r.last_activity_at,
      expiresAt: r.expires_at,
      locked: now - r.last_activity_at >= this.idleLockMs,
      impersonator: r.imp_username,
      current: r.token_hash === mine,
    }));
  }

  /** Closes one session by its public id (administrators: a forgotten workstation, a leaver). */
  revokeSession(by: Principal, sessionId: string): void {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ? AND revoked_at IS NULL').get(sessionId) as SessionRow | undefined;
    if (!r) throw new ApiError('not-found', `no open session "${sessionId}"`);
    this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ?').run(this.now(), sessionId);
    const user = this.store.userById(r.user_id);
    this.audit.append({ type: 'auth.session.revoke', ...auditActor(by), target: user?.username ?? r.user_id, outcome: 'ok', details: { sessionId, workstation: r.workstation } });
  }

  /** Deletes sessions that expired more than a day ago (housekeeping). */
  purgeSessions(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(this.now() - 24 * 3600_000).changes;
  }

  async changePassword(token: string, oldPassword: string, newPassword: string): Promise<void> {
    const p = this.validate(token);
    if (p.impersonator) throw new ApiError('forbidden', 'not while impersonating', { rule: 'impersonation.read-only' });
    const user = this.store.userById(p.userId)!;
    if (user.provider !== 'local')
      throw new ApiError('conflict', `the password of "${user.username}" is managed by ${user.provider}`, { rule: 'password.external' });
    if (!(await this.hasher.verify(oldPassword, user.password_hash))) {
      this.recordFailure(user.username, p.workstation);
      this.audit.append({ type: 'auth.password', ...auditActor(p), target: user.username, outcome: 'refused', rule: 'auth.bad-credentials' });
      throw unauthenticated('auth.bad-credentials', 'the current password is wrong');
    }
    const problems = checkPasswordPolicy(newPassword, this.policy, { username: user.username, displayName: user.display_name });
    if (oldPassword === newPassword) problems.push('differ from the current password');
    if (problems.length) throw new ApiError('bad-request', `password: ${problems.join('; ')}`, { rule: 'password.policy' });
    const hash = await this.hasher.hash(newPassword);
    const now = this.now();
    this.db
      .prepare('UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = 0, updated_at = ? WHERE id = ?')
      .run(hash, now, now, user.id);
    // every other session of this user ends
    this.db
      .prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND token_hash <> ? AND revoked_at IS NULL')
      .run(now, user.id, hashToken(token));
    this.audit.append({ type: 'auth.password', ...auditActor(p), target: user.username, outcome: 'ok' });
  }

  // ---------------------------------------------------------------- impersonation

  /**
   * An administrator opens a session as another user (users.01 Req1). The session is
   * recorded as such: every audit entry carries both names, and the acting capabilities are
   * the user's minus IMPERSONATION_DENIED (look, don't act).
   */
  impersonate(admin: Principal, targetUserId: string, reason: string): SecuritySession {
    const refuse = (rule: string, message: string, code: 'forbidden' | 'not-found' = 'forbidden'): never => {
      this.audit.append({ type: 'auth.impersonate', ...auditActor(admin), target: targetUserId, outcome: 'refused', rule, reason });
      throw new ApiError(code, message, { rule });
    };
    const d = this.authorizer.check(admin, 'system.administer');
    if (!d.allowed) refuse(d.rule, d.message);
    if (admin.kind !== 'user' || admin.impersonator) refuse('impersonation.nested', 'end the current impersonation first');
    const target = this.store.userById(targetUserId);
    if (!target) return refuse('users.unknown', `no user "${targetUserId}"`, 'not-found');
    if (target.id === admin.userId) refuse('impersonation.self', 'you cannot impersonate yourself');
    if (this.store.capabilitiesOf(this.store.rolesOf(target.id)).has('system.administer'))
      refuse('impersonation.administrator', 'administrators cannot be impersonated');
    const adminRow = this.store.userById(admin.userId)!;
    const session = this.openSession(target, admin.workstation, adminRow);
    this.audit.append({
      type: 'auth.impersonate',
      actor: target.username,
      impersonator: admin.username,
      workstation: admin.workstation,
      target: target.username,
      outcome: 'ok',
      reason,
    });
    return session;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export function newUserId(): string {
  return `u${randomBytes(8).toString('hex')}`;
}
