/** API handlers of sign-in, users and roles, audit, reasons, secrets and commands. */
import { ApiError, type MethodName } from '../../common';
import type { SecurityMethodName } from '../../common/security';
import { auditActor, siteScope, type Principal } from '../../security';
import type { CallContext, Handlers } from '../dispatcher';
import type { Services } from '../services';

type SecurityHandlers = Pick<Handlers, SecurityMethodName & MethodName>;

function who(ctx: CallContext): Principal {
  if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
  return ctx.principal;
}
function token(ctx: CallContext): string {
  if (!ctx.token) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
  return ctx.token;
}

export function securityHandlers(s: Services, siteId: string): SecurityHandlers {
  const scope = (p: Principal) => ({ sites: siteScope(p), self: p.username });
  return {
    'auth.status': () => s.auth.status(),
    'auth.setup': (ctx, a) => s.auth.setupAdmin(a, ctx.meta.workstation),
    'auth.signIn': (ctx, a) => s.auth.signIn(a.username, a.password, ctx.meta.workstation),
    'auth.signOut': (ctx) => {
      s.auth.signOut(token(ctx));
      return { ok: true as const };
    },
    'auth.reauth': (ctx, a) => s.auth.reauth(token(ctx), a.password),
    'auth.changePassword': async (ctx, a) => {
      await s.auth.changePassword(token(ctx), a.oldPassword, a.newPassword);
      return { ok: true as const };
    },
    'auth.impersonate': (ctx, a) => s.auth.impersonate(who(ctx), a.userId, a.reason),

    'users.list': (ctx) => s.users.list(who(ctx)),
    'users.create': (ctx, a) => s.users.create(who(ctx), a),
    'users.update': (ctx, a) => s.users.update(who(ctx), a),
    'users.setPassword': async (ctx, a) => {
      await s.users.setPassword(who(ctx), a.userId, a.password);
      return { ok: true as const };
    },
    'users.unlock': (ctx, a) => s.users.unlock(who(ctx), a.userId),
    'users.delete': (ctx, a) => {
      s.users.delete(who(ctx), a.userId);
      return { ok: true as const };
    },
    'roles.list': (ctx) => s.users.listRoles(who(ctx)),
    'roles.create': (ctx, a) => s.users.createRole(who(ctx), a),
    'roles.update': (ctx, a) => s.users.updateRole(who(ctx), a),
    'roles.delete': (ctx, a) => {
      s.users.deleteRole(who(ctx), a.id);
      return { ok: true as const };
    },

    'audit.query': (ctx, a) => s.audit.query(a, scope(who(ctx))),
    'audit.verify': (ctx) => {
      const r = s.audit.verify();
      s.audit.append({ type: 'audit.verify', ...auditActor(who(ctx)), outcome: r.ok ? 'ok' : 'failed', details: r });
      return r;
    },
    'audit.export': (ctx, a) => {
      const p = who(ctx);
      const csv = s.audit.exportCsv(a, scope(p));
      s.audit.append({ type: 'audit.export', ...auditActor(p), siteId, outcome: 'ok', details: { filter: a, bytes: csv.length } });
      return { filename: `audit-${siteId}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '')}.csv`, csv };
    },

    'command.select': (ctx, a) => s.commands.select(who(ctx), a),
    'command.execute': (ctx, a) => s.commands.execute(who(ctx), a),

    'reasons.list': (_ctx, a) => ({
      reasons: s.reasons.list(a.appliesTo),
      required: { command: s.reasons.isRequired('command'), config: s.reasons.isRequired('config') },
    }),
    'reasons.upsert': (ctx, a) => {
      const { before, after } = s.reasons.upsert(a);
      s.audit.append({ type: 'reasons.upsert', ...auditActor(who(ctx)), target: a.id, outcome: 'ok', before, after });
      return after;
    },
    'reasons.setRequired': (ctx, a) => {
      const before = s.reasons.isRequired(a.kind);
      s.reasons.setRequired(a.kind, a.required);
      s.audit.append({ type: 'reasons.setRequired', ...auditActor(who(ctx)), target: a.kind, outcome: 'ok', before, after: a.required });
      return { ok: true as const };
    },

    'sessions.list': (ctx) => s.auth.listSessions(ctx.token ?? undefined),
    'sessions.revoke': (ctx, a) => {
      s.auth.revokeSession(who(ctx), a.id);
      return { ok: true as const };
    },
    'lockouts.list': () => s.auth.lockouts(),
    'lockouts.clear': (ctx, a) => {
      const p = who(ctx);
      const before = s.auth.lockouts().filter((l) => l.username === a.username.trim().toLowerCase() && (a.source === undefined || l.source === a.source));
      s.auth.unlock(a.username, a.source);
      s.audit.append({ type: 'auth.lockout.clear', ...auditActor(p), target: a.username, outcome: 'ok', before, after: [], details: { source: a.source ?? 'all' } });
      return { ok: true as const };
    },
    'secrets.list': (ctx, a) => {
      const sites = siteScope(who(ctx));
      return s.secrets.list(sites).filter((m) => a.siteId === undefined || m.siteId === a.siteId);
    },
    'secrets.set': async (ctx, a) => {
      const p = who(ctx);
      if (a.siteId !== null && p.sites !== 'all' && !p.sites.has(a.siteId))
        throw new ApiError('forbidden', `no access to site "${a.siteId}"`, { rule: 'site.not-granted' });
      const existed = s.secrets.meta(a.id) !== undefined;
      const meta = await s.secrets.set(a.id, a.value, { siteId: a.siteId, description: a.description, by: p.username });
      // never the value itself
      s.audit.append({ type: 'secret.set', ...auditActor(p), siteId: a.siteId, target: a.id, outcome: 'ok', details: { created: !existed } });
      return meta;
    },
    'secrets.delete': (ctx, a) => {
      const p = who(ctx);
      const m = s.secrets.meta(a.id);
      if (!m) throw new ApiError('not-found', `no secret "${a.id}"`);
      if (m.siteId !== null && p.sites !== 'all' && !p.sites.has(m.siteId))
        throw new ApiError('forbidden', `no access to site "${m.siteId}"`, { rule: 'site.not-granted' });
      s.secrets.delete(a.id);
      s.audit.append({ type: 'secret.delete', ...auditActor(p), siteId: m.siteId, target: a.id, outcome: 'ok' });
      return { ok: true as const };
    },
  };
}
