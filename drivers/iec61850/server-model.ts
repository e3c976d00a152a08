/**
 * The model of a simulated IED, built at run time from an IEC 61850 profile (no SCL file):
 * which logical devices, logical nodes and data objects (with their common data class and
 * control model) the server exposes, which data set its report control blocks carry, and
 * where each channel's value lies. Pure: the library server (server-worker.ts) builds the
 * libiec61850 model from this, and the simulator maps channels to the plant with it.
 *
 * Common data classes from the attribute a channel names (IEC 61850-7-3):
 *   mag / instMag / no attribute with FC MX → MV;  mxVal → APC;  setMag → ASG;
 *   stVal → SPS (boolean channel) or DPS (a Dbpos, 0-3).
 * A channel's control object becomes SPC / DPC / APC after the same rule; its ctlModel is
 * select-before-operate with enhanced security (and cancel) for switches (SPC/DPC), direct
 * with normal security for setpoints (APC) — what the driver and the pipeline meet in the field.
 */
import { splitAtDataObject } from './model';
import { channelFc, type Iec61850Channel, type Iec61850Profile } from './profile';

export type SimCdc = 'MV' | 'APC' | 'ASG' | 'SPS' | 'DPS' | 'SPC' | 'DPC';

/** CDC_CTL_MODEL_* of libiec61850 (iec61850_cdc.h) */
export const CTL_MODEL = { NONE: 0, DIRECT_NORMAL: 1, SBO_NORMAL: 2, DIRECT_ENHANCED: 3, SBO_ENHANCED: 4, HAS_CANCEL: 16 } as const;

export interface SimDataObject {
  /** logical device relative to the IED name, e.g. LD0 */
  ld: string;
  ln: string;
  name: string;
  cdc: SimCdc;
  /** control model (CDC_CTL_MODEL_* | HAS_CANCEL) for SPC/DPC/APC */
  ctlModel?: number;
  /** the attribute holding the value, e.g. mag.f, mxVal.f, setMag.f, stVal */
  valuePath: string;
  /** FC of the value */
  fc: 'MX' | 'ST' | 'SP';
  /** in the reported data set */
  reported: boolean;
}

export interface SimChannel {
  channel: string;
  /** `LD/LN.DO` relative to the IED name */
  doRef: string;
  /** wire value = (engineering - offset) / scale */
  scale: number;
  offset: number;
  type: Iec61850Channel['type'];
  /** the control object commanding this channel (relative), if any */
  control?: string;
  /** written as a setting */
  setting: boolean;
}

export interface SimIedModel {
  iedName: string;
  dataObjects: SimDataObject[];
  channels: SimChannel[];
}

function cdcOf(c: Iec61850Channel, path: string): SimCdc {
  const head = path.split('.')[0] ?? '';
  if (head === 'mxVal') return 'APC';
  if (head === 'setMag') return 'ASG';
  if (head === 'stVal') return c.type === 'boolean' ? 'SPS' : 'DPS';
  if (head === 'mag' || head === 'instMag' || (head === '' && channelFc(c) === 'MX')) return 'MV';
  throw new Error(`channel ${c.channel}: the simulator cannot serve ${c.ref ?? '(no reference)'} (attribute ${head || 'none'} with FC ${channelFc(c) ?? '?'})`);
}

function defaultPath(cdc: SimCdc): string {
  return cdc === 'MV' ? 'mag.f' : cdc === 'APC' ? 'mxVal.f' : cdc === 'ASG' ? 'setMag.f' : 'stVal';
}

function fcOf(cdc: SimCdc): SimDataObject['fc'] {
  return cdc === 'MV' || cdc === 'APC' ? 'MX' : cdc === 'ASG' ? 'SP' : 'ST';
}

function controllable(cdc: SimCdc): SimCdc {
  return cdc === 'SPS' ? 'SPC' : cdc === 'DPS' ? 'DPC' : cdc;
}

function ctlModelOf(cdc: SimCdc): number {
  return cdc === 'APC' ? CTL_MODEL.DIRECT_NORMAL : CTL_MODEL.SBO_ENHANCED | CTL_MODEL.HAS_CANCEL;
}

function parts(doRef: string): { ld: string; ln: string; name: string } {
  const m = /^([A-Za-z0-9_]+)\/([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)$/.exec(doRef);
  if (!m) throw new Error(`${doRef} is not a data object reference LD/LN.DO (sub data objects are not simulated)`);
  return { ld: m[1] as string, ln: m[2] as string, name: m[3] as string };
}

/** The IED a profile describes, as the simulator serves it. Throws a sentence naming the channel it cannot serve. */
export function simModelFromProfile(profile: Iec61850Profile, iedName: string): SimIedModel {
  const dos = new Map<string, SimDataObject>();
  const channels: SimChannel[] = [];
  for (const c of profile.channels) {
    if (!c.ref) continue;
    const { doRef, path } = splitAtDataObject(c.ref);
    let cdc = cdcOf(c, path);
    const controlHere = c.control?.object === doRef;
    if (controlHere) cdc = controllable(cdc);
    const prev = dos.get(doRef);
    if (prev && prev.cdc !== cdc) throw new Error(`channel ${c.channel}: ${doRef} is already served as ${prev.cdc}, not ${cdc}`);
    if (!prev)
      dos.set(doRef, {
        ...parts(doRef),
        cdc,
        ...(controlHere ? { ctlModel: ctlModelOf(cdc) } : {}),
        valuePath: path || defaultPath(cdc),
        fc: fcOf(cdc),
        reported: cdc !== 'ASG',
      });
    if (c.control && !controlHere) {
      const ctlCdc = controllable(cdc);
      const prevCtl = dos.get(c.control.object);
      if (prevCtl && prevCtl.cdc !== ctlCdc) throw new Error(`channel ${c.channel}: ${c.control.object} is already served as ${prevCtl.cdc}, not ${ctlCdc}`);
      if (!prevCtl)
        dos.set(c.control.object, { ...parts(c.control.object), cdc: ctlCdc, ctlModel: ctlModelOf(ctlCdc), valuePath: defaultPath(ctlCdc), fc: fcOf(ctlCdc), reported: true });
    }
    channels.push({
      channel: c.channel,
      doRef,
      scale: c.scale,
      offset: c.offset,
      type: c.type,
      ...(c.control ? { control: c.control.object } : {}),
      setting: c.setting !== undefined,
    });
  }
  if (dos.size === 0) throw new Error(`profile ${profile.id} has no channel with a reference: nothing to serve`);
  return { iedName, dataObjects: [...dos.values()], channels };
}
