/**
 * One alarm at run time (an instance of a definition) and the banner buckets it is counted
 * in. Shared by the engine's parts: engine.ts (evaluation, lifecycle, operator actions),
 * flood.ts, suppression.ts, procedures.ts and views.ts.
 */
import { ALARM_PRIORITIES, type AlarmActionResult, type AlarmComment, type AlarmCounts, type AlarmDefinition, type AlarmState } from '../common/alarms';
import type { PointValue } from '../common/point';
import type { Condition } from './conditions';
import type { CompiledExpression } from './expression';

export interface Instance {
  def: AlarmDefinition;
  cond: Condition | undefined;
  suppressExpr: CompiledExpression | undefined;
  asset: string | undefined;
  group: string;
  state: AlarmState;
  /** condition after delays */
  active: boolean;
  pending: { to: boolean; since: number } | undefined;
  value: PointValue | undefined;
  activatedAt: number | undefined;
  clearedAt: number | undefined;
  ackedAt: number | undefined;
  ackedBy: string | undefined;
  changedAt: number;
  shelved: { by: string; at: number; until: number; reason: string } | undefined;
  designSuppressed: boolean;
  suppressed: { at: number; reason: string } | undefined;
  outOfService: { by: string; at: number; reason: string } | undefined;
  activations: number;
  chatterTimes: number[];
  chattering: boolean;
  comments: AlarmComment[];
  actions: AlarmActionResult[];
  actionsPending: boolean;
  /** bucket this instance is counted in (banner counts) */
  bucket: number | undefined;
  /** system alarm created at run time without a definition */
  adHoc: boolean;
}


export const B_OOS = 1000;
export const B_SHELVED = 1001;
export const B_SUPPRESSED = 1002;
const STATE_INDEX: Record<AlarmState, number> = { normal: 0, 'unack-active': 1, 'ack-active': 2, 'unack-rtn': 3, latched: 4 };
export const STATE_OF = ['normal', 'unack-active', 'ack-active', 'unack-rtn', 'latched'] as const;

/** banner bucket: priority rank * 8 + state index, or one of the hidden buckets */
export function bucketOf(i: Instance): number | undefined {
  if (i.outOfService) return B_OOS;
  if (i.shelved) return B_SHELVED;
  if (i.suppressed) return B_SUPPRESSED;
  if (i.state === 'normal') return undefined;
  return ALARM_PRIORITIES.indexOf(i.def.priority) * 8 + STATE_INDEX[i.state];
}

export function emptyCounts(): AlarmCounts {
  const byPriority = {} as AlarmCounts['byPriority'];
  for (const p of ALARM_PRIORITIES) byPriority[p] = { unackActive: 0, ackActive: 0, unackRtn: 0, latched: 0 };
  return { byPriority, unacknowledged: 0, active: 0, shelved: 0, suppressed: 0, outOfService: 0 };
}

