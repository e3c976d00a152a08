/**
 * The tray icon's text and the OS notifications, from the core's alarm events (pure). The tray
 * shows the active alarm count and the unacknowledged count, in words; a notification is shown
 * for each alarm of high or critical priority that became unacknowledged-active, at most a few
 * per batch and a summary for the rest (a flood must not bury the desktop in notifications).
 */
import type { AlarmCounts, AlarmPriority, AlarmsChangedEvent } from '../../core/common/alarms';

export interface TrayView {
  /** the number drawn on / beside the icon: active alarms */
  count: number;
  tooltip: string;
  /** unacknowledged alarms exist: the icon is marked (shape, not colour alone) */
  attention: boolean;
}

export function trayView(counts: AlarmCounts | null, productName = 'ES Manager'): TrayView {
  if (!counts) return { count: 0, tooltip: `${productName}: alarms not available yet`, attention: false };
  const parts = [`${counts.active} active alarm${counts.active === 1 ? '' : 's'}`, `${counts.unacknowledged} unacknowledged`];
  if (counts.highestUnacknowledged) parts.push(`highest: ${counts.highestUnacknowledged}`);
  return { count: counts.active, tooltip: `${productName}: ${parts.join(', ')}`, attention: counts.unacknowledged > 0 };
}

export interface OsNotification {
  title: string;
  body: string;
  alarmId?: string;
}

const NOTIFY: ReadonlySet<AlarmPriority> = new Set<AlarmPriority>(['critical', 'high']);
const TITLE: Record<string, string> = { critical: 'Critical alarm', high: 'High-priority alarm' };

/** The notifications for one alarms.changed event (max per batch, then one summary). */
export function alarmNotifications(e: AlarmsChangedEvent, maxPerBatch = 3): OsNotification[] {
  if (e.part && e.part.n > 0) return [];
  const worth = e.annunciate.filter((a) => NOTIFY.has(a.priority));
  const shown: OsNotification[] = worth.slice(0, maxPerBatch).map((a) => ({ title: TITLE[a.priority] ?? 'Alarm', body: a.message, alarmId: a.id }));
  // the batch may have had more than annunciate lists (a split flood): count those too
  const rest = worth.length - shown.length + Math.max(0, (e.annunciateTotal ?? e.annunciate.length) - e.annunciate.length);
  if (rest > 0) shown.push({ title: 'More new alarms', body: `${rest} more new alarm${rest === 1 ? '' : 's'}: open the alarm list` });
  return shown;
}
