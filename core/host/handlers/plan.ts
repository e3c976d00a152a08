/** API handlers of the plan service: status, plans, LP files, the operator's re-plan request (audited). */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ApiError } from '../../common';
import { OBJECTIVES } from '../../common/energy';
import type { PlanApiMethods } from '../../common/plan';
import type { PlanService } from '../../plan/service';
import { auditActor } from '../../security';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';

type PlanHandlers = Pick<Handlers, keyof PlanApiMethods>;

const LP_MAX_BYTES = 20 * 1024 * 1024;

export function planHandlers(s: Services, siteId: string, timezone: string, plans: PlanService | undefined): PlanHandlers {
  const need = (): PlanService => {
    if (!plans) throw new ApiError('unavailable', 'this site has no energy section in its site file: nothing is planned');
    return plans;
  };
  return {
    'plan.status': () => {
      if (!plans) return { enabled: false, mode: { mode: 'fallback', reason: 'the site file has no energy section' }, objectives: OBJECTIVES, timezone };
      const latest = plans.list(1)[0];
      return { enabled: true, mode: plans.mode(), objective: plans.currentObjective, objectives: OBJECTIVES, timezone, ...(latest ? { latest } : {}) };
    },
    'plan.list': (_ctx, arg) => (plans ? plans.list(arg.limit ?? 50) : []),
    'plan.get': (_ctx, arg) => {
      const p = need();
      const r = arg.issuedAt === undefined ? p.latestPlan() : p.get(arg.issuedAt);
      if (arg.issuedAt !== undefined && !r) throw new ApiError('not-found', `no plan issued at ${new Date(arg.issuedAt).toISOString()}`, { path: 'issuedAt' });
      return r ?? null;
    },
    'plan.lp': (_ctx, arg) => {
      const file = need().lpPath(arg.issuedAt);
      if (!file) throw new ApiError('not-found', `no LP file for the plan issued at ${new Date(arg.issuedAt).toISOString()}`, { path: 'issuedAt' });
      if (statSync(file).size > LP_MAX_BYTES) throw new ApiError('unavailable', `the LP file is larger than ${LP_MAX_BYTES / 1024 / 1024} MB; support can copy it from ${file}`);
      return { filename: basename(file), text: readFileSync(file, 'utf8') };
    },
    'plan.replan': async (ctx, arg) => {
      const p = need();
      if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
      const before = { objective: p.currentObjective };
      const r = await p.replan('event', arg.reason, ctx.principal.username, arg.objective);
      s.audit.append({
        type: 'plan.replan',
        ...auditActor(ctx.principal),
        siteId,
        outcome: r.ok ? 'ok' : 'failed',
        reason: arg.reason,
        before,
        after: { objective: r.objective, issuedAt: r.issuedAt },
        details: r.ok ? { objectiveValue: r.objectiveValue, steps: r.steps } : { error: r.error },
      });
      const { terms: _t, series: _s, storageExclusivity: _e, integerVariables: _i, variables: _v, constraints: _c, ...summary } = r;
      return summary;
    },
  };
}
