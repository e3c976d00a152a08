/** API handlers of the energy statistics and KPIs: summaries from the KPI worker, the definitions. */
import { ApiError } from '../../common';
import { KPI_DEFINITIONS, type KpiApiMethods } from '../../common/kpi';
import type { KpiService } from '../../kpi/service';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';

type KpiHandlers = Pick<Handlers, keyof KpiApiMethods>;

export function kpiHandlers(s: Services, kpi: () => KpiService | undefined): KpiHandlers {
  return {
    'kpi.definitions': () => KPI_DEFINITIONS.map((d) => ({ ...d, inputs: [...d.inputs] })),
    'kpi.summary': async (_ctx, arg) => {
      const svc = kpi();
      if (!svc) throw new ApiError('unavailable', 'the KPI service is not running');
      const known = new Set(svc.spec.assets.map((a) => a.id));
      arg.assets?.forEach((a, i) => {
        if (!known.has(a)) throw new ApiError('bad-request', `unknown asset "${a}": the KPIs cover ${[...known].join(', ')}`, { path: `assets[${i}]` });
      });
      // everything recorded so far is visible to the worker's read-only connection
      s.historian.flush();
      return svc.summary(arg);
    },
  };
}
