import type { CommState, DeviceStatus } from '../../../core/common/api/contract';

export interface DeviceSummary {
  total: number;
  online: number;
  offline: number;
  connecting: number;
  disabled: number;
  /** worst state among enabled devices */
  worst: 'ok' | 'warning' | 'alarm' | 'none';
  text: string;
}

/** "6/6 online", red when any enabled device is offline, amber while one is connecting. */
export function summarizeDevices(devices: readonly Pick<DeviceStatus, 'state'>[]): DeviceSummary {
  const n: Record<CommState, number> = { online: 0, offline: 0, connecting: 0, disabled: 0 };
  for (const d of devices) n[d.state]++;
  const enabled = devices.length - n.disabled;
  const worst = enabled === 0 ? 'none' : n.offline > 0 ? 'alarm' : n.connecting > 0 ? 'warning' : 'ok';
  let text = `${n.online}/${enabled} online`;
  if (n.offline > 0) text += `, ${n.offline} offline`;
  if (n.connecting > 0) text += `, ${n.connecting} connecting`;
  if (n.disabled > 0) text += `, ${n.disabled} disabled`;
  return { total: devices.length, ...n, worst, text };
}
