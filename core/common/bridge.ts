/**
 * What a protocol bridge (drivers/<protocol>) offers the core. The core never imports a
 * driver: the composition root (electron/) hands bridge factories to the host.
 */
import type { DeviceStatus, Unsubscribe } from './api/contract';
import type { PointId, PointValue } from './point';
import type { Quality } from './quality';
import type { DeviceConfig, ModbusProfile } from './site';

/** One sample a bridge reports for a point. */
export interface PointSample {
  id: PointId;
  value: PointValue;
  quality: Quality;
  /** source timestamp, ms since epoch */
  ts: number;
}

/** Where a bridge delivers samples: one call per poll cycle (a batch), never per point. */
export interface PointSink {
  publish(samples: readonly PointSample[]): void;
}

export interface Bridge {
  readonly deviceId: string;
  start(): Promise<void>;
  /** stops polling and closes the connection; idempotent */
  stop(): Promise<void>;
  status(): DeviceStatus;
  onStatus(handler: (s: DeviceStatus) => void): Unsubscribe;
  /**
   * Writes an engineering value to a writable channel of this device's profile and
   * resolves once the device acknowledged the write. Rejects with a message naming the
   * channel and the cause (not writable, out of the register's range, timeout, exception).
   */
  write(channel: string, value: number | boolean): Promise<void>;
  /** reads the channel from the device now (for command readback) */
  read(channel: string): Promise<PointValue>;
}

export interface BridgeContext {
  device: DeviceConfig;
  profile: ModbusProfile;
  sink: PointSink;
  /** clock, injectable for tests */
  now?: () => number;
}

export interface BridgeFactory {
  /** protocols of DeviceConfig this factory serves, e.g. ['modbus-tcp', 'modbus-rtu'] */
  readonly protocols: readonly string[];
  create(ctx: BridgeContext): Bridge;
}
