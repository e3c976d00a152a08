/**
 * Security and audit types shared by the core and the renderer: capabilities, the default
 * roles of FLEXERGY users.01, sessions, and the request/response types and zod argument
 * schemas of the security API methods. The command types are in commands.ts; the map from
 * API method to the capability it needs is api/access.ts.
 *
 * Pure (zod only). The lead merges `SecurityApiMethods` and `securityMethodArgSchemas` into
 * api/contract.ts; until then the host can spread them next to `methodArgSchemas`.
 */
import { z } from 'zod';
import { commandRequestSchema, type CommandRequest, type CommandResult, type SelectResult } from './commands';

// command types and the method → capability map live in commands.ts and api/access.ts
// (this file no longer imports the API contract: no type cycle)
export * from './commands';

// ------------------------------------------------------------------ capabilities

/** One permission per capability (issue #5, users.01). */
export const CAPABILITIES = [
  'site.view',
  'data.confidential',
  'control.operate',
  'control.setpoint',
  'alarms.ack',
  'config.edit',
  'users.manage',
  'data.export',
  'study.run',
  'system.administer',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

export const CAPABILITY_LABELS: Record<Capability, string> = {
  'site.view': 'View site (synoptics, measurements, alarms, trends)',
  'data.confidential': 'View confidential data (audit log, user details, contracts)',
  'control.operate': 'Operate: breakers, mode changes, start/stop (select-before-operate)',
  'control.setpoint': 'Change setpoints (power, limits)',
  'alarms.ack': 'Acknowledge and shelve alarms',
  'config.edit': 'Edit configuration (site model, devices, secrets)',
  'users.manage': 'Manage users (operators: guests and field staff only)',
  'data.export': 'Export data (CSV, reports, audit export)',
  'study.run': 'Run studies (what-if, optimiser studies)',
  'system.administer': 'Administer (roles, reasons, audit verification, impersonation)',
};

export function isCapability(s: unknown): s is Capability {
  return typeof s === 'string' && (CAPABILITIES as readonly string[]).includes(s);
}

/**
 * Capabilities an impersonating administrator does NOT get, whatever the impersonated user
 * holds: impersonation is for seeing what a user sees, never for acting in their name.
 */
export const IMPERSONATION_DENIED: readonly Capability[] = [
  'control.operate',
  'control.setpoint',
  // acknowledging, commenting, shelving and resetting alarms act in the user's name too
  'alarms.ack',
  'users.manage',
  'config.edit',
  // an export carries data out under the user's name: not while impersonating
  'data.export',
  'system.administer',
];

/**
 * Capabilities that never pass by delegation: a role holding one may not be marked delegable,
 * and a user manager who is not an administrator never assigns it (administration covers
 * audit verification, sessions and impersonation; user management would let the new user
 * delegate further).
 */
export const NON_DELEGABLE_CAPABILITIES: readonly Capability[] = ['system.administer', 'users.manage'];

// ------------------------------------------------------------------ roles

export const BUILTIN_ROLE_IDS = ['administrator', 'operator', 'field-staff', 'viewer'] as const;
export type BuiltinRoleId = (typeof BUILTIN_ROLE_IDS)[number];

export interface RoleDef {
  id: string;
  name: string;
  description: string;
  capabilities: Capability[];
  /** may be assigned by a user manager who is not an administrator (users.01 Req2) */
  delegable: boolean;
  builtin: boolean;
}

/** The four roles of users.01 as defaults. Custom roles are added by an administrator. */
export const BUILTIN_ROLES: readonly RoleDef[] = [
  {
    id: 'administrator',
    name: 'Administrator',
    description: 'All privileges; creates roles and users, impersonates (users.01 Req1)',
    capabilities: [...CAPABILITIES],
    delegable: false,
    builtin: true,
  },
  {
    id: 'operator',
    name: 'Operator',
    description: 'Runs the microgrid day to day; may add users with roles within its own rights, e.g. guests (users.01 Req2)',
    capabilities: [
      'site.view',
      'data.confidential',
      'control.operate',
      'control.setpoint',
      'alarms.ack',
      'users.manage',
      'data.export',
      'study.run',
    ],
    delegable: false,
    builtin: true,
  },
  {
    id: 'field-staff',
    name: 'Field staff',
    description: 'Interventions in the field and commissioning, e.g. adding an ESS (users.01 Req3)',
    capabilities: ['site.view', 'control.operate', 'control.setpoint', 'alarms.ack', 'config.edit'],
    delegable: true,
    builtin: true,
  },
  {
    id: 'viewer',
    name: 'Viewer/Guest',
    description: 'Visualises data only (users.01 Req4)',
    capabilities: ['site.view'],
    delegable: true,
    builtin: true,
  },
];

// ------------------------------------------------------------------ refusals

/** Every refusal names the rule that refused (after tldraw's AllowManager). */
export type Decision = { allowed: true } | { allowed: false; rule: string; message: string };

// ------------------------------------------------------------------ principals and sessions

export interface SessionInfo {
  token: string;
  user: string;
  displayName: string;
  roles: string[];
  /** workstation name (host or browser) the session was opened from */
  workstation: string;
  expiresAt: number;
}

export interface PrincipalView {
  kind: 'user' | 'system';
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
  capabilities: Capability[];
  /** 'all' or the ids of the granted sites */
  sites: 'all' | string[];
  impersonator?: { userId: string; username: string };
}

/** SessionInfo plus what the UI needs to show locks and re-auth. */
export interface SecuritySession extends SessionInfo {
  capabilities: Capability[];
  sites: 'all' | string[];
  /** the session locks itself after this long without activity, ms */
  idleLockMs: number;
  mustChangePassword: boolean;
  impersonator?: string;
}

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  /** distinct character classes among lower, upper, digit, other */
  minClasses: number;
}

// ------------------------------------------------------------------ users and roles

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  sites: 'all' | string[];
  disabled: boolean;
  validFrom: number | null;
  validTo: number | null;
  provider: string;
  createdAt: number;
  createdBy: string | null;
  lastLoginAt: number | null;
  lockedUntil: number | null;
  mustChangePassword: boolean;
}

// ------------------------------------------------------------------ audit

export type AuditOutcome = 'ok' | 'refused' | 'failed' | 'info';

/** What a service appends. `actor` etc. come from the principal via `auditActor`. */
export interface AuditEntryInput {
  type: string;
  actor: string;
  impersonator?: string | null;
  workstation?: string | null;
  siteId?: string | null;
  assetId?: string | null;
  target?: string | null;
  outcome: AuditOutcome;
  reason?: string | null;
  rule?: string | null;
  before?: unknown;
  after?: unknown;
  details?: unknown;
}

export interface AuditEntry {
  seq: number;
  ts: number;
  type: string;
  actor: string;
  impersonator: string | null;
  workstation: string | null;
  siteId: string | null;
  assetId: string | null;
  target: string | null;
  outcome: AuditOutcome;
  reason: string | null;
  rule: string | null;
  before: unknown;
  after: unknown;
  details: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  user?: string;
  /** exact type, or a prefix ending in '.', e.g. 'auth.' */
  type?: string;
  assetId?: string;
  siteId?: string;
  outcome?: AuditOutcome;
  from?: number;
  to?: number;
  /** page backwards from this sequence number (exclusive) */
  beforeSeq?: number;
  limit?: number;
}

export type AuditVerifyResult =
  | { ok: true; count: number; headSeq: number; headHash: string }
  | {
      ok: false;
      count: number;
      firstBad: { seq: number; problem: 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'anchor-mismatch' };
      message: string;
    };

export interface ReasonView {
  id: string;
  label: string;
  /** what the reason may be used for */
  appliesTo: 'command' | 'config' | 'all';
  active: boolean;
}

/** An open session, for the administrator's session list (never the token). */
export interface SessionView {
  id: string;
  userId: string;
  username: string;
  displayName: string;
  workstation: string;
  createdAt: number;
  lastActivityAt: number;
  expiresAt: number;
  locked: boolean;
  impersonator: string | null;
  /** the session making this call */
  current: boolean;
}

/** A current sign-in lockout (auth back-off): of a name from one source, or account-wide. */
export interface LockoutView {
  username: string;
  /** whether the name is an account (unknown names are throttled too) */
  knownUser: boolean;
  /** the workstation (remote address) the failures came from; null = account-wide */
  source: string | null;
  failures: number;
  lastFailureAt: number | null;
  lockedUntil: number;
}

export interface SecretMeta {
  id: string;
  siteId: string | null;
  description: string;
  updatedAt: number;
  updatedBy: string;
}

// ------------------------------------------------------------------ API methods

export interface SecurityApiMethods {
  'auth.status': { req: Record<string, never>; res: { setupRequired: boolean; passwordPolicy: PasswordPolicy } };
  /** `setupToken`: the one-time token the host prints at first start, when it requires one */
  'auth.setup': { req: { username: string; displayName: string; password: string; setupToken?: string }; res: SecuritySession };
  'auth.signIn': { req: { username: string; password: string }; res: SecuritySession };
  'auth.signOut': { req: Record<string, never>; res: { ok: true } };
  'auth.reauth': { req: { password: string }; res: SecuritySession };
  'auth.changePassword': { req: { oldPassword: string; newPassword: string }; res: { ok: true } };
  'auth.impersonate': { req: { userId: string; reason: string }; res: SecuritySession };
  'users.list': { req: Record<string, never>; res: UserView[] };
  'users.create': { req: UserCreateArg; res: UserView };
  'users.update': { req: UserUpdateArg; res: UserView };
  'users.setPassword': { req: { userId: string; password: string }; res: { ok: true } };
  'users.unlock': { req: { userId: string }; res: UserView };
  'users.delete': { req: { userId: string }; res: { ok: true } };
  'roles.list': { req: Record<string, never>; res: RoleDef[] };
  'roles.create': { req: RoleArg; res: RoleDef };
  'roles.update': { req: RoleArg; res: RoleDef };
  'roles.delete': { req: { id: string }; res: { ok: true } };
  'audit.query': { req: AuditFilter; res: AuditEntry[] };
  'audit.verify': { req: Record<string, never>; res: AuditVerifyResult };
  'audit.export': { req: AuditFilter; res: { filename: string; csv: string } };
  'command.select': { req: CommandRequest; res: SelectResult };
  'command.execute': { req: CommandRequest; res: CommandResult };
  'reasons.list': { req: { appliesTo?: 'command' | 'config' }; res: { reasons: ReasonView[]; required: { command: boolean; config: boolean } } };
  'reasons.upsert': { req: ReasonView; res: ReasonView };
  'reasons.setRequired': { req: { kind: 'command' | 'config'; required: boolean }; res: { ok: true } };
  'sessions.list': { req: Record<string, never>; res: SessionView[] };
  'sessions.revoke': { req: { id: string }; res: { ok: true } };
  /** current sign-in lockouts (administrators); clear one name (all sources) or one source */
  'lockouts.list': { req: Record<string, never>; res: LockoutView[] };
  'lockouts.clear': { req: { username: string; source?: string }; res: { ok: true } };
  'secrets.list': { req: { siteId?: string }; res: SecretMeta[] };
  'secrets.set': { req: { id: string; siteId: string | null; description: string; value: string }; res: SecretMeta };
  'secrets.delete': { req: { id: string }; res: { ok: true } };
}

export type SecurityMethodName = keyof SecurityApiMethods;

// ------------------------------------------------------------------ schemas

const idSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'an id: a letter, then letters, digits, ".", "_" or "-"');
/** user names: case-insensitive, stored lower-case */
export const usernameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, 'letters, digits, ".", "_", "@" or "-"');
/** passwords are bounded so a huge input cannot make the KDF a denial of service */
const passwordInput = z.string().min(1).max(1024);
const displayName = z.string().min(1).max(128);
const epochMs = z.number().int().nonnegative();
const capabilitySchema = z.enum(CAPABILITIES);
const sitesSchema = z.union([z.literal('all'), z.array(idSchema).max(10_000)]);

export const userCreateSchema = z
  .object({
    username: usernameSchema,
    displayName,
    password: passwordInput,
    roles: z.array(idSchema).min(1).max(32),
    sites: sitesSchema,
    validFrom: epochMs.nullable().optional(),
    validTo: epochMs.nullable().optional(),
    mustChangePassword: z.boolean().optional(),
  })
  .strict();
export type UserCreateArg = z.infer<typeof userCreateSchema>;

export const userUpdateSchema = z
  .object({
    userId: idSchema,
    displayName: displayName.optional(),
    roles: z.array(idSchema).min(1).max(32).optional(),
    sites: sitesSchema.optional(),
    validFrom: epochMs.nullable().optional(),
    validTo: epochMs.nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .strict();
export type UserUpdateArg = z.infer<typeof userUpdateSchema>;

export const roleSchema = z
  .object({
    id: idSchema,
    name: z.string().min(1).max(64),
    description: z.string().max(500).default(''),
    capabilities: z.array(capabilitySchema).max(CAPABILITIES.length),
    delegable: z.boolean().default(false),
  })
  .strict();
export type RoleArg = z.input<typeof roleSchema>;

export const auditFilterSchema = z
  .object({
    user: z.string().max(64).optional(),
    type: z.string().max(64).optional(),
    assetId: z.string().max(64).optional(),
    siteId: z.string().max(64).optional(),
    outcome: z.enum(['ok', 'refused', 'failed', 'info']).optional(),
    from: epochMs.optional(),
    to: epochMs.optional(),
    beforeSeq: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

const reasonSchema = z
  .object({
    id: idSchema,
    label: z.string().min(1).max(200),
    appliesTo: z.enum(['command', 'config', 'all']),
    active: z.boolean(),
  })
  .strict();

const empty = z.object({}).strict();

export const securityMethodArgSchemas: { [M in SecurityMethodName]: z.ZodType<SecurityApiMethods[M]['req']> } = {
  'auth.status': empty,
  'auth.setup': z
    .object({ username: usernameSchema, displayName, password: passwordInput, setupToken: z.string().max(200).optional() })
    .strict(),
  'auth.signIn': z.object({ username: z.string().min(1).max(64), password: passwordInput }).strict(),
  'auth.signOut': empty,
  'auth.reauth': z.object({ password: passwordInput }).strict(),
  'auth.changePassword': z.object({ oldPassword: passwordInput, newPassword: passwordInput }).strict(),
  'auth.impersonate': z.object({ userId: idSchema, reason: z.string().min(1).max(500) }).strict(),
  'users.list': empty,
  'users.create': userCreateSchema,
  'users.update': userUpdateSchema,
  'users.setPassword': z.object({ userId: idSchema, password: passwordInput }).strict(),
  'users.unlock': z.object({ userId: idSchema }).strict(),
  'users.delete': z.object({ userId: idSchema }).strict(),
  'roles.list': empty,
  'roles.create': roleSchema as z.ZodType<RoleArg>,
  'roles.update': roleSchema as z.ZodType<RoleArg>,
  'roles.delete': z.object({ id: idSchema }).strict(),
  'audit.query': auditFilterSchema,
  'audit.verify': empty,
  'audit.export': auditFilterSchema,
  'command.select': commandRequestSchema,
  'command.execute': commandRequestSchema,
  'reasons.list': z.object({ appliesTo: z.enum(['command', 'config']).optional() }).strict(),
  'reasons.upsert': reasonSchema,
  'reasons.setRequired': z.object({ kind: z.enum(['command', 'config']), required: z.boolean() }).strict(),
  'sessions.list': z.object({}).strict(),
  'sessions.revoke': z.object({ id: z.string().min(1).max(64) }).strict(),
  'lockouts.list': z.object({}).strict(),
  'lockouts.clear': z.object({ username: z.string().min(1).max(64), source: z.string().min(1).max(200).optional() }).strict(),
  'secrets.list': z.object({ siteId: idSchema.optional() }).strict(),
  'secrets.set': z
    .object({ id: idSchema, siteId: idSchema.nullable(), description: z.string().max(200), value: z.string().min(1).max(16_384) })
    .strict(),
  'secrets.delete': z.object({ id: idSchema }).strict(),
};

export const SECURITY_METHOD_NAMES = Object.keys(securityMethodArgSchemas) as SecurityMethodName[];
