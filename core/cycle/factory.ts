/** The site file's `control.controllers` (highest priority first) as controller instances. */
import type { ControllerConfig } from '../common/cycle';
import type { Controller } from './controller';
import { PeakShavingController } from './controllers/peak-shaving';
import { PlanFollowingController, type PlanSetpointSource } from './controllers/plan-following';
import { SelfConsumptionController } from './controllers/self-consumption';
import { SocProtectionController } from './controllers/soc-protection';

export interface ControllerDeps {
  /** the site's plan service, when one runs (asked every cycle: it may start after the cycle) */
  plan?: () => PlanSetpointSource | undefined;
}

export function controllersFromConfig(list: readonly ControllerConfig[], deps: ControllerDeps = {}): Controller[] {
  return list.map((c) => {
    switch (c.type) {
      case 'peak-shaving':
        return new PeakShavingController(c);
      case 'soc-protection':
        return new SocProtectionController(c);
      case 'self-consumption':
        return new SelfConsumptionController(c);
      case 'plan-following':
        return new PlanFollowingController(c, deps.plan ?? (() => undefined));
    }
  });
}
