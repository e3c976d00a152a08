/**
 * Loads a site file (YAML or JSON) and the device profiles it uses, validates everything and
 * reports every problem at once with the file and the path inside it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import {
  resolveAlarmSetpointRefs,
  ProtocolRegistry,
  buildSiteSchema,
  checkEnergyReferences,
  checkControlReferences,
  checkSiteReferences,
  defaultProtocols,
  natureChannel,
  requiredChannels,
  pointId,
  zodIssues,
  type ConfigIssue,
  type DeviceProfile,
  type PointMeta,
  type ProtocolDefinition,
  type SiteConfig,
} from '../common';
import { compileExpression } from '../alarms/expression';
import { checkAlarmLimitsAgainstSite } from './limit-warnings';

export { resolveAlarmSetpointRefs };

export interface FileIssue extends ConfigIssue {
  file: string;
  line?: number;
  column?: number;
}

export class ConfigError extends Error {
  constructor(readonly issues: FileIssue[]) {
    super(
      `configuration has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n` +
        issues.map((i) => `  ${formatIssue(i)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export function formatIssue(i: FileIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
  return `${where}: ${i.path}: ${i.message}`;
}

export interface LoadedSite {
  file: string;
  site: SiteConfig;
  /** every profile found, by id, whatever its protocol (validated by that protocol's schema) */
  profiles: Map<string, DeviceProfile>;
  points: PointMeta[];
  /** located warnings ("file:line:col: path: sentence"): the app starts, the console and site.get show them */
  warnings?: string[];
}

/** The protocols a site may use: a registry, or the drivers' definitions to build one from. */
export type ProtocolsInput = ProtocolRegistry | readonly ProtocolDefinition<never>[];

function registryOf(protocols: ProtocolsInput | undefined): ProtocolRegistry {
  if (protocols instanceof ProtocolRegistry) return protocols;
  return new ProtocolRegistry(protocols ?? defaultProtocols);
}

/** Where the shipped profiles live, relative to the repo / app root. */
export function defaultProfileDirs(appRoot: string): string[] {
  return [join(appRoot, 'assets', 'profiles')];
}

interface ParsedFile {
  data: unknown;
  /** maps a path inside the document to a line/column, where known */
  locate: (path: string) => { line: number; column: number } | undefined;
}

function parseFile(file: string, issues: FileIssue[]): ParsedFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    issues.push({ file, path: '(file)', message: `cannot read: ${(e as Error).message}` });
    return undefined;
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return { data: JSON.parse(text) as unknown, locate: () => undefined };
    } catch (e) {
      issues.push({ file, path: '(root)', message: `invalid JSON: ${(e as Error).message}` });
      return undefined;
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      issues.push({ file, path: '(syntax)', message: err.message.split('\n')[0] ?? err.message, line: pos.line, column: pos.col });
    }
    return undefined;
  }
  const locate = (path: string): { line: number; column: number } | undefined => {
    const keys: (string | number)[] = [];
    for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
      if (m[2] !== undefined) keys.push(Number(m[2]));
      else if (m[1] !== undefined) keys.push(m[1]);
    }
    // walk to the deepest node that exists
    for (let n = keys.length; n > 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && Array.isArray(node.range)) {
        const p = lineCounter.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return undefined;
  };
  return { data: doc.toJS() as unknown, locate };
}

function withLocation(file: string, parsed: ParsedFile, issues: ConfigIssue[]): FileIssue[] {
  return issues.map((i) => ({ ...i, file, ...parsed.locate(i.path) }));
}

/**
 * Loads every profile file (*.yaml, *.yml, *.json) of the given directories; each is
 * validated by the schema of the protocol it names (`protocol:`), with located errors.
 */
export function loadProfiles(
  dirs: readonly string[],
  issues: FileIssue[],
  protocols?: ProtocolsInput,
  /** collects profiles of protocols no driver serves (id → file, protocol) instead of reporting them */
  unserved?: Map<string, { file: string; protocol: string }>,
): Map<string, DeviceProfile> {
  const registry = registryOf(protocols);
  const profiles = new Map<string, DeviceProfile>();
  const origin = new Map<string, string>();
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(ya?ml|json)$/i.test(name)) continue;
      const file = join(dir, name);
      const parsed = parseFile(file, issues);
      if (!parsed) continue;
      const result = registry.parseProfile(parsed.data);
      if (!result.ok) {
        // a profile of a protocol this application has no driver for matters only if a device uses it
        if (result.unknownProtocol?.id !== undefined && unserved) unserved.set(result.unknownProtocol.id, { file, protocol: result.unknownProtocol.protocol });
        else issues.push(...withLocation(file, parsed, result.issues));
        continue;
      }
      const p = result.profile;
      const other = origin.get(p.id);
      if (other) {
        issues.push({ file, path: 'id', message: `profile id "${p.id}" is also defined in ${other}` });
        continue;
      }
      origin.set(p.id, file);
      profiles.set(p.id, p);
    }
  }
  return profiles;
}

/** A device must use a profile of its own protocol (a modbus-tcp device, a `modbus` profile). */
export function checkDeviceProtocols(site: SiteConfig, profiles: ReadonlyMap<string, DeviceProfile>, registry: ProtocolRegistry): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  site.devices.forEach((d, i) => {
    const profile = profiles.get(d.profile);
    const wanted = registry.profileProtocolOf(d.protocol);
    if (profile && wanted !== undefined && profile.protocol !== wanted)
      issues.push({ path: `devices[${i}].profile`, message: `profile "${profile.id}" is a ${profile.protocol} profile; a ${d.protocol} device needs a ${wanted} profile` });
  });
  return issues;
}

/** Builds the static point list: one point per profile channel of each device, `asset/channel`. */
export function buildPoints(
  site: SiteConfig,
  profiles: ReadonlyMap<string, DeviceProfile>,
  protocols?: ProtocolsInput,
): { points: PointMeta[]; issues: ConfigIssue[] } {
  const registry = registryOf(protocols);
  const issues: ConfigIssue[] = [];
  const points: PointMeta[] = [];
  const byId = new Map<string, string>();
  const assets = new Map(site.assets.map((a) => [a.id, a]));
  site.devices.forEach((d, di) => {
    const profile = profiles.get(d.profile);
    const asset = assets.get(d.asset);
    if (!profile || !asset) return; // reported by the reference check
    if (registry.profileProtocolOf(d.protocol) !== profile.protocol) return; // reported by checkDeviceProtocols
    for (const r of registry.channels(profile)) {
      const id = pointId(asset.id, r.channel);
      const prev = byId.get(id);
      if (prev) {
        issues.push({ path: `devices[${di}]`, message: `point "${id}" is served by both device "${prev}" and "${d.id}"` });
        continue;
      }
      byId.set(id, d.id);
      const def = natureChannel(asset.nature, r.channel);
      const limits = asset.points?.[r.channel];
      const meta: PointMeta = {
        id,
        assetId: asset.id,
        channel: r.channel,
        deviceId: d.id,
        unit: r.unit || def?.unit || '',
        type: r.type,
        access: r.access,
      };
      if (limits?.min !== undefined) meta.min = limits.min;
      if (limits?.max !== undefined) meta.max = limits.max;
      const description = r.description ?? def?.doc;
      if (description) meta.description = description;
      // the profile's states describe this device; the nature's are the default
      const states = r.states ?? def?.states;
      if (states) meta.states = states;
      if (r.feedback !== undefined) meta.feedback = pointId(asset.id, r.feedback);
      if (def && def.unit && r.unit && def.unit !== r.unit)
        issues.push({ path: `devices[${di}].profile`, message: `profile "${profile.id}" gives ${r.channel} in "${r.unit}" but nature ${asset.nature} expects "${def.unit}"` });
      points.push(meta);
    }
  });
  site.assets.forEach((a, ai) => {
    const missing = requiredChannels(a.nature).filter((ch) => !byId.has(pointId(a.id, ch)));
    if (missing.length > 0)
      issues.push({
        path: `assets[${ai}].nature`,
        message: `${a.nature} "${a.id}" needs ${missing.map((c) => `"${c}"`).join(', ')}, but no device serves ${missing.length === 1 ? 'it' : 'them'} (a ${a.nature} always has ${requiredChannels(a.nature).join(', ')})`,
      });
    for (const ch of Object.keys(a.points ?? {})) {
      if (!byId.has(pointId(a.id, ch))) issues.push({ path: `assets[${ai}].points.${ch}`, message: `no device serves channel "${ch}" of asset "${a.id}"` });
    }
  });
  return { points, issues };
}

/** Every point an alarm definition reads or commands must exist; ids must be unique. */
export function checkAlarmReferences(site: SiteConfig, pointIds: ReadonlySet<string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  (site.alarms?.definitions ?? []).forEach((def, i) => {
    const at = `alarms.definitions[${i}]`;
    const prev = seen.get(def.id);
    if (prev !== undefined) issues.push({ path: `${at}.id`, message: `alarm id "${def.id}" is also used by alarms.definitions[${prev}]` });
    seen.set(def.id, i);
    const refs: Array<[string, string]> = [];
    if ('point' in def) refs.push(['point', def.point]);
    if (def.type === 'deviation' && typeof def.setpoint === 'string') refs.push(['setpoint', def.setpoint]);
    const exprs: Array<[string, string]> = [];
    if (def.type === 'expression') exprs.push(['expr', def.expr]);
    if (def.suppressWhen) exprs.push(['suppressWhen', def.suppressWhen]);
    for (const [field, src] of exprs) {
      try {
        for (const p of compileExpression(src).points) refs.push([field, p]);
      } catch (e) {
        issues.push({ path: `${at}.${field}`, message: (e as Error).message });
      }
    }
    def.actions.forEach((a, k) => refs.push([`actions[${k}].target`, a.target]));
    for (const [field, id] of refs) if (!pointIds.has(id)) issues.push({ path: `${at}.${field}`, message: `unknown point "${id}"` });
  });
  return issues;
}

/**
 * Loads and validates a site file. Profiles come from `profileDirs` plus a `profiles/`
 * folder beside the site file. Throws ConfigError listing every problem.
 */
export function loadSite(file: string, profileDirs: readonly string[], protocols?: ProtocolsInput): LoadedSite {
  const registry = registryOf(protocols);
  const abs = resolve(file);
  const issues: FileIssue[] = [];
  const parsed = parseFile(abs, issues);
  const unserved = new Map<string, { file: string; protocol: string }>();
  const profiles = loadProfiles([...profileDirs, join(dirname(abs), 'profiles')], issues, registry, unserved);
  if (!parsed) throw new ConfigError(issues);
  issues.push(...withLocation(abs, parsed, resolveAlarmSetpointRefs(parsed.data)));
  const result = buildSiteSchema(registry).safeParse(parsed.data);
  if (!result.success) {
    issues.push(...withLocation(abs, parsed, zodIssues(result.error)));
    throw new ConfigError(issues);
  }
  const site = result.data;
  const refIssues = checkSiteReferences(site, new Set(profiles.keys())).map((i) => {
    const m = /^devices\[(\d+)\]\.profile$/.exec(i.path);
    const u = m ? unserved.get(site.devices[Number(m[1])]?.profile ?? '') : undefined;
    return u ? { ...i, message: `profile "${site.devices[Number(m![1])]?.profile}" (${u.file}) is a ${u.protocol} profile, and no driver of this application serves ${u.protocol}` } : i;
  });
  issues.push(...withLocation(abs, parsed, refIssues));
  issues.push(...withLocation(abs, parsed, checkDeviceProtocols(site, profiles, registry)));
  issues.push(...withLocation(abs, parsed, checkControlReferences(site.control, site.assets)));
  const built = buildPoints(site, profiles, registry);
  issues.push(...withLocation(abs, parsed, checkEnergyReferences(site)));
  issues.push(...withLocation(abs, parsed, built.issues));
  issues.push(...withLocation(abs, parsed, checkAlarmReferences(site, new Set(built.points.map((p) => p.id)))));
  if (issues.length > 0) throw new ConfigError(issues);
  const warnings = withLocation(abs, parsed, checkAlarmLimitsAgainstSite(site)).map(formatIssue);
  return { file: abs, site, profiles, points: built.points, warnings };
}
