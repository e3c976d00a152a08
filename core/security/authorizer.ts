/**
 * The one place that says yes or no. Every refusal names its rule (after tldraw's
 * AllowManager) so the API error, the audit entry and the UI all explain themselves.
 *
 * Rules, checked in this order:
 *  account.disabled · account.not-yet-valid · account.expired · account.must-change-password ·
 *  impersonation.read-only · role.missing-capability · site.not-granted
 */
import { ApiError } from '../common/api/contract';
import { methodAccess } from '../common/api/access';
import {
  CAPABILITY_LABELS,
  IMPERSONATION_DENIED,
  type Capability,
  type Decision,
} from '../common/security';
import type { Clock, Principal } from './principal';

export interface CheckContext {
  /** the site the action concerns; omitted for site-independent actions */
  siteId?: string;
}

const ALLOWED: Decision = Object.freeze({ allowed: true }) as Decision;

function refuse(rule: string, message: string): Decision {
  return { allowed: false, rule, message };
}

export class Authorizer {
  constructor(private readonly now: Clock = Date.now) {}

  /** account-level rules that hold whatever the capability */
  checkAccount(p: Principal): Decision {
    const now = this.now();
    if (p.disabled) return refuse('account.disabled', `account "${p.username}" is disabled`);
    if (p.validFrom !== null && now < p.validFrom)
      return refuse('account.not-yet-valid', `account "${p.username}" is valid from ${new Date(p.validFrom).toISOString()}`);
    if (p.validTo !== null && now >= p.validTo)
      return refuse('account.expired', `the access period of "${p.username}" ended ${new Date(p.validTo).toISOString()}`);
    return ALLOWED;
  }

  check(p: Principal, capability: Capability, ctx: CheckContext = {}): Decision {
    const account = this.checkAccount(p);
    if (!account.allowed) return account;
    if (p.mustChangePassword)
      return refuse('account.must-change-password', 'change your password before doing anything else');
    if (p.impersonator && IMPERSONATION_DENIED.includes(capability))
      return refuse(
        'impersonation.read-only',
        `"${p.impersonator.username}" is impersonating "${p.username}": '${capability}' is not allowed while impersonating`,
      );
    if (!p.capabilities.has(capability))
      return refuse(
        'role.missing-capability',
        `${p.kind === 'system' ? 'system principal' : 'user'} "${p.username}" (roles: ${p.roles.join(', ') || 'none'}) lacks '${capability}' (${CAPABILITY_LABELS[capability]})`,
      );
    if (ctx.siteId !== undefined && p.sites !== 'all' && !p.sites.has(ctx.siteId))
      return refuse('site.not-granted', `site "${ctx.siteId}" is not granted to "${p.username}"`);
    return ALLOWED;
  }

  /** allowed if any one capability is */
  checkAny(p: Principal, capabilities: readonly Capability[], ctx: CheckContext = {}): Decision {
    let first: Decision | null = null;
    for (const c of capabilities) {
      const d = this.check(p, c, ctx);
      if (d.allowed) return d;
      first ??= d;
    }
    return first ?? refuse('role.missing-capability', 'no capability given');
  }

  assert(p: Principal, capability: Capability, ctx: CheckContext = {}): void {
    throwIfRefused(this.check(p, capability, ctx));
  }

  /**
   * The host's gate for every API call (METHOD_CAPABILITIES). `principal` is null when the
   * call carries no valid session; `currentSiteId` is the host's active site.
   */
  checkMethod(p: Principal | null, method: string, arg: unknown, currentSiteId?: string): Decision {
    const access = methodAccess(method);
    if (!access) return refuse('method.unmapped', `method "${method}" has no entry in METHOD_CAPABILITIES`);
    if (access.access === 'public') return ALLOWED;
    if (!p) return refuse('session.required', `"${method}" needs a signed-in session`);
    if (access.access === 'session') return this.checkAccount(p);
    let siteId: string | undefined;
    if (access.site === 'arg') {
      const s = (arg as { siteId?: unknown } | null)?.siteId;
      if (typeof s !== 'string') return refuse('site.missing', `"${method}" needs a siteId`);
      siteId = s;
    } else if (access.site === 'current') {
      if (currentSiteId === undefined) return refuse('site.missing', `"${method}" needs an active site`);
      siteId = currentSiteId;
    }
    return this.checkAny(p, access.anyOf, siteId === undefined ? {} : { siteId });
  }

  assertMethod(p: Principal | null, method: string, arg: unknown, currentSiteId?: string): void {
    const d = this.checkMethod(p, method, arg, currentSiteId);
    if (!d.allowed && d.rule === 'session.required') throw new ApiError('unauthenticated', d.message, { rule: d.rule });
    throwIfRefused(d);
  }
}

export function throwIfRefused(d: Decision): void {
  if (!d.allowed) throw new ApiError('forbidden', d.message, { rule: d.rule });
}

/** The sites a principal may see, for filtering lists ('all' for administrators). */
export function siteScope(p: Principal): 'all' | string[] {
  return p.sites === 'all' ? 'all' : [...p.sites];
}
