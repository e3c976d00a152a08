/**
 * The communications page's API (issue #12 items 4-6, infra.01/infra.02): the raw frame view,
 * bulk configuration of devices, discovery (Modbus TCP scan, SunSpec models) and CSV bulk
 * registration and export of devices and points. Types and argument schemas only; the host's
 * handlers are core/host/handlers/comms.ts, discovery core/discovery, CSV core/devices.
 */
import { z } from 'zod';
import type { RawFrame } from './bridge';

// ------------------------------------------------------------------ raw frames

export interface DeviceFrames {
  deviceId: string;
  /** capturing is on (it turns itself off after `maxOnMinutes`) */
  enabled: boolean;
  /** false: the device's protocol records no frames */
  supported: boolean;
  frames: RawFrame[];
}

// ------------------------------------------------------------------ bulk configuration

export interface DeviceConfigureRequest {
  /** the selection: 1-200 device ids */
  deviceIds: string[];
  /** a new polling period for each, ms (100 ms - 1 h) */
  pollMs?: number;
  /** false: stop talking to the devices (their points turn bad/comm-fail); true: start again */
  enabled?: boolean;
  /** why (kept in the audit record) */
  reason: string;
}

export interface DeviceConfigureResult {
  results: Array<{ deviceId: string; ok: boolean; message: string }>;
}

// ------------------------------------------------------------------ discovery

export interface DiscoveryRequest {
  /** first and last IPv4 address of the range, e.g. 192.168.1.1 - 192.168.1.254 (at most 256 hosts) */
  fromHost: string;
  toHost: string;
  /** TCP ports to try on each host (at most 8), default [502] */
  ports?: number[];
  /** unit ids to ask on each open port (at most 32 in all), default [1] */
  unitIds?: number[];
  /** look for the SunSpec "SunS" marker (40000, 0, 50000) and walk its model chain; default true */
  sunspec?: boolean;
  /** per connection and per request, ms (100-5000, default 1000) */
  timeoutMs?: number;
  /** connections at a time (1-16, default 8) */
  concurrency?: number;
}

export interface SunSpecModel {
  id: number;
  /** the model's length in registers */
  length: number;
  /** the model's start (its id register), zero-based holding address */
  address: number;
  /** the model's name where known (common, inverter, storage...) */
  name: string;
}

export interface DiscoveryProposal {
  /** stable key of the proposal: host:port/unit */
  key: string;
  host: string;
  port: number;
  unitId: number;
  /** how it answered: the register it read */
  evidence: string;
  sunspec?: {
    base: number;
    models: SunSpecModel[];
    manufacturer?: string;
    model?: string;
    serial?: string;
    version?: string;
  };
  /** a device of the site already at this address */
  knownDevice?: string;
}

export type DiscoveryState = 'running' | 'done' | 'cancelled' | 'failed';

export interface DiscoveryStatus {
  id: string;
  state: DiscoveryState;
  /** probes done and to do (host × port, then unit ids on open ports) */
  done: number;
  total: number;
  proposals: DiscoveryProposal[];
  /** what went wrong (state failed), or a note (cut at the bounds) */
  message?: string;
  startedAt: number;
  endedAt?: number;
}

/** A proposal the technician accepts: the device entry it becomes. */
export interface DiscoveryAcceptRequest {
  scanId: string;
  items: Array<{ key: string; deviceId: string; name: string; assetId: string; profileId: string; pollMs?: number }>;
}

// ------------------------------------------------------------------ CSV bulk registration

export interface CsvIssue {
  /** the file's name as uploaded */
  file: string;
  /** 1-based line and column of the problem in that file */
  line: number;
  column: number;
  /** the column's name, e.g. host */
  field?: string;
  message: string;
}

export interface CsvImportRequest {
  /** the devices file (its name and text); see docs/comms.md for the columns */
  devices?: { fileName: string; text: string };
  /** the points file: Modbus register maps, one row per point */
  points?: { fileName: string; text: string };
}

export type CsvImportPreview =
  | {
      ok: true;
      devices: Array<{ id: string; name: string; protocol: string; address: string; profile: string; asset: string; pollMs: number }>;
      profiles: Array<{ id: string; points: number; file: string }>;
      siteFile: string;
    }
  | { ok: false; issues: CsvIssue[] };

export type CsvImportResult = (Extract<CsvImportPreview, { ok: true }> & { applied: true; restartNeeded: true }) | Extract<CsvImportPreview, { ok: false }>;

export interface CsvExport {
  devices: { fileName: string; text: string };
  points: { fileName: string; text: string };
}

// ------------------------------------------------------------------ methods

export interface CommsApiMethods {
  'devices.frames': { req: { deviceId: string; afterSeq?: number }; res: DeviceFrames };
  'devices.frames.capture': { req: { deviceId: string; on: boolean }; res: DeviceFrames };
  'devices.configure': { req: DeviceConfigureRequest; res: DeviceConfigureResult };
  'discovery.start': { req: DiscoveryRequest; res: DiscoveryStatus };
  'discovery.status': { req: { id: string }; res: DiscoveryStatus };
  'discovery.cancel': { req: { id: string }; res: DiscoveryStatus };
  'discovery.accept': { req: DiscoveryAcceptRequest; res: CsvImportResult };
  'devices.csv.preview': { req: CsvImportRequest; res: CsvImportPreview };
  'devices.csv.apply': { req: CsvImportRequest; res: CsvImportResult };
  'devices.csv.export': { req: Record<string, never>; res: CsvExport };
}

const id = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'an id: a letter, then letters, digits, "_" or "-"');
const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'an IPv4 address such as 192.168.1.10');
/** what one API message carries (the WebSocket takes 1 MiB) */
export const MAX_CSV_TEXT = 480 * 1024;
const csvFile = z
  .object({
    fileName: z.string().min(1).max(255),
    text: z.string().max(MAX_CSV_TEXT, 'the file is larger than 480 KB: split it'),
  })
  .strict();
const csvRequest = z
  .object({ devices: csvFile.optional(), points: csvFile.optional() })
  .strict()
  .refine((r) => r.devices !== undefined || r.points !== undefined, { message: 'give a devices file, a points file or both' });

export const commsArgSchemas: { [M in keyof CommsApiMethods]: z.ZodType<CommsApiMethods[M]['req']> } = {
  'devices.frames': z.object({ deviceId: z.string().min(1).max(100), afterSeq: z.number().int().min(0).optional() }).strict(),
  'devices.frames.capture': z.object({ deviceId: z.string().min(1).max(100), on: z.boolean() }).strict(),
  'devices.configure': z
    .object({
      deviceIds: z.array(z.string().min(1).max(100)).min(1, 'select at least one device').max(200, 'at most 200 devices at a time'),
      pollMs: z.number().int().min(100, 'a polling period of at least 100 ms').max(3_600_000, 'a polling period of at most 1 hour').optional(),
      enabled: z.boolean().optional(),
      reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
    })
    .strict()
    .refine((r) => r.pollMs !== undefined || r.enabled !== undefined, { message: 'change the polling period, enable or disable, or both' }),
  'discovery.start': z
    .object({
      fromHost: ipv4,
      toHost: ipv4,
      ports: z.array(z.number().int().min(1).max(65535)).min(1).max(8, 'at most 8 ports').optional(),
      unitIds: z.array(z.number().int().min(0).max(255)).min(1).max(32, 'at most 32 unit ids').optional(),
      sunspec: z.boolean().optional(),
      timeoutMs: z.number().int().min(100).max(5000).optional(),
      concurrency: z.number().int().min(1).max(16).optional(),
    })
    .strict(),
  'discovery.status': z.object({ id: z.string().min(1).max(64) }).strict(),
  'discovery.cancel': z.object({ id: z.string().min(1).max(64) }).strict(),
  'discovery.accept': z
    .object({
      scanId: z.string().min(1).max(64),
      items: z
        .array(
          z
            .object({
              key: z.string().min(1).max(100),
              deviceId: id,
              name: z.string().trim().min(1).max(200),
              assetId: id,
              profileId: id,
              pollMs: z.number().int().min(100).max(3_600_000).optional(),
            })
            .strict(),
        )
        .min(1, 'accept at least one proposal')
        .max(200),
    })
    .strict(),
  'devices.csv.preview': csvRequest,
  'devices.csv.apply': csvRequest,
  'devices.csv.export': z.object({}).strict(),
};

/** IPv4 text → number (the range check of a scan) */
export function ipv4ToNumber(s: string): number {
  return s.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** at most this many hosts in one scan */
export const MAX_SCAN_HOSTS = 256;
