/**
 * Importing a device description into the site (infra.01 bulk configuration), from the API:
 * today an IEC 61850 SCL file (ICD/CID/IID/SCD). `devices.import.preview` converts and
 * checks without saving anything; `devices.import.apply` does the same checks, then writes
 * the profile file and adds the device to the site file, both or neither. Problems are
 * located (file:line:column) and said in sentences. The new device connects after a restart.
 */
import { z } from 'zod';

export interface DeviceImportRequest {
  format: 'scl';
  /** the uploaded file's name (for located messages) */
  fileName: string;
  /** the file's text */
  text: string;
  /** the IED to import (required when the file describes several) */
  iedName?: string;
  deviceId: string;
  assetId: string;
  /** default `<deviceId>-61850` */
  profileId?: string;
  /** default the IED's address in the file's Communication section */
  host?: string;
  port?: number;
}

export interface DeviceImportIssue {
  /** the file the problem is in (the uploaded one, or the site file the device would join) */
  file: string;
  line?: number;
  column?: number;
  /** the field, e.g. deviceId, or a path in the produced profile */
  path?: string;
  message: string;
}

export interface DeviceImportChannel {
  channel: string;
  ref?: string;
  type: string;
  unit: string;
  access: 'ro' | 'rw';
  /** how a writable channel is written: control object or setting */
  via?: string;
}

export type DeviceImportPreview =
  | {
      ok: true;
      /** every IED of the file */
      ieds: string[];
      iedName: string;
      profileId: string;
      deviceId: string;
      channels: DeviceImportChannel[];
      /** the texts that would be written */
      profileYaml: string;
      deviceYaml: string;
      /** where: the profile file and the site file */
      profileFile: string;
      siteFile: string;
    }
  | { ok: false; ieds: string[]; issues: DeviceImportIssue[] };

export type DeviceImportResult = (Extract<DeviceImportPreview, { ok: true }> & { applied: true; restartNeeded: true }) | Extract<DeviceImportPreview, { ok: false }>;

export interface DeviceImportApiMethods {
  'devices.import.preview': { req: DeviceImportRequest; res: DeviceImportPreview };
  'devices.import.apply': { req: DeviceImportRequest; res: DeviceImportResult };
}

const idSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'an id: a letter, then letters, digits, "_" or "-"');

/** what one API message carries (the WebSocket takes 1 MiB): larger SCD files go through the command line tool */
export const MAX_IMPORT_TEXT = 960 * 1024;

export const deviceImportRequestSchema = z
  .object({
    format: z.literal('scl'),
    fileName: z.string().min(1).max(255),
    text: z.string().min(1, 'the file is empty').max(MAX_IMPORT_TEXT, 'the file is larger than 960 KB: import it with the command line tool (drivers/iec61850/README.md)'),
    iedName: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'an IED name: letters, digits and "_"').optional(),
    deviceId: idSchema,
    assetId: idSchema,
    profileId: idSchema.optional(),
    host: z.string().min(1).max(253).optional(),
    port: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

export const deviceImportArgSchemas: { [M in keyof DeviceImportApiMethods]: z.ZodType<DeviceImportApiMethods[M]['req']> } = {
  'devices.import.preview': deviceImportRequestSchema,
  'devices.import.apply': deviceImportRequestSchema,
};

/** What a protocol provides to convert a file into a profile and a device entry (drivers/iec61850/scl-service.ts). */
export interface DeviceConverter {
  convert(req: DeviceImportRequest):
    | { ok: true; ieds: string[]; iedName: string; profile: Record<string, unknown>; device: Record<string, unknown> }
    | { ok: false; ieds: string[]; issues: DeviceImportIssue[] };
}
