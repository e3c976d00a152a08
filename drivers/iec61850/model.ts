/**
 * From a profile's channels to what the driver reads, and from what it reads (a polled data
 * object, a report's data set members) to samples with quality and source time. Pure.
 *
 * Every channel lies in a data object (DO) with an FC: `LD0/MMXU1.TotW.mag.f` [MX] lies in
 * `LD0/MMXU1.TotW` [MX] at `mag.f`; its quality is that DO's `q`, its time its `t`. The
 * driver keeps the latest value of every attribute of each DO it serves (`DoImage`), filled by
 * polls (the whole DO with its type) and by reports (whole DOs or single attributes).
 */
import type { PointSample } from '../../core/common/bridge';
import type { PointValue } from '../../core/common/point';
import type { Quality } from '../../core/common/quality';
import { appQuality, decodeQuality, decodeUtcTime, scalarValue, type MmsData } from './mms';
import type { TypeSpec } from './protocol';
import { channelFc, type Iec61850Channel, type Iec61850Profile } from './profile';

/** Data attribute names of IEC 61850-7-3 common data classes: a reference is cut at the first of them. */
const DA_NAMES = new Set([
  'stVal', 'q', 't', 'mag', 'instMag', 'cVal', 'instCVal', 'mxVal', 'setMag', 'setVal', 'setCal', 'general', 'dirGeneral',
  'actVal', 'frVal', 'pulsQty', 'ctlVal', 'ctlModel', 'ctlNum', 'origin', 'Oper', 'SBO', 'SBOw', 'Cancel', 'units', 'db', 'zeroDb',
  'sVC', 'rangeC', 'range', 'subEna', 'subVal', 'subMag', 'subQ', 'subID', 'blkEna', 'd', 'dU', 'cdcNs', 'cdcName', 'dataNs',
  'valWTr', 'operTimeout', 'sboTimeout', 'sboClass', 'minVal', 'maxVal', 'stepSize', 'hstVal', 'numPts',
]);
/** the value of a data object named without an attribute (`LD0/ZBAT1.InBatV`): the first of these it has */
export const DEFAULT_VALUE_PATHS = ['mag.f', 'mag.i', 'stVal', 'mxVal.f', 'mxVal.i', 'setMag.f', 'setMag.i', 'setVal', 'general', 'cVal.mag.f', 'actVal'];
/** sub data objects of WYE/DEL: part of the DO, not attributes */
const SDO_NAMES = new Set(['phsA', 'phsB', 'phsC', 'neut', 'net', 'res', 'phsAB', 'phsBC', 'phsCA']);

/** Puts the IED name in front of the logical device of a profile reference. */
export function withIed(iedName: string, ref: string): string {
  return iedName ? `${iedName}${ref}` : ref;
}

/** `LD/LN.DO[.SDO].DA[.BDA]` → the DO and the path inside it. */
export function splitAtDataObject(ref: string): { doRef: string; path: string } {
  const slash = ref.indexOf('/');
  const parts = ref.slice(slash + 1).split('.');
  // parts[0] = LN, parts[1] = DO, then SDOs until the first attribute name
  let i = 2;
  while (i < parts.length && (SDO_NAMES.has(parts[i] as string) || !DA_NAMES.has(parts[i] as string))) i++;
  return { doRef: `${ref.slice(0, slash + 1)}${parts.slice(0, i).join('.')}`, path: parts.slice(i).join('.') };
}

/** `X[FC]` (a data set member) → reference and FC */
export function parseMember(member: string): { ref: string; fc: string } {
  const m = /^(.*)\[([A-Z]{2})\]$/.exec(member);
  if (!m) throw new Error(`data set member "${member}" has no functional constraint`);
  return { ref: m[1] as string, fc: m[2] as string };
}

export function doKey(doRef: string, fc: string): string {
  return `${doRef}[${fc}]`;
}

export interface ChannelPlan {
  channel: Iec61850Channel;
  /** full reference of the attribute (with the IED name) */
  ref: string;
  fc: string;
  doRef: string;
  /** the attribute inside the DO, e.g. `mag.f` */
  path: string;
  key: string;
}

export function planChannels(profile: Iec61850Profile, iedName: string): ChannelPlan[] {
  const out: ChannelPlan[] = [];
  for (const c of profile.channels) {
    if (!c.ref) continue;
    const fc = channelFc(c);
    if (!fc) throw new Error(`channel ${c.channel}: no functional constraint for ${c.ref}`);
    const ref = withIed(iedName, c.ref);
    const { doRef, path } = splitAtDataObject(ref);
    out.push({ channel: c, ref, fc, doRef, path, key: doKey(doRef, fc) });
  }
  return out;
}

/** The attributes of a value by path (`mag.f`, `q`, `t`), using the value's type for the names. */
export function flatten(spec: TypeSpec | undefined, value: MmsData, prefix: string, into: Map<string, MmsData>): Map<string, MmsData> {
  if (value.type === 'structure' && spec?.children) {
    value.items.forEach((item, i) => {
      const child = spec.children?.[i];
      if (!child) return;
      flatten(child, item, prefix ? `${prefix}.${child.name}` : child.name, into);
    });
    return into;
  }
  into.set(prefix, value);
  return into;
}

/** The latest attributes of every served DO, with the update in which each was last set. */
export class DoImage {
  private readonly dos = new Map<string, Map<string, MmsData>>();
  private readonly gens = new Map<string, number>();
  private gen = 0;

  set(key: string, attrs: Map<string, MmsData>): void {
    const g = ++this.gen;
    let cur = this.dos.get(key);
    if (!cur) this.dos.set(key, (cur = new Map()));
    for (const [k, v] of attrs) {
      cur.set(k, v);
      this.gens.set(`${key}|${k}`, g);
    }
  }

  get(key: string): Map<string, MmsData> | undefined {
    return this.dos.get(key);
  }

  /** Was the DO's time `t` set in the same update as (or after) the attribute at `path`? */
  timeFresh(key: string, path: string): boolean {
    return (this.gens.get(`${key}|t`) ?? -1) >= (this.gens.get(`${key}|${path}`) ?? 0);
  }

  clear(): void {
    this.dos.clear();
    this.gens.clear();
  }
}

const BAD_DEVICE: Quality = { level: 'bad', reason: 'device' };

/**
 * The sample of a channel from its DO's attributes; undefined while its value is unknown.
 * The source time is the DO's `t` when it came with the value (`timeFresh`) and is set;
 * otherwise the receive time.
 */
export function sampleOf(plan: ChannelPlan, attrs: Map<string, MmsData> | undefined, pointId: string, now: number, timeFresh = true): PointSample | undefined {
  const path = plan.path || DEFAULT_VALUE_PATHS.find((p) => attrs?.has(p));
  const raw = path !== undefined ? attrs?.get(path) : undefined;
  if (!raw || !attrs) return undefined;
  const c = plan.channel;
  let value: PointValue | undefined = scalarValue(raw);
  let quality: Quality = { level: 'good' };
  const q = attrs.get('q');
  if (q?.type === 'bit-string') quality = appQuality(decodeQuality(q.bytes, q.size));
  const t = attrs.get('t');
  const time = t?.type === 'utc-time' && timeFresh ? decodeUtcTime(t.bytes) : undefined;
  const ts = time && time.ms > 0 ? time.ms : now;
  // the device's TimeQuality travels with its time (not with the receive time)
  const withTq = (s: PointSample): PointSample => (time && time.ms > 0 ? { ...s, tq: time.quality } : s);
  if (value === undefined) return withTq({ id: pointId, value: null, quality: BAD_DEVICE, ts });
  if (c.type === 'number') {
    const n = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : Number.NaN;
    value = n * c.scale + c.offset;
    if (!Number.isFinite(value)) return withTq({ id: pointId, value: null, quality: BAD_DEVICE, ts });
  } else if (c.type === 'boolean') {
    value = typeof value === 'boolean' ? value : value !== 0 && value !== '' && value !== null;
  } else value = String(value);
  return withTq({ id: pointId, value, quality, ts });
}

/** Where a data set member lands: its DO and the path prefix of its value inside the DO. */
export interface MemberPlan {
  member: string;
  key: string;
  /** '' when the member is the whole DO (FCD) */
  prefix: string;
  ref: string;
  fc: string;
}

export function planMember(member: string): MemberPlan {
  const { ref, fc } = parseMember(member);
  const { doRef, path } = splitAtDataObject(ref);
  return { member, key: doKey(doRef, fc), prefix: path, ref, fc };
}

/** Does the member carry this channel's value (the whole DO, or the attribute or a part containing it)? */
export function memberCovers(m: MemberPlan, c: ChannelPlan): boolean {
  if (m.key !== c.key) return false;
  if (m.prefix === '') return true;
  if (c.path === '') return DEFAULT_VALUE_PATHS.some((p) => p === m.prefix || p.startsWith(`${m.prefix}.`));
  return c.path === m.prefix || c.path.startsWith(`${m.prefix}.`);
}
