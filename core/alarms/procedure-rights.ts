/**
 * Alarm procedures may not be a way around command permissions (issue #8, item 3).
 *
 * An automatic procedure writes to the field when its alarm fires, long after its author
 * saved it, as the alarm system. So the author must, when saving, hold the very rights the
 * command pipeline would ask of them for each target (control.setpoint for setpoints,
 * control.operate for critical commands, on the site), and a procedure never issues a
 * critical command (breakers, operating modes: what people must select-before-operate and
 * re-authenticate for) unless it is a protective action (0 kW, stop, standby, opening a
 * breaker), because nobody is there to select, re-authenticate and watch. The same checks run
 * again when the procedure fires, against the author as they are then (disabled, demoted or
 * deleted authors stop their procedures).
 *
 * Rules: procedure.point-unknown · procedure.point-read-only · procedure.critical-target ·
 * procedure.author-lacks-right (its message carries the authorizer's own refusal).
 */
import type { AlarmAction } from '../common/alarms';
import { CAPABILITY_LABELS, type Capability } from '../common/security';
import { splitPointId } from '../common/point';
import { isCriticalCommand, isProtective, type AssetModel } from '../control';
import { Authorizer, type Principal } from '../security';

export interface ProcedureRightsIssue {
  /** e.g. `actions[1].target` */
  path: string;
  rule: string;
  message: string;
}

/**
 * What stands between `p` (the author, or the author as they are when the alarm fires) and the
 * procedure `actions` on `siteId`; empty when the procedure may be saved or run.
 */
export function procedureActionIssues(
  p: Principal,
  siteId: string,
  actions: readonly AlarmAction[],
  model: AssetModel,
  authorizer: Authorizer = new Authorizer(),
): ProcedureRightsIssue[] {
  const issues: ProcedureRightsIssue[] = [];
  actions.forEach((a, k) => {
    const path = `actions[${k}].target`;
    let assetId: string;
    let channel: string;
    try {
      ({ assetId, channel } = splitPointId(a.target));
    } catch (e) {
      issues.push({ path, rule: 'procedure.point-unknown', message: (e as Error).message });
      return;
    }
    const point = model.point(siteId, a.target);
    const asset = model.asset(siteId, assetId);
    if (!point || !asset) {
      issues.push({ path, rule: 'procedure.point-unknown', message: `no point ${a.target} on site ${siteId}` });
      return;
    }
    if (point.access !== 'rw') {
      issues.push({ path, rule: 'procedure.point-read-only', message: `${a.target} is read-only: a procedure cannot write it` });
      return;
    }
    const critical = isCriticalCommand(point, asset);
    // protective actions (0 kW, stop, standby, opening a breaker) are the safety lanes' own class
    const protective = isProtective({ nature: asset.nature, channel, value: a.value, ...(point.states ? { states: { ...point.states } } : {}) });
    if (critical && !protective) {
      issues.push({
        path,
        rule: 'procedure.critical-target',
        message: `${a.target} := ${String(a.value)} is a critical command (a person must select it, re-enter the password and watch it): an automatic procedure may issue only protective actions there (0 kW, stop, standby, opening a breaker)`,
      });
      return;
    }
    const capability: Capability = critical ? 'control.operate' : 'control.setpoint';
    const d = authorizer.check(p, capability, { siteId });
    if (!d.allowed)
      issues.push({
        path,
        rule: 'procedure.author-lacks-right',
        message: `a procedure writing ${a.target} needs its author to hold '${capability}' (${CAPABILITY_LABELS[capability]}) on site ${siteId}: ${d.message}`,
      });
  });
  return issues;
}
