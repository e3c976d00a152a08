/** Shared helpers of the Modbus integration tests. */
import { deviceSchema, modbusProfileSchema, type DeviceConfig, type ModbusProfile } from '../../../core/common/site';
import type { PointSample, PointSink } from '../../../core/common/bridge';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls pred every 5 ms; rejects naming `what` after timeoutMs. */
export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A PointSink that keeps every batch and the latest sample of each point. */
export class CollectingSink implements PointSink {
  readonly batches: Array<{ at: number; samples: readonly PointSample[] }> = [];
  readonly latest = new Map<string, PointSample>();

  publish(samples: readonly PointSample[]): void {
    this.batches.push({ at: Date.now(), samples: [...samples] });
    for (const s of samples) this.latest.set(s.id, s);
  }

  value(id: string): PointSample['value'] | undefined {
    return this.latest.get(id)?.value;
  }

  /** every id has a latest sample with this quality level (and reason) */
  all(ids: readonly string[], level: 'good' | 'bad', reason?: string): boolean {
    return ids.every((id) => {
      const q = this.latest.get(id)?.quality;
      return q?.level === level && (reason === undefined || q.reason === reason);
    });
  }

  /** samples of one point across all batches */
  history(id: string): PointSample[] {
    return this.batches.flatMap((b) => b.samples.filter((s) => s.id === id));
  }
}

export function tcpDevice(port: number, over: { pollMs?: number; timeoutMs?: number; unitId?: number; asset?: string } = {}): DeviceConfig {
  return deviceSchema.parse({
    id: 'dev1',
    name: 'Test device',
    protocol: 'modbus-tcp',
    connection: { host: '127.0.0.1', port, unitId: over.unitId ?? 1 },
    profile: 'test-profile',
    asset: over.asset ?? 'ess1',
    pollMs: over.pollMs ?? 100,
    timeoutMs: over.timeoutMs ?? 300,
  });
}

/** A profile covering every table and type, with scale/offset and both word orders. */
export function testProfile(extra: unknown[] = []): ModbusProfile {
  return modbusProfileSchema.parse({
    id: 'test-profile',
    vendor: 'ES Manager',
    model: 'test',
    protocol: 'modbus',
    wordOrder: 'BE',
    maxGap: 4,
    registers: [
      { channel: 'ActivePower', table: 'holding', address: 0, type: 'int16', scale: 0.1, unit: 'kW', access: 'rw' },
      { channel: 'ReactivePower', table: 'holding', address: 1, type: 'int16', scale: 0.1, unit: 'kvar' },
      { channel: 'Energy', table: 'holding', address: 2, type: 'uint32', scale: 0.1, unit: 'kWh' },
      { channel: 'Frequency', table: 'holding', address: 4, type: 'float32', wordOrder: 'LE', unit: 'Hz' },
      { channel: 'Setpoint32', table: 'holding', address: 10, type: 'int32', unit: 'W', access: 'rw' },
      { channel: 'Limit', table: 'holding', address: 12, type: 'float32', unit: 'kW', access: 'rw' },
      { channel: 'Soc', table: 'input', address: 0, type: 'uint16', scale: 0.1, unit: '%' },
      { channel: 'Temp', table: 'input', address: 1, type: 'int16', scale: 0.1, offset: -40, unit: 'degC' },
      { channel: 'Run', table: 'coil', address: 0, type: 'bool', access: 'rw' },
      { channel: 'Alarm', table: 'discrete', address: 3, type: 'bool' },
      ...extra,
    ],
  });
}
