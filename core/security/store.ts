/** Row-level access to users, roles and grants (shared by AuthService and UserService). */
import type Database from 'better-sqlite3';
import { BUILTIN_ROLES, isCapability, type Capability, type RoleDef, type UserView } from '../common/security';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  provider: string;
  password_hash: string | null;
  must_change_password: number;
  disabled: number;
  all_sites: number;
  valid_from: number | null;
  valid_to: number | null;
  created_at: number;
  created_by: string | null;
  last_login_at: number | null;
}

interface RoleRow {
  id: string;
  name: string;
  description: string;
  capabilities: string;
  delegable: number;
  builtin: number;
}

export function normaliseUsername(u: string): string {
  return u.trim().toLowerCase();
}

export class SecurityStore {
  constructor(
    readonly db: Database.Database,
    private readonly now: () => number,
  ) {}

  /** Inserts the four default roles if absent (an administrator may not edit them). */
  seedBuiltinRoles(): void {
    const ins = this.db.prepare(
      `INSERT INTO roles (id, name, description, capabilities, delegable, builtin, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description,
         capabilities = excluded.capabilities, delegable = excluded.delegable, builtin = 1`,
    );
    const t = this.now();
    this.db.transaction(() => {
      for (const r of BUILTIN_ROLES) ins.run(r.id, r.name, r.description, JSON.stringify(r.capabilities), r.delegable ? 1 : 0, t, t);
    })();
  }

  userById(id: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }

  userByName(username: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE username = ?').get(normaliseUsername(username)) as UserRow | undefined;
  }

  userCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  allUsers(): UserRow[] {
    return this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[];
  }

  rolesOf(userId: string): string[] {
    return (this.db.prepare('SELECT role_id FROM user_roles WHERE user_id = ? ORDER BY role_id').all(userId) as { role_id: string }[]).map(
      (r) => r.role_id,
    );
  }

  sitesOf(user: UserRow): 'all' | string[] {
    if (user.all_sites) return 'all';
    return (this.db.prepare('SELECT site_id FROM user_sites WHERE user_id = ? ORDER BY site_id').all(user.id) as { site_id: string }[]).map(
      (r) => r.site_id,
    );
  }

  role(id: string): RoleDef | undefined {
    const r = this.db.prepare('SELECT * FROM roles WHERE id = ?').get(id) as RoleRow | undefined;
    return r ? toRole(r) : undefined;
  }

  roles(): RoleDef[] {
    return (this.db.prepare('SELECT * FROM roles ORDER BY builtin DESC, name').all() as RoleRow[]).map(toRole);
  }

  capabilitiesOf(roleIds: readonly string[]): Set<Capability> {
    const out = new Set<Capability>();
    for (const id of roleIds) for (const c of this.role(id)?.capabilities ?? []) out.add(c);
    return out;
  }

  setRoles(userId: string, roles: readonly string[]): void {
    this.db.prepare('DELETE FROM user_roles WHERE user_id = ?').run(userId);
    const ins = this.db.prepare('INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)');
    for (const r of new Set(roles)) ins.run(userId, r);
  }

  setSites(userId: string, sites: 'all' | readonly string[]): void {
    this.db.prepare('DELETE FROM user_sites WHERE user_id = ?').run(userId);
    this.db.prepare('UPDATE users SET all_sites = ? WHERE id = ?').run(sites === 'all' ? 1 : 0, userId);
    if (sites === 'all') return;
    const ins = this.db.prepare('INSERT INTO user_sites (user_id, site_id) VALUES (?, ?)');
    for (const s of new Set(sites)) ins.run(userId, s);
  }

  lockedUntil(username: string): number | null {
    const r = this.db.prepare('SELECT locked_until FROM login_throttle WHERE username = ?').get(normaliseUsername(username)) as
      | { locked_until: number | null }
      | undefined;
    return r?.locked_until ?? null;
  }

  /** the latest lock of the name, account-wide or from any one source (for the user list) */
  anyLockedUntil(username: string): number | null {
    const u = normaliseUsername(username);
    const r = this.db
      .prepare('SELECT MAX(l) AS m FROM (SELECT locked_until AS l FROM login_throttle WHERE username = ? UNION ALL SELECT locked_until FROM login_throttle_source WHERE username = ?)')
      .get(u, u) as { m: number | null };
    return r.m;
  }

  /** enabled users holding a role with system.administer */
  activeAdministrators(): string[] {
    return this.allUsers()
      .filter((u) => !u.disabled && this.capabilitiesOf(this.rolesOf(u.id)).has('system.administer'))
      .map((u) => u.id);
  }

  view(u: UserRow): UserView {
    const locked = this.anyLockedUntil(u.username);
    return {
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      roles: this.rolesOf(u.id),
      sites: this.sitesOf(u),
      disabled: u.disabled === 1,
      validFrom: u.valid_from,
      validTo: u.valid_to,
      provider: u.provider,
      createdAt: u.created_at,
      createdBy: u.created_by,
      lastLoginAt: u.last_login_at,
      lockedUntil: locked !== null && locked > this.now() ? locked : null,
      mustChangePassword: u.must_change_password === 1,
    };
  }
}

function toRole(r: RoleRow): RoleDef {
  const caps = (JSON.parse(r.capabilities) as unknown[]).filter(isCapability);
  return { id: r.id, name: r.name, description: r.description, capabilities: caps, delegable: r.delegable === 1, builtin: r.builtin === 1 };
}
