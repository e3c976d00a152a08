/**
 * What a protocol driver (drivers/<protocol>) offers the core, and what the core hands it.
 * The core never imports a driver: the composition root (electron/) hands the drivers'
 * bridge factories to the host (docs/decisions/0001).
 *
 * - A `BridgeFactory` serves one or more device protocols. It may own a resource shared by
 *   many devices (one OCPP server for N charge points, one worker for an FFI library): the
 *   host calls `start(ctx)` once before the first bridge starts and `stop()` after the last
 *   one stopped. Factories with such resources are created per host (a function returning
 *   the factory), so two hosts in one process never share them.
 * - A `Bridge` serves one device: it publishes samples to the CVT, reports its status and
 *   writes and (where the protocol can) reads channels on demand.
 * - Drivers may not import core services: what they need of them (secrets, the data folder,
 *   the clock) comes through `DriverContext` and `BridgeContext`.
 */
import type { PointId, PointValue } from './point';
import type { Quality, TimeQuality } from './quality';
import type { DeviceConfig, DeviceProfile, ProtocolDefinition } from './profile';
import type { FieldReport } from './commands';
import type { Scheduler } from './clock';

/** A function that removes a subscription. */
export type Unsubscribe = () => void;

/** One sample a bridge reports for a point. */
export interface PointSample {
  id: PointId;
  value: PointValue;
  quality: Quality;
  /** source timestamp, ms since epoch */
  ts: number;
  /** the quality of the source timestamp, when the protocol gives one (IEC 61850) */
  tq?: TimeQuality;
}

/** Where a bridge delivers samples: one call per poll cycle (a batch), never per point. */
export interface PointSink {
  publish(samples: readonly PointSample[]): void;
}

// ---------------------------------------------------------------- device status

export type CommState = 'connecting' | 'online' | 'offline' | 'disabled';

/** Communication statistics of one device since its bridge started (issue #12 item 4). */
export interface CommStats {
  /** requests answered (polls' block reads, reads, writes) */
  ok: number;
  /** requests that failed: timeouts, refusals, protocol errors */
  failed: number;
  /** of the failed, those that timed out */
  timeouts: number;
  /** connections made after the first one */
  reconnects: number;
  /** mean and last round trip of answered requests, ms */
  latencyAvgMs?: number;
  latencyLastMs?: number;
  /** payload bytes sent and received, where the driver can count them */
  bytesOut: number;
  bytesIn: number;
  /** ok / (ok + failed), 0..1; absent before the first request */
  successRate?: number;
  lastError?: string;
  /** when lastError happened, ms since epoch */
  lastErrorAt?: number;
}

export interface DeviceStatus {
  id: string;
  name: string;
  protocol: string;
  address: string;
  asset: string;
  profile: string;
  simulated: boolean;
  state: CommState;
  /** last successful exchange, ms since epoch */
  lastOk?: number;
  lastError?: string;
  /** round trip of the last poll, ms */
  lastPollMs?: number;
  pollMs: number;
  /** counters since start */
  polls: number;
  failures: number;
  /** per-request statistics, for bridges built on the shared connection supervisor */
  stats?: CommStats;
  /**
   * the link this device shares with others (a Modbus TCP gateway's host:port, a serial port):
   * the communications page groups devices by it; absent: the device's own address
   */
  link?: string;
}

// ---------------------------------------------------------------- raw frames (issue #12 item 6)

/** One frame a bridge sent or received, as the raw frame view shows it. */
export interface RawFrame {
  /** increasing per device, to ask for what is newer */
  seq: number;
  /** ms since epoch */
  ts: number;
  dir: 'tx' | 'rx';
  /** the frame's octets in hex (at most the ring's byte limit) */
  hex: string;
  /** the frame's full length in octets (hex may be cut at the limit) */
  length: number;
  /** one line in words, e.g. "FC3 read holding 0+20, unit 1, transaction 12" */
  decoded: string;
}

/** A device's bounded ring of recent frames (drivers/common/frames.ts); capturing is off until a technician turns it on. */
export interface FrameCapture {
  /** the protocol records its frames here (it set its decoder); false: the ring stays empty */
  readonly supported: boolean;
  readonly enabled: boolean;
  /** turns capturing on or off; off empties the ring */
  setEnabled(on: boolean): void;
  /** the frames kept, oldest first; those after `afterSeq` when given */
  list(afterSeq?: number): RawFrame[];
}

// ---------------------------------------------------------------- bridges

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
  write(channel: string, value: number | boolean): Promise<void | FieldReport>;
  /**
   * Reads the channel from the device now (command readback). A protocol that cannot read
   * on demand (OCPP) leaves it out: the command pipeline then reads the channel's feedback
   * point (or the channel itself) from the Current Value Table, as the device reports it.
   */
  read?(channel: string): Promise<PointValue>;
  /**
   * Lists the children of a node of the device's address space (the root when absent), to
   * pick points: OPC UA browse. A protocol without an address space leaves it out.
   */
  browse?(nodeId?: string): Promise<BrowseNode[]>;
  /** the device's raw frame ring, where the protocol records its frames (Modbus; others call the same hook) */
  readonly frames?: FrameCapture;
  /** changes the polling period at run time (bulk configuration); a protocol without polling leaves it out */
  setPollMs?(ms: number): void;
}

/** One node of a device's address space, as a browse shows it. */
export interface BrowseNode {
  /** the protocol's address of the node (an OPC UA NodeId such as ns=1;s=Bms.Soc) */
  id: string;
  /** display name */
  name: string;
  /** the protocol's qualified name, e.g. 1:Soc */
  browseName?: string;
  kind: 'object' | 'variable' | 'method';
  /** the node may have children worth browsing */
  hasChildren: boolean;
  /** a variable's data type, e.g. Double */
  dataType?: string;
  /** a variable's value when browsed */
  value?: PointValue;
  /** a variable this application may write */
  writable?: boolean;
}

/** A server certificate a driver was shown: trusted by an administrator, or waiting for a decision. */
export interface TrustedCertificate {
  /** the device protocol family, e.g. opcua */
  protocol: string;
  /** SHA-1 thumbprint, 40 lowercase hex digits (what OPC UA tools show) */
  thumbprint: string;
  /** SHA-256 fingerprint, colon-separated hex */
  sha256: string;
  subject: string;
  issuer: string;
  applicationUri?: string | undefined;
  /** validity, ms since epoch */
  validFrom: number;
  validTo: number;
  status: 'trusted' | 'rejected';
  /** a sentence when the certificate cannot be used even if trusted, e.g. "expired on 2026-01-01" */
  problem?: string;
  /** when the certificate was stored (first presented or trusted), ms since epoch */
  seenAt?: number;
}

/** The certificates of a factory's trust store, for the administrator's trust dialog. */
export interface CertificateTrust {
  list(): Promise<TrustedCertificate[]>;
  /** trusts (or rejects again) the certificate with this SHA-1 thumbprint */
  setTrust(thumbprint: string, trust: boolean): Promise<TrustedCertificate>;
}

/** A narrow view of the app's sealed secrets (passwords, keys), by name. */
export interface SecretAccess {
  /** the secret's value, or undefined when none is stored under that name */
  get(name: string): Promise<string | undefined>;
}

/** What a factory is given when the host starts it. */
export interface DriverContext {
  siteId: string;
  /**
   * A folder this driver may keep files in (certificates, a trust list, captures):
   * `<data folder>/drivers/<first protocol>`; created on demand by the driver.
   */
  dataDir: string;
  secrets: SecretAccess;
  /** the site's devices this factory serves */
  devices: readonly DeviceConfig[];
  /** clock, injectable for tests */
  now: () => number;
}

export interface BridgeContext {
  device: DeviceConfig;
  /** the device's profile; its `protocol` is the one the factory registered */
  profile: DeviceProfile;
  sink: PointSink;
  /** clock, injectable for tests */
  now?: () => number;
  /** poll and reconnect timers on the host's scheduler (core/common/clock.ts); default the real ones */
  scheduler?: Scheduler;
  /** the driver's data folder and secrets (absent in unit tests that need none) */
  dataDir?: string;
  secrets?: SecretAccess;
}

export interface BridgeFactory {
  /** protocols of DeviceConfig this factory serves, e.g. ['modbus-tcp', 'modbus-rtu'] */
  readonly protocols: readonly string[];
  create(ctx: BridgeContext): Bridge;
  /** opens the resources shared by this factory's devices; before any bridge starts */
  start?(ctx: DriverContext): Promise<void>;
  /** closes them; after every bridge stopped; idempotent */
  stop?(): Promise<void>;
  /** the server certificates this factory's devices were shown, when the protocol checks them */
  readonly certificates?: CertificateTrust;
}

/**
 * A protocol as the composition root sees it: what the site loader needs (its profile and
 * connection schemas) and the bridge factory that serves its devices. Adding a protocol to
 * the application is one entry in `DRIVERS` (electron/compose.ts).
 */
export interface Driver {
  readonly definition: ProtocolDefinition<never>;
  /** a bridge factory for one host (a fresh one per call when it owns shared resources) */
  createFactory(): BridgeFactory;
}
