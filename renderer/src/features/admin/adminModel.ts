/** Pure helpers of the administration screens (the core's UserService enforces the rules). */
import { NON_DELEGABLE_CAPABILITIES, type Capability, type LockoutView, type RoleDef, type UserView } from '../../../../core/common/security';
import { parseLocalDateTime } from '../audit/auditModel';

/**
 * Roles this manager may hand out: all for an administrator; otherwise the delegable ones
 * that hold nothing the manager lacks and no administration or user management (the core's
 * UserService rule).
 */
export function assignableRoles(roles: readonly RoleDef[], isAdministrator: boolean, own: readonly Capability[] = []): RoleDef[] {
  return roles.filter(
    (r) => isAdministrator || (r.delegable && r.capabilities.every((c) => own.includes(c) && !NON_DELEGABLE_CAPABILITIES.includes(c))),
  );
}

/** One lockout as a sentence for the administrator, e.g. "5 failed sign-ins from browser@10.0.0.7". */
export function lockoutText(l: LockoutView): { who: string; what: string } {
  const who = l.knownUser ? l.username : `${l.username} (no such user)`;
  const n = `${l.failures} failed sign-in${l.failures === 1 ? '' : 's'}`;
  return l.source === null
    ? { who, what: `${n} from several workstations: every sign-in of this name is refused` }
    : { who, what: `${n} from ${l.source}: sign-ins of this name from there are refused` };
}

/** "all" or a comma/space separated list of site ids. */
export function parseSites(text: string): 'all' | string[] {
  const t = text.trim();
  if (t.toLowerCase() === 'all') return 'all';
  return [...new Set(t.split(/[\s,;]+/).filter(Boolean))];
}

export function sitesText(sites: 'all' | readonly string[]): string {
  return sites === 'all' ? 'all' : sites.join(', ');
}

export type UserStateView = { text: string; abnormal: boolean };

export function userState(u: Pick<UserView, 'disabled' | 'lockedUntil' | 'validFrom' | 'validTo' | 'mustChangePassword'>, now: number): UserStateView {
  if (u.disabled) return { text: 'disabled', abnormal: true };
  if (u.lockedUntil !== null && u.lockedUntil > now) return { text: 'locked out', abnormal: true };
  if (u.validTo !== null && u.validTo < now) return { text: 'expired', abnormal: true };
  if (u.validFrom !== null && u.validFrom > now) return { text: 'not yet valid', abnormal: false };
  if (u.mustChangePassword) return { text: 'active · must change password', abnormal: false };
  return { text: 'active', abnormal: false };
}

/** Role id from a display name: "Shift lead" → "shift-lead". */
export function roleIdFromName(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[^\w\s.-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 64);
  return s;
}

export interface UserFormValues {
  username: string;
  displayName: string;
  password: string;
  roles: string[];
  sites: string;
  validFrom: string;
  validTo: string;
}

/** First problem of a user form, or null. `creating` needs a user name and a password. */
export function userFormProblem(v: UserFormValues, creating: boolean): string | null {
  if (creating && !/^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$/.test(v.username.trim())) return 'User name: 2 to 64 letters, digits, ".", "_", "@" or "-".';
  if (!v.displayName.trim()) return 'Enter a display name.';
  if (v.displayName.trim().length > 128) return `Display name: at most 128 characters (${v.displayName.trim().length} now).`;
  if (creating && !v.password) return 'Enter an initial password.';
  if (v.roles.length === 0) return 'Choose at least one role.';
  const sites = parseSites(v.sites);
  if (sites !== 'all' && sites.length === 0) return 'Grant at least one site (or "all").';
  const from = parseLocalDateTime(v.validFrom);
  const to = parseLocalDateTime(v.validTo);
  if (v.validFrom.trim() && from === undefined) return 'Valid from is not a date.';
  if (v.validTo.trim() && to === undefined) return 'Valid to is not a date.';
  if (from !== undefined && to !== undefined && to <= from) return 'The access period ends before it starts.';
  return null;
}

export const REASON_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** A role's description without the specification's requirement ids ("(users.01 Req2)"). */
export function roleDescriptionText(d: string): string {
  return d
    .replace(/\s*\((?:[a-z]+\.\d+\s*)?Req\s*\d+(?:\s*[,;/-]\s*(?:[a-z]+\.\d+\s*)?Req\s*\d+)*\)/gi, '')
    .replace(/\s*\b[a-z]+\.\d+ Req\d+\b/gi, '')
    .trim();
}
