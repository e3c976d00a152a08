/**
 * User and role management (users.01). Administrators manage everything; a user manager who
 * is not an administrator (an operator) may only create and edit users with delegable roles
 * whose capabilities it holds itself and which hold no administration or user management
 * (guests by default; field staff hold configuration rights an operator lacks), on sites they
 * hold themselves, for no longer than their own access period. Every change is audited with before/after (never a hash).
 *
 * Rules: users.role-not-delegable · users.site-not-granted · users.period-beyond-own ·
 * users.target-not-manageable · users.self-modify · users.last-admin ·
 * roles.builtin-immutable · roles.in-use · roles.delegable-privileged · password.policy
 */
import type Database from 'better-sqlite3';
import { ApiError } from '../common/api/contract';
import {
  CAPABILITY_LABELS,
  NON_DELEGABLE_CAPABILITIES,
  roleSchema,
  userCreateSchema,
  userUpdateSchema,
  type RoleArg,
  type RoleDef,
  type UserCreateArg,
  type UserUpdateArg,
  type UserView,
} from '../common/security';
import type { AuditLog } from '../audit/log';
import type { AuthService } from './auth';
import { newUserId } from './auth';
import { Authorizer } from './authorizer';
import { checkPasswordPolicy } from './password';
import { auditActor, type Principal } from './principal';
import { normaliseUsername, SecurityStore, type UserRow } from './store';

const LAST_ADMIN = (): ApiError => new ApiError('conflict', 'this would leave no active administrator', { rule: 'users.last-admin' });

export class UserService {
  private readonly store: SecurityStore;
  private readonly authorizer: Authorizer;
  private readonly now: () => number;

  constructor(
    private readonly db: Database.Database,
    private readonly auth: AuthService,
    private readonly audit: AuditLog,
  ) {
    this.now = auth.now;
    this.store = new SecurityStore(db, this.now);
    this.authorizer = new Authorizer(this.now);
  }

  private isAdmin(p: Principal): boolean {
    return this.authorizer.check(p, 'system.administer').allowed;
  }

  private refuse(p: Principal, type: string, target: string | null, rule: string, message: string, code: 'forbidden' | 'not-found' | 'conflict' | 'bad-request' = 'forbidden'): never {
    this.audit.append({ type, ...auditActor(p), target, outcome: 'refused', rule });
    throw new ApiError(code, message, { rule });
  }

  private gate(p: Principal, type: string, capability: 'users.manage' | 'system.administer', target: string | null = null): void {
    const d = this.authorizer.check(p, capability);
    if (!d.allowed) this.refuse(p, type, target, d.rule, d.message);
  }

  /** Sites of `u` lie within the principal's sites (tenant visibility). */
  private visible(p: Principal, u: UserRow): boolean {
    if (p.sites === 'all') return true;
    const sites = this.store.sitesOf(u);
    if (sites === 'all') return false;
    const mine = p.sites;
    return sites.every((s) => mine.has(s)) && (sites.length > 0 || u.created_by === p.userId);
  }

  /**
   * Why a non-administrator may not assign `role`, or null if it may: the role must be
   * delegable, hold no administration or user-management capability, and hold nothing the
   * manager lacks (so nobody hands on a right they do not have themselves — an operator
   * without configuration rights cannot create field staff who hold them).
   */
  private notDelegableBy(p: Principal, role: RoleDef): string | null {
    if (!role.delegable) return `role "${role.name}" can be assigned by an administrator only`;
    const privileged = role.capabilities.filter((c) => NON_DELEGABLE_CAPABILITIES.includes(c));
    if (privileged.length)
      return `role "${role.name}" holds ${privileged.map((c) => `'${c}' (${CAPABILITY_LABELS[c]})`).join(', ')}, which only an administrator can give`;
    const beyond = role.capabilities.filter((c) => !p.capabilities.has(c));
    if (beyond.length)
      return `role "${role.name}" holds ${beyond.map((c) => `'${c}' (${CAPABILITY_LABELS[c]})`).join(', ')}, which you do not hold yourself`;
    return null;
  }

  /** A non-administrator may touch only users whose roles it could assign itself. */
  private manageable(p: Principal, u: UserRow): boolean {
    if (this.isAdmin(p)) return true;
    return this.store.rolesOf(u.id).every((r) => {
      const role = this.store.role(r);
      return role !== undefined && this.notDelegableBy(p, role) === null;
    });
  }

  private target(p: Principal, type: string, userId: string): UserRow {
    const u = this.store.userById(userId);
    // a user outside the caller's sites does not exist for the caller
    if (!u || !this.visible(p, u)) return this.refuse(p, type, userId, 'users.unknown', `no user "${userId}"`, 'not-found');
    if (!this.manageable(p, u))
      this.refuse(p, type, u.username, 'users.target-not-manageable', `"${u.username}" holds a role you may not manage`);
    return u;
  }

  /** Checks roles, sites and period a (non-administrator) manager wants to give. */
  private checkGrants(p: Principal, type: string, target: string, g: { roles?: readonly string[]; sites?: 'all' | readonly string[]; validTo?: number | null }): void {
    const admin = this.isAdmin(p);
    for (const r of g.roles ?? []) {
      const role = this.store.role(r);
      if (!role) this.refuse(p, type, target, 'roles.unknown', `no role "${r}"`, 'bad-request');
      const why = admin ? null : this.notDelegableBy(p, role);
      if (why !== null) this.refuse(p, type, target, 'users.role-not-delegable', why);
    }
    if (!admin && g.sites !== undefined && p.sites !== 'all') {
      if (g.sites === 'all') this.refuse(p, type, target, 'users.site-not-granted', 'only an administrator can grant all sites');
      const mine = p.sites;
      const foreign = g.sites.filter((s) => !mine.has(s));
      if (foreign.length) this.refuse(p, type, target, 'users.site-not-granted', `you cannot grant site(s) you do not hold: ${foreign.join(', ')}`);
    }
    if (!admin && g.validTo !== undefined && p.validTo !== null && (g.validTo === null || g.validTo > p.validTo))
      this.refuse(p, type, target, 'users.period-beyond-own', `the access period cannot end after your own (${new Date(p.validTo).toISOString()})`);
  }

  list(p: Principal): UserView[] {
    this.gate(p, 'users.list', 'users.manage');
    return this.store
      .allUsers()
      .filter((u) => this.visible(p, u))
      .map((u) => this.store.view(u));
  }

  get(p: Principal, userId: string): UserView {
    this.gate(p, 'users.get', 'users.manage', userId);
    const u = this.store.userById(userId);
    if (!u || !this.visible(p, u)) throw new ApiError('not-found', `no user "${userId}"`, { rule: 'users.unknown' });
    return this.store.view(u);
  }

  async create(p: Principal, input: UserCreateArg): Promise<UserView> {
    const arg = userCreateSchema.parse(input);
    const username = normaliseUsername(arg.username);
    this.gate(p, 'user.create', 'users.manage', username);
    this.checkGrants(p, 'user.create', username, { roles: arg.roles, sites: arg.sites, validTo: arg.validTo ?? null });
    if (arg.validFrom != null && arg.validTo != null && arg.validTo <= arg.validFrom)
      this.refuse(p, 'user.create', username, 'users.period-invalid', 'the access period ends before it begins', 'bad-request');
    if (this.store.userByName(username)) this.refuse(p, 'user.create', username, 'users.exists', `user "${username}" already exists`, 'conflict');
    const problems = checkPasswordPolicy(arg.password, this.auth.policy, { username, displayName: arg.displayName });
    if (problems.length) this.refuse(p, 'user.create', username, 'password.policy', `password: ${problems.join('; ')}`, 'bad-request');
    const hash = await this.auth.hasher.hash(arg.password);
    const id = newUserId();
    const t = this.now();
    this.db
      .transaction(() => {
        if (this.store.userByName(username)) throw new ApiError('conflict', `user "${username}" already exists`, { rule: 'users.exists' });
        this.db
          .prepare(
            `INSERT INTO users (id, username, display_name, provider, password_hash, must_change_password, password_changed_at,
               valid_from, valid_to, created_at, created_by, updated_at)
             VALUES (?, ?, ?, 'local', ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(id, username, arg.displayName, hash, arg.mustChangePassword === false ? 0 : 1, t, arg.validFrom ?? null, arg.validTo ?? null, t, p.userId, t);
        this.store.setRoles(id, arg.roles);
        this.store.setSites(id, arg.sites);
      })
      .immediate();
    const view = this.store.view(this.store.userById(id)!);
    this.audit.append({ type: 'user.create', ...auditActor(p), target: username, outcome: 'ok', after: view });
    return view;
  }

  update(p: Principal, input: UserUpdateArg): UserView {
    const arg = userUpdateSchema.parse(input);
    this.gate(p, 'user.update', 'users.manage', arg.userId);
    const u = this.target(p, 'user.update', arg.userId);
    const before = this.store.view(u);
    if (u.id === p.userId && (arg.roles !== undefined || arg.sites !== undefined || arg.validFrom !== undefined || arg.validTo !== undefined || arg.disabled !== undefined))
      this.refuse(p, 'user.update', u.username, 'users.self-modify', 'you cannot change your own roles, sites, period or state');
    this.checkGrants(p, 'user.update', u.username, { roles: arg.roles, sites: arg.sites, validTo: arg.validTo });
    const validFrom = arg.validFrom !== undefined ? arg.validFrom : u.valid_from;
    const validTo = arg.validTo !== undefined ? arg.validTo : u.valid_to;
    if (validFrom != null && validTo != null && validTo <= validFrom)
      this.refuse(p, 'user.update', u.username, 'users.period-invalid', 'the access period ends before it begins', 'bad-request');
    const after = this.lastAdminGuard(p, 'user.update', u.username, () => this.db
      .transaction(() => {
        this.db
          .prepare('UPDATE users SET display_name = ?, valid_from = ?, valid_to = ?, disabled = ?, updated_at = ? WHERE id = ?')
          .run(arg.displayName ?? u.display_name, validFrom, validTo, arg.disabled === undefined ? u.disabled : arg.disabled ? 1 : 0, this.now(), u.id);
        if (arg.roles) this.store.setRoles(u.id, arg.roles);
        if (arg.sites) this.store.setSites(u.id, arg.sites);
        if (this.store.activeAdministrators().length === 0) throw LAST_ADMIN();
        return this.store.view(this.store.userById(u.id)!);
      })
      .immediate());
    if (arg.disabled === true && !before.disabled) this.auth.revokeUserSessions(u.id);
    this.audit.append({ type: 'user.update', ...auditActor(p), target: u.username, outcome: 'ok', before, after });
    return after;
  }

  private lastAdminGuard<T>(p: Principal, type: string, target: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ApiError && e.details.rule === 'users.last-admin')
        this.audit.append({ type, ...auditActor(p), target, outcome: 'refused', rule: 'users.last-admin' });
      throw e;
    }
  }

  /** Sets a new password chosen by the manager; the user must change it at next sign-in. */
  async setPassword(p: Principal, userId: string, password: string): Promise<void> {
    this.gate(p, 'user.password', 'users.manage', userId);
    const u = this.target(p, 'user.password', userId);
    if (u.id === p.userId) this.refuse(p, 'user.password', u.username, 'users.self-modify', 'use auth.changePassword for your own password');
    const problems = checkPasswordPolicy(password, this.auth.policy, { username: u.username, displayName: u.display_name });
    if (problems.length) this.refuse(p, 'user.password', u.username, 'password.policy', `password: ${problems.join('; ')}`, 'bad-request');
    const hash = await this.auth.hasher.hash(password);
    const t = this.now();
    this.db
      .prepare("UPDATE users SET password_hash = ?, provider = 'local', must_change_password = 1, password_changed_at = ?, updated_at = ? WHERE id = ?")
      .run(hash, t, t, u.id);
    this.auth.revokeUserSessions(u.id);
    this.audit.append({ type: 'user.password', ...auditActor(p), target: u.username, outcome: 'ok' });
  }

  unlock(p: Principal, userId: string): UserView {
    this.gate(p, 'user.unlock', 'users.manage', userId);
    const u = this.target(p, 'user.unlock', userId);
    const before = this.store.view(u);
    this.auth.unlock(u.username);
    const after = this.store.view(u);
    this.audit.append({ type: 'user.unlock', ...auditActor(p), target: u.username, outcome: 'ok', before: { lockedUntil: before.lockedUntil }, after: { lockedUntil: after.lockedUntil } });
    return after;
  }

  delete(p: Principal, userId: string): void {
    this.gate(p, 'user.delete', 'system.administer', userId);
    const u = this.target(p, 'user.delete', userId);
    if (u.id === p.userId) this.refuse(p, 'user.delete', u.username, 'users.self-modify', 'you cannot delete yourself');
    const before = this.store.view(u);
    this.lastAdminGuard(p, 'user.delete', u.username, () =>
      this.db
        .transaction(() => {
          this.db.prepare('DELETE FROM sessions WHERE user_id = ? OR impersonator_id = ?').run(u.id, u.id);
          this.db.prepare('DELETE FROM users WHERE id = ?').run(u.id);
          if (this.store.activeAdministrators().length === 0) throw LAST_ADMIN();
        })
        .immediate(),
    );
    this.auth.unlock(u.username);
    this.audit.append({ type: 'user.delete', ...auditActor(p), target: u.username, outcome: 'ok', before });
  }

  // ---------------------------------------------------------------- roles

  listRoles(p: Principal): RoleDef[] {
    this.gate(p, 'roles.list', 'users.manage');
    return this.store.roles();
  }

  /** Even an administrator cannot make administration or user management delegable. */
  private checkDelegable(p: Principal, type: string, arg: { id: string; capabilities: readonly string[]; delegable?: boolean }): void {
    if (!arg.delegable) return;
    const privileged = NON_DELEGABLE_CAPABILITIES.filter((c) => arg.capabilities.includes(c));
    if (privileged.length)
      this.refuse(
        p,
        type,
        arg.id,
        'roles.delegable-privileged',
        `a delegable role cannot hold ${privileged.map((c) => `'${c}' (${CAPABILITY_LABELS[c]})`).join(', ')}: remove ${privileged.length === 1 ? 'it' : 'them'} or make the role not delegable`,
        'bad-request',
      );
  }

  createRole(p: Principal, input: RoleArg): RoleDef {
    const arg = roleSchema.parse(input);
    this.gate(p, 'role.create', 'system.administer', arg.id);
    this.checkDelegable(p, 'role.create', arg);
    if (this.store.role(arg.id)) this.refuse(p, 'role.create', arg.id, 'roles.exists', `role "${arg.id}" already exists`, 'conflict');
    const t = this.now();
    this.db
      .prepare('INSERT INTO roles (id, name, description, capabilities, delegable, builtin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)')
      .run(arg.id, arg.name, arg.description, JSON.stringify([...new Set(arg.capabilities)]), arg.delegable ? 1 : 0, t, t);
    const after = this.store.role(arg.id)!;
    this.audit.append({ type: 'role.create', ...auditActor(p), target: arg.id, outcome: 'ok', after });
    return after;
  }

  updateRole(p: Principal, input: RoleArg): RoleDef {
    const arg = roleSchema.parse(input);
    this.gate(p, 'role.update', 'system.administer', arg.id);
    const before = this.store.role(arg.id);
    if (!before) return this.refuse(p, 'role.update', arg.id, 'roles.unknown', `no role "${arg.id}"`, 'not-found');
    if (before.builtin) this.refuse(p, 'role.update', arg.id, 'roles.builtin-immutable', `"${before.name}" is a built-in role; create a custom role instead`);
    this.checkDelegable(p, 'role.update', arg);
    this.db
      .prepare('UPDATE roles SET name = ?, description = ?, capabilities = ?, delegable = ?, updated_at = ? WHERE id = ?')
      .run(arg.name, arg.description, JSON.stringify([...new Set(arg.capabilities)]), arg.delegable ? 1 : 0, this.now(), arg.id);
    const after = this.store.role(arg.id)!;
    this.audit.append({ type: 'role.update', ...auditActor(p), target: arg.id, outcome: 'ok', before, after });
    return after;
  }

  deleteRole(p: Principal, id: string): void {
    this.gate(p, 'role.delete', 'system.administer', id);
    const before = this.store.role(id);
    if (!before) return this.refuse(p, 'role.delete', id, 'roles.unknown', `no role "${id}"`, 'not-found');
    if (before.builtin) this.refuse(p, 'role.delete', id, 'roles.builtin-immutable', `"${before.name}" is a built-in role`);
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM user_roles WHERE role_id = ?').get(id) as { n: number }).n;
    if (n > 0) this.refuse(p, 'role.delete', id, 'roles.in-use', `role "${id}" is held by ${n} user(s)`, 'conflict');
    this.db.prepare('DELETE FROM roles WHERE id = ?').run(id);
    this.audit.append({ type: 'role.delete', ...auditActor(p), target: id, outcome: 'ok', before });
  }
}

