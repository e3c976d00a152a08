/**
 * The security gate of every API call: the session behind the token (AuthService), then
 * the method's entry in METHOD_CAPABILITIES (Authorizer). Refusals are audited with the rule
 * that refused.
 */
import { ApiError, type EventName, type MethodName } from '../common';
import { type Capability } from '../common/security';
import { methodAccess } from '../common/api/access';
import type { AuditLog } from '../audit/log';
import type { AuthService } from '../security/auth';
import { Authorizer } from '../security/authorizer';
import { auditActor, type Principal } from '../security/principal';
import type { CallMeta, Gate } from './dispatcher';

/** Methods that still answer while the session is idle-locked (the lock screen, the alarm banner). */
export const ALLOWED_WHILE_LOCKED: ReadonlySet<MethodName> = new Set<MethodName>([
  'session.current',
  'auth.reauth',
  'auth.signOut',
  'host.info',
  'site.get',
  'alarms.list',
]);

/** What a subscription needs. */
const EVENT_CAPABILITY: Record<EventName, Capability> = {
  'points.changed': 'site.view',
  'devices.changed': 'site.view',
  'sim.changed': 'site.view',
  'alarms.changed': 'site.view',
  'alarms.flood': 'site.view',
  'history.exportProgress': 'data.export',
  'control.changed': 'site.view',
  'site.changed': 'site.view',
  'plan.changed': 'site.view',
  'modes.changed': 'site.view',
  'study.progress': 'study.run',
};

export class SecurityGate implements Gate {
  private readonly authorizer: Authorizer;
  private readonly validCache = new Map<string, number>();

  constructor(
    private readonly auth: AuthService,
    private readonly audit: AuditLog,
    private readonly siteId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.authorizer = new Authorizer(now);
  }

  authenticate(token: unknown, method: MethodName): Principal | null {
    const access = methodAccess(method);
    if (!access) throw new ApiError('forbidden', `method "${method}" has no entry in METHOD_CAPABILITIES`, { rule: 'method.unmapped' });
    if (access.access === 'public') return null;
    if (typeof token !== 'string' || token.length === 0) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
    return this.auth.validate(token, { allowLocked: ALLOWED_WHILE_LOCKED.has(method) });
  }

  authorize(principal: Principal | null, method: MethodName, arg: unknown, meta: CallMeta): void {
    const d = this.authorizer.checkMethod(principal, method, arg, this.siteId);
    if (d.allowed) return;
    if (principal) {
      this.audit.append({
        type: 'access.refused',
        ...auditActor(principal),
        workstation: principal.workstation || meta.workstation,
        siteId: this.siteId,
        target: method,
        outcome: 'refused',
        rule: d.rule,
        details: { message: d.message },
      });
    }
    if (d.rule === 'session.required') throw new ApiError('unauthenticated', d.message, { rule: d.rule });
    throw new ApiError('forbidden', d.message, { rule: d.rule });
  }

  admitListen(token: unknown, event: EventName): Principal {
    if (typeof token !== 'string' || token.length === 0) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
    const p = this.auth.validate(token, { activity: false, allowLocked: true });
    const d = this.authorizer.check(p, EVENT_CAPABILITY[event], { siteId: this.siteId });
    if (!d.allowed) throw new ApiError('forbidden', d.message, { rule: d.rule });
    return p;
  }

  stillValid(token: string): boolean {
    const t = this.now();
    const checked = this.validCache.get(token);
    if (checked !== undefined && t - checked < 2000) return true;
    try {
      this.auth.validate(token, { activity: false, allowLocked: true });
      this.validCache.set(token, t);
      return true;
    } catch {
      this.validCache.delete(token);
      return false;
    }
  }
}
