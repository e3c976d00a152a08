/**
 * Who is acting: a signed-in user (possibly impersonated by an administrator) or a system
 * principal (optimiser, automatic procedures) with its own permissions.
 */
import type { Capability, PrincipalView } from '../common/security';

export type Clock = () => number;

export interface Principal {
  kind: 'user' | 'system';
  userId: string;
  username: string;
  displayName: string;
  roles: readonly string[];
  capabilities: ReadonlySet<Capability>;
  sites: 'all' | ReadonlySet<string>;
  /** access period (users.01): null = unbounded */
  validFrom: number | null;
  validTo: number | null;
  disabled: boolean;
  mustChangePassword: boolean;
  workstation: string;
  /** public id of the session (never the token) */
  sessionId: string | null;
  /** last time the human behind the session re-entered their password */
  reauthAt: number | null;
  /** set when an administrator acts as this user */
  impersonator: { userId: string; username: string } | null;
  /** an automatic alarm procedure: its definition and the user who saved it (audited) */
  procedure?: { alarmId: string; author: string };
}

export interface SystemPrincipalOptions {
  /** e.g. 'optimiser', 'peak-shaving', 'black-start' */
  id: string;
  displayName?: string;
  capabilities: readonly Capability[];
  sites: 'all' | readonly string[];
  workstation?: string;
}

/** Automatic actors: no session, no password; everything they do is checked and audited. */
export function systemPrincipal(o: SystemPrincipalOptions): Principal {
  return {
    kind: 'system',
    userId: `system:${o.id}`,
    username: `system:${o.id}`,
    displayName: o.displayName ?? o.id,
    roles: [],
    capabilities: new Set(o.capabilities),
    sites: o.sites === 'all' ? 'all' : new Set(o.sites),
    validFrom: null,
    validTo: null,
    disabled: false,
    mustChangePassword: false,
    workstation: o.workstation ?? 'core',
    sessionId: null,
    reauthAt: null,
    impersonator: null,
  };
}

/** Default permissions of the optimiser and automatic procedures: setpoints, not breakers. */
export const SYSTEM_AUTOMATION_CAPABILITIES: readonly Capability[] = ['site.view', 'control.setpoint'];

export function principalView(p: Principal): PrincipalView {
  return {
    kind: p.kind,
    userId: p.userId,
    username: p.username,
    displayName: p.displayName,
    roles: [...p.roles],
    capabilities: [...p.capabilities].sort(),
    sites: p.sites === 'all' ? 'all' : [...p.sites].sort(),
    ...(p.impersonator ? { impersonator: { ...p.impersonator } } : {}),
  };
}

/** The who/where of an audit entry. */
export function auditActor(p: Principal): { actor: string; impersonator: string | null; workstation: string } {
  return { actor: p.username, impersonator: p.impersonator?.username ?? null, workstation: p.workstation };
}

export function hasSite(p: Principal, siteId: string): boolean {
  return p.sites === 'all' || p.sites.has(siteId);
}
