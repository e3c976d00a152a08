/** Links into the alarm screens: `#/alarms?id=<alarm>` selects an alarm, `?asset=` filters. */
export const ALARMS_HREF = '#/alarms';
export const ALARM_HISTORY_HREF = '#/alarm-history';
export const ALARM_DEFINITIONS_HREF = '#/alarm-definitions';

export function alarmHref(id: string): string {
  return `${ALARMS_HREF}?id=${encodeURIComponent(id)}`;
}

/** Query parameters of a hash route, e.g. "#/alarms?asset=ess1" -> { asset: "ess1" }. */
export function hashParams(hash: string): Record<string, string> {
  const q = hash.indexOf('?');
  if (q < 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(hash.slice(q + 1))) out[k] = v;
  return out;
}
