/**
 * Helpers for services that raise system alarms: device communication (com.01 Req3) from the
 * bridges' status, and failures of periodic jobs (forecast, optimisation).
 */
import type { DeviceStatus } from '../common/api/contract';
import { commAlarmId } from './defaults';
import type { AlarmEngine } from './engine';

/** Raises `comm.<deviceId>` while a device is offline and clears it once online. */
export function syncCommAlarm(engine: AlarmEngine, s: DeviceStatus): void {
  const id = commAlarmId(s.id);
  if (s.state === 'offline') {
    engine.raiseSystemAlarm(id, {
      message: `Communication failure: ${s.name}`,
      asset: s.asset,
      class: 'communication',
      priority: 'high',
      text: s.lastError ?? `${s.failures} failed polls`,
    });
  } else if (s.state === 'online' || s.state === 'disabled') {
    engine.clearSystemAlarm(id, { text: s.state });
  }
}

/** Runs a job and raises/clears a system alarm with its outcome. */
export async function withSystemAlarm<T>(engine: AlarmEngine, id: string, job: () => Promise<T>): Promise<T> {
  try {
    const r = await job();
    engine.clearSystemAlarm(id);
    return r;
  } catch (e) {
    engine.raiseSystemAlarm(id, { text: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
