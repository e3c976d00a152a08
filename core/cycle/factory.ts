/** The site file's `control.controllers` (highest priority first) as controller instances. */
import type { ControllerConfig } from '../common/cycle';
import type { Controller } from './controller';
import { PeakShavingController } from './controllers/peak-shaving';
import { SocProtectionController } from './controllers/soc-protection';

export function controllersFromConfig(list: readonly ControllerConfig[]): Controller[] {
  return list.map((c) => {
    switch (c.type) {
      case 'peak-shaving':
        return new PeakShavingController(c);
      case 'soc-protection':
        return new SocProtectionController(c);
    }
  });
}
