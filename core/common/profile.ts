/**
 * Protocol-neutral devices: what every protocol's device profile and device entry share, and
 * the registry through which a protocol brings its own profile and connection schemas.
 *
 * A device profile is a channel ↔ address map: each channel has a type, a unit, an access
 * and, for enumerated channels, its `states` (code → label). How an address looks is the
 * protocol's business (a Modbus table and register, an IEC 61850 object reference, an OCPP
 * measurand); the core sees only the neutral `ProfileChannel`s a protocol derives from it.
 *
 * Adding a protocol: describe it as a `ProtocolDefinition` next to its driver
 * (drivers/<protocol>/), and list its driver in the composition root (electron/compose.ts).
 * Nothing in core/ changes: the site loader validates devices and profiles through the
 * registry built from those definitions (core/config/load.ts).
 */
import { z } from 'zod';

/** The ids of the site file and profiles: a letter, then letters, digits, "_" or "-". */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'an id: a letter, then letters, digits, "_" or "-"');

export const channelNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a channel name');

/**
 * Enumerated values of a channel: code → label, e.g. `{ 0: Remote setpoint, 1: Local peak
 * shaving }`. Codes are integers; a command to such a channel must be one of them.
 */
export const channelStatesSchema = z
  .record(z.string().regex(/^-?\d+$/, 'a state code is an integer'), z.string().min(1))
  .refine((s) => Object.keys(s).length > 0, 'at least one state');

/** One channel of a device profile as the core sees it, whatever the protocol. */
export interface ProfileChannel {
  channel: string;
  type: 'number' | 'boolean' | 'string';
  unit: string;
  access: 'ro' | 'rw';
  description?: string;
  /** enumerated values: code → label */
  states?: Record<string, string>;
  /**
   * Another channel of the same device that confirms a command to this one (a breaker's
   * position, a charge point's offered current). The command pipeline reads it back from
   * the Current Value Table when the protocol cannot read on demand.
   */
  feedback?: string;
}

/** What every device profile has, whatever its protocol. */
export interface DeviceProfile {
  id: string;
  /** the protocol family of the profile (e.g. `modbus`); selects its schema */
  protocol: string;
  vendor: string;
  model: string;
  description?: string;
}

/** Fields every protocol's device entry has in the site file. */
export const deviceCommonFields = {
  id: idSchema,
  name: z.string().min(1),
  /** id of a profile in assets/profiles (or the site's own profiles) */
  profile: idSchema,
  /** the asset whose channels this device serves */
  asset: idSchema,
  pollMs: z.number().int().min(50).default(1000),
  timeoutMs: z.number().int().min(50).default(1000),
  /** set by the embedded simulator: this device is simulated */
  simulated: z.boolean().optional(),
};

/**
 * A device entry of the site file, protocol-neutral. Its `connection` was validated by the
 * schema of its protocol; a driver narrows it with its own type guard or schema.
 */
export interface DeviceConfig {
  id: string;
  name: string;
  protocol: string;
  profile: string;
  asset: string;
  pollMs: number;
  timeoutMs: number;
  simulated?: boolean;
  connection: Record<string, unknown>;
}

/** A problem found in a file: the path inside it and a sentence. */
export interface ConfigIssue {
  /** where in the file, e.g. `devices[2].connection.port` */
  path: string;
  message: string;
}

/**
 * What a protocol tells the core about its devices. `P` is its profile type, `D` the
 * device protocols it serves (the site file's `devices[].protocol`).
 */
export interface ProtocolDefinition<P extends DeviceProfile = DeviceProfile> {
  /** the `protocol` field of this protocol's profile files, e.g. `modbus` */
  readonly profileProtocol: string;
  /** the site file's device protocols served, each with the schema of its `connection` */
  readonly connections: Readonly<Record<string, z.ZodType<Record<string, unknown>>>>;
  /** the whole profile file (including `protocol: <profileProtocol>`) */
  readonly profileSchema: z.ZodType<P>;
  /** the profile's channels, protocol-neutral (points, units, states) */
  channels(profile: P): ProfileChannel[];
  /** checks the schema cannot express; paths inside the profile file */
  check?(profile: P): ConfigIssue[];
  /** where the n-th channel is in the profile file, e.g. `registers[3]`; default `channels[n]` */
  channelPath?(index: number): string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** Checks every protocol's channels need: distinct names, feedback in the profile, states on numbers. */
function checkChannels(channels: readonly ProfileChannel[], at: (index: number) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  channels.forEach((c, i) => {
    const prev = seen.get(c.channel);
    if (prev !== undefined) issues.push({ path: `${at(i)}.channel`, message: `channel "${c.channel}" already mapped by ${at(prev)}` });
    else seen.set(c.channel, i);
  });
  channels.forEach((c, i) => {
    if (c.feedback !== undefined && (!seen.has(c.feedback) || c.feedback === c.channel))
      issues.push({ path: `${at(i)}.feedback`, message: `feedback channel "${c.feedback}" is not another channel of this profile` });
    if (c.states && c.type !== 'number') issues.push({ path: `${at(i)}.states`, message: `states are for numeric channels, not ${c.type}` });
  });
  return issues;
}

/** The protocols an application knows: built once from the drivers' definitions. */
export class ProtocolRegistry {
  private readonly byProfile = new Map<string, ProtocolDefinition>();
  private readonly byDevice = new Map<string, ProtocolDefinition>();
  private deviceSchemaCache: z.ZodType<DeviceConfig> | undefined;

  constructor(defs: readonly ProtocolDefinition<never>[] = []) {
    for (const d of defs) this.register(d);
  }

  /** Adds a protocol; a profile protocol or device protocol may be registered once. */
  register<P extends DeviceProfile>(def: ProtocolDefinition<P>): this {
    const d = def as unknown as ProtocolDefinition;
    if (this.byProfile.has(d.profileProtocol)) throw new Error(`profile protocol "${d.profileProtocol}" is registered twice`);
    for (const p of Object.keys(d.connections))
      if (this.byDevice.has(p)) throw new Error(`device protocol "${p}" is registered twice`);
    this.byProfile.set(d.profileProtocol, d);
    for (const p of Object.keys(d.connections)) this.byDevice.set(p, d);
    this.deviceSchemaCache = undefined;
    return this;
  }

  /** device protocols, e.g. modbus-tcp, modbus-rtu */
  deviceProtocols(): string[] {
    return [...this.byDevice.keys()];
  }

  profileProtocols(): string[] {
    return [...this.byProfile.keys()];
  }

  /** the profile protocol a device protocol uses (`modbus-tcp` → `modbus`) */
  profileProtocolOf(deviceProtocol: string): string | undefined {
    return this.byDevice.get(deviceProtocol)?.profileProtocol;
  }

  /** The schema of a device entry: common fields plus its protocol's connection. */
  deviceSchema(): z.ZodType<DeviceConfig> {
    if (this.deviceSchemaCache) return this.deviceSchemaCache;
    const options = [...this.byDevice].map(([protocol, def]) =>
      z.object({ ...deviceCommonFields, protocol: z.literal(protocol), connection: def.connections[protocol] as z.ZodType<Record<string, unknown>> }).strict(),
    );
    if (options.length === 0) throw new Error('no protocol is registered');
    const [first, ...rest] = options;
    this.deviceSchemaCache = z.discriminatedUnion('protocol', [first!, ...rest]) as unknown as z.ZodType<DeviceConfig>;
    return this.deviceSchemaCache;
  }

  /** Validates a profile file's content by its `protocol`; issues carry paths inside the file. */
  parseProfile(
    data: unknown,
  ): { ok: true; profile: DeviceProfile } | { ok: false; issues: ConfigIssue[]; unknownProtocol?: { id: string | undefined; protocol: string } } {
    const obj = data && typeof data === 'object' && !Array.isArray(data) ? (data as { protocol?: unknown; id?: unknown }) : undefined;
    const protocol = obj?.protocol;
    const known = this.profileProtocols().sort().join(', ');
    if (typeof protocol !== 'string')
      return { ok: false, issues: [{ path: 'protocol', message: `a profile names its protocol (one of: ${known})` }] };
    const def = this.byProfile.get(protocol);
    if (!def)
      return {
        ok: false,
        issues: [{ path: 'protocol', message: `unknown protocol "${protocol}" (known: ${known})` }],
        unknownProtocol: { id: typeof obj?.id === 'string' ? obj.id : undefined, protocol },
      };
    const r = def.profileSchema.safeParse(data);
    if (!r.success) return { ok: false, issues: zodIssues(r.error) };
    const profile = r.data;
    const at = def.channelPath ? (i: number) => def.channelPath!(i) : (i: number) => `channels[${i}]`;
    const issues = [...checkChannels(def.channels(profile), at), ...(def.check?.(profile) ?? [])];
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, profile };
  }

  /** The neutral channels of a profile (throws for a protocol nobody registered). */
  channels(profile: DeviceProfile): ProfileChannel[] {
    const def = this.byProfile.get(profile.protocol);
    if (!def) throw new Error(`profile "${profile.id}": protocol "${profile.protocol}" is not registered`);
    return def.channels(profile);
  }
}
