/** The site file's `control.controllers` (highest priority first) as controller instances. */
import type { ControllerConfig } from '../common/cycle';
import type { Controller } from './controller';
import { GridSignalsController, type GridSignalSource } from './controllers/grid-signals';
import { OperatingModeController, type ModeSource } from './controllers/operating-mode';
import { PeakShavingController } from './controllers/peak-shaving';
import { RampLimitController } from './controllers/ramp-limit';
import type { TariffSource } from './controllers/tariff';
import { ZeroExportController } from './controllers/zero-export';
import { PlanFollowingController, type PlanSetpointSource } from './controllers/plan-following';
import { SelfConsumptionController } from './controllers/self-consumption';
import { SocProtectionController } from './controllers/soc-protection';

export interface ControllerDeps {
  /** the site's plan service, when one runs (asked every cycle: it may start after the cycle) */
  plan?: () => PlanSetpointSource | undefined;
  /** the site's operating mode (core/modes), for the operating-mode controller */
  modes?: () => ModeSource | undefined;
  /** the import tariff now (tariff management) */
  tariff?: () => TariffSource | undefined;
  /** external grid signals in force (TSO setpoints, P(f), PCC limits) */
  signals?: () => GridSignalSource | undefined;
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
      case 'zero-export':
        return new ZeroExportController(c);
      case 'ramp-limit':
        return new RampLimitController(c);
      case 'grid-signals':
        return new GridSignalsController(c, deps.signals ?? (() => undefined));
      case 'operating-mode':
        return new OperatingModeController(c, {
          modes: deps.modes ?? (() => undefined),
          ...(deps.plan ? { plan: deps.plan } : {}),
          ...(deps.tariff ? { tariff: deps.tariff } : {}),
        });
    }
  });
}
