/**
 * SCL import (IEC 61850-6: ICD, CID, IID, SCD): reads the file with fast-xml-parser, resolves
 * each logical node's type down to its data attributes, and proposes an ES Manager profile
 * (channels = the measured values, statuses, controls and settings of the IED) and a device
 * entry (address from the Communication section) without connecting to anything.
 *
 * Every problem is located: `file:line:column: what`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ConfigIssue } from '../../core/common/profile';
import type { Iec61850Channel } from './profile';

export class SclError extends Error {
  constructor(readonly issues: Array<{ file: string; line: number; column: number; message: string }>) {
    super(`SCL file has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${i.file}:${i.line}:${i.column}: ${i.message}`).join('\n')}`);
    this.name = 'SclError';
  }
}

export interface SclAttribute {
  /** relative to the IED name: LDinst/LN.DO[.SDO].DA[.BDA] */
  ref: string;
  fc: string;
  bType: string;
}

export interface SclDataObject {
  /** LDinst/LN.DO */
  ref: string;
  cdc: string;
  desc?: string;
  attributes: SclAttribute[];
  /** ctlModel from the instance (DOI) or the type's default value */
  ctlModel?: string;
  /** SI unit from the instance (units.SIUnit) */
  unit?: string;
}

export interface SclLogicalDevice {
  inst: string;
  logicalNodes: Array<{ name: string; lnClass: string; desc?: string; dataObjects: SclDataObject[] }>;
  dataSets: Array<{ ln: string; name: string; members: string[] }>;
  reportControls: Array<{ ln: string; name: string; dataSet: string; buffered: boolean; rptId: string; intgPd?: number }>;
}

export interface SclIed {
  name: string;
  manufacturer?: string;
  type?: string;
  desc?: string;
  logicalDevices: SclLogicalDevice[];
  /** from Communication/SubNetwork/ConnectedAP/Address (P type="IP") */
  ip?: string;
}

export interface SclModel {
  file: string;
  ieds: SclIed[];
}

type Node = Record<string, unknown>;

const ARRAYS = new Set([
  'IED', 'AccessPoint', 'LDevice', 'LN', 'LN0', 'DataSet', 'FCDA', 'ReportControl', 'DOI', 'SDI', 'DAI', 'Val', 'LNodeType', 'DO', 'DOType', 'DA',
  'SDO', 'DAType', 'BDA', 'EnumType', 'EnumVal', 'SubNetwork', 'ConnectedAP', 'Address', 'P', 'Server',
]);

const META = XMLParser.getMetaDataSymbol() as unknown as string;

function arr(n: unknown, key: string): Node[] {
  const v = (n as Node | undefined)?.[key];
  return Array.isArray(v) ? (v as Node[]) : [];
}

function str(n: Node, key: string): string | undefined {
  const v = n[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** first text value of a DAI's <Val> */
function valText(dai: Node): string | undefined {
  const v = arr(dai, 'Val')[0] as unknown;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && '#text' in (v as Node)) return String((v as Node)['#text']);
  return undefined;
}

/** Parses an SCL file's text; throws SclError with located problems. */
export function parseScl(xml: string, file: string): SclModel {
  const lineStarts: number[] = [0];
  for (let i = 0; i < xml.length; i++) if (xml.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const locate = (index: number | undefined): { line: number; column: number } => {
    if (index === undefined) return { line: 1, column: 1 };
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - (lineStarts[lo] as number) + 1 };
  };
  const v = XMLValidator.validate(xml);
  if (v !== true) throw new SclError([{ file, line: v.err.line, column: v.err.col, message: `not well-formed XML: ${v.err.msg}` }]);

  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    captureMetaData: true,
    parseAttributeValue: false,
    parseTagValue: false,
    removeNSPrefix: true,
    isArray: (name) => ARRAYS.has(name),
  });
  const doc = parser.parse(xml) as Node;
  const issues: Array<{ file: string; line: number; column: number; message: string }> = [];
  const at = (n: Node, message: string): void => {
    const m = n[META] as { startIndex?: number } | undefined;
    issues.push({ file, ...locate(m?.startIndex), message });
  };

  const scl = doc.SCL as Node | undefined;
  if (!scl || typeof scl !== 'object') throw new SclError([{ file, line: 1, column: 1, message: 'not an SCL file: the root element is not <SCL>' }]);
  const templates = (scl.DataTypeTemplates as Node | undefined) ?? {};
  const lnTypes = new Map(arr(templates, 'LNodeType').map((t) => [str(t, 'id') ?? '', t]));
  const doTypes = new Map(arr(templates, 'DOType').map((t) => [str(t, 'id') ?? '', t]));
  const daTypes = new Map(arr(templates, 'DAType').map((t) => [str(t, 'id') ?? '', t]));

  // addresses by IED name
  const ips = new Map<string, string>();
  for (const sn of arr(scl.Communication, 'SubNetwork'))
    for (const cap of arr(sn, 'ConnectedAP')) {
      const ip = arr(arr(cap, 'Address')[0], 'P').find((p) => str(p, 'type') === 'IP');
      const ied = str(cap, 'iedName');
      const text = ip ? (typeof ip === 'object' ? str(ip, '#text') : String(ip)) : undefined;
      if (ied && text) ips.set(ied, text);
    }

  /** the attributes of a DA/BDA of struct type, recursively */
  const daAttrs = (prefix: string, typeId: string, fc: string, where: Node, out: SclAttribute[], depth: number): void => {
    const t = daTypes.get(typeId);
    if (!t) {
      at(where, `DAType "${typeId}" is not defined in DataTypeTemplates`);
      return;
    }
    if (depth > 10) return;
    for (const bda of arr(t, 'BDA')) {
      const name = str(bda, 'name') ?? '';
      const bType = str(bda, 'bType') ?? '';
      if (bType === 'Struct') daAttrs(`${prefix}.${name}`, str(bda, 'type') ?? '', fc, bda, out, depth + 1);
      else out.push({ ref: `${prefix}.${name}`, fc, bType });
    }
  };

  const doAttrs = (prefix: string, typeId: string, where: Node, out: SclAttribute[], depth: number): { cdc: string; ctlModelDefault?: string } => {
    const t = doTypes.get(typeId);
    if (!t) {
      at(where, `DOType "${typeId}" is not defined in DataTypeTemplates`);
      return { cdc: '' };
    }
    let ctlModelDefault: string | undefined;
    for (const da of arr(t, 'DA')) {
      const name = str(da, 'name') ?? '';
      const fc = str(da, 'fc') ?? '';
      const bType = str(da, 'bType') ?? '';
      if (name === 'ctlModel') ctlModelDefault = valText(da);
      if (bType === 'Struct') daAttrs(`${prefix}.${name}`, str(da, 'type') ?? '', fc, da, out, depth + 1);
      else out.push({ ref: `${prefix}.${name}`, fc, bType });
    }
    for (const sdo of arr(t, 'SDO')) if (depth < 5) doAttrs(`${prefix}.${str(sdo, 'name') ?? ''}`, str(sdo, 'type') ?? '', sdo, out, depth + 1);
    const r: { cdc: string; ctlModelDefault?: string } = { cdc: str(t, 'cdc') ?? '' };
    if (ctlModelDefault !== undefined) r.ctlModelDefault = ctlModelDefault;
    return r;
  };

  const ieds: SclIed[] = [];
  const iedNodes = arr(scl, 'IED');
  if (iedNodes.length === 0) at(scl, 'the SCL file describes no IED');
  for (const ied of iedNodes) {
    const name = str(ied, 'name');
    if (!name) {
      at(ied, 'an IED without a name');
      continue;
    }
    const lds: SclLogicalDevice[] = [];
    for (const ap of arr(ied, 'AccessPoint'))
      for (const server of arr(ap, 'Server'))
        for (const ld of arr(server, 'LDevice')) {
          const inst = str(ld, 'inst');
          if (!inst) {
            at(ld, `an LDevice of IED ${name} without inst`);
            continue;
          }
          const out: SclLogicalDevice = { inst, logicalNodes: [], dataSets: [], reportControls: [] };
          for (const ln of [...arr(ld, 'LN0'), ...arr(ld, 'LN')]) {
            const lnClass = str(ln, 'lnClass') ?? '';
            const lnName = `${str(ln, 'prefix') ?? ''}${lnClass}${str(ln, 'inst') ?? ''}`;
            const typeId = str(ln, 'lnType') ?? '';
            const lt = lnTypes.get(typeId);
            if (!lt) {
              at(ln, `LN ${lnName} in LDevice ${inst} refers to LNodeType "${typeId}", which is not defined in DataTypeTemplates`);
              continue;
            }
            // instance values: ctlModel and units.SIUnit per DOI
            const doiInfo = new Map<string, { ctlModel?: string; unit?: string }>();
            for (const doi of arr(ln, 'DOI')) {
              const info: { ctlModel?: string; unit?: string } = {};
              for (const dai of arr(doi, 'DAI')) if (str(dai, 'name') === 'ctlModel') info.ctlModel = valText(dai);
              for (const sdi of arr(doi, 'SDI'))
                if (str(sdi, 'name') === 'units') for (const dai of arr(sdi, 'DAI')) if (str(dai, 'name') === 'SIUnit') info.unit = valText(dai);
              doiInfo.set(str(doi, 'name') ?? '', info);
            }
            const dataObjects: SclDataObject[] = [];
            for (const d of arr(lt, 'DO')) {
              const doName = str(d, 'name') ?? '';
              const ref = `${inst}/${lnName}.${doName}`;
              const attributes: SclAttribute[] = [];
              const { cdc, ctlModelDefault } = doAttrs(ref, str(d, 'type') ?? '', d, attributes, 0);
              const o: SclDataObject = { ref, cdc, attributes };
              const desc = str(d, 'desc');
              if (desc) o.desc = desc;
              const info = doiInfo.get(doName);
              const ctl = info?.ctlModel ?? ctlModelDefault;
              if (ctl) o.ctlModel = ctl;
              if (info?.unit) o.unit = info.unit;
              dataObjects.push(o);
            }
            const lnOut: SclLogicalDevice['logicalNodes'][number] = { name: lnName, lnClass, dataObjects };
            const lnDesc = str(ln, 'desc');
            if (lnDesc) lnOut.desc = lnDesc;
            out.logicalNodes.push(lnOut);
            for (const ds of arr(ln, 'DataSet')) {
              const members = arr(ds, 'FCDA').map((f) => {
                const ldInst = str(f, 'ldInst') ?? inst;
                const fln = `${str(f, 'prefix') ?? ''}${str(f, 'lnClass') ?? ''}${str(f, 'lnInst') ?? ''}`;
                const da = str(f, 'daName');
                return `${ldInst}/${fln}.${str(f, 'doName') ?? ''}${da ? `.${da}` : ''}[${str(f, 'fc') ?? ''}]`;
              });
              out.dataSets.push({ ln: lnName, name: str(ds, 'name') ?? '', members });
            }
            for (const rc of arr(ln, 'ReportControl')) {
              const dsName = str(rc, 'datSet') ?? '';
              if (dsName && !arr(ln, 'DataSet').some((ds) => str(ds, 'name') === dsName)) at(rc, `ReportControl ${str(rc, 'name') ?? ''} refers to data set "${dsName}", which ${lnName} does not define`);
              const r: SclLogicalDevice['reportControls'][number] = { ln: lnName, name: str(rc, 'name') ?? '', dataSet: dsName, buffered: str(rc, 'buffered') === 'true', rptId: str(rc, 'rptID') ?? '' };
              const ip = Number(str(rc, 'intgPd'));
              if (Number.isFinite(ip)) r.intgPd = ip;
              out.reportControls.push(r);
            }
          }
          lds.push(out);
        }
    const o: SclIed = { name, logicalDevices: lds };
    for (const k of ['manufacturer', 'type', 'desc'] as const) {
      const val = str(ied, k);
      if (val) o[k] = val;
    }
    const ip = ips.get(name);
    if (ip) o.ip = ip;
    ieds.push(o);
  }
  if (issues.length) throw new SclError(issues);
  return { file, ieds };
}

const SI_UNITS: Record<string, string> = { '1': '', '4': 'A', '5': 'V', '23': '°C', '29': 'V', '33': 'Hz', '38': 'W', '61': 'VA', '62': 'W', '63': 'var', '65': 'cos φ', '72': 'Wh', '73': 'varh' };
const SI_NAMES: Record<string, string> = { A: 'A', V: 'V', Hz: 'Hz', W: 'W', VA: 'VA', VAr: 'var', Wh: 'Wh', degC: '°C', '%': '%' };

function unitOf(u: string | undefined): string {
  if (!u) return '';
  return SI_NAMES[u] ?? SI_UNITS[u] ?? u;
}

function channelName(ref: string, used: Set<string>): string {
  const [, rest = ref] = ref.split('/');
  let base = rest.replace(/\./g, '_').replace(/[^A-Za-z0-9_]/g, '');
  if (!/^[A-Za-z]/.test(base)) base = `C${base}`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

const has = (d: SclDataObject, suffix: string, fc: string): boolean => d.attributes.some((a) => a.ref === `${d.ref}.${suffix}` && a.fc === fc);
const controllable = (d: SclDataObject): boolean => d.attributes.some((a) => a.ref.startsWith(`${d.ref}.Oper.`) && a.fc === 'CO') && d.ctlModel !== 'status-only' && d.ctlModel !== '0';

/**
 * The channels an IED offers: MV/CMV values, SPS/DPS/INS/ENS statuses, controllable
 * SPC/DPC/INC/ENC/APC (with their control object), ASG/ING settings. LLN0 and LPHD are left
 * out (they describe the device, not the process).
 */
export function channelsOf(ied: SclIed): Iec61850Channel[] {
  const used = new Set<string>();
  const out: Iec61850Channel[] = [];
  const base = { scale: 1, offset: 0, access: 'ro' as const };
  for (const ld of ied.logicalDevices)
    for (const ln of ld.logicalNodes) {
      if (ln.lnClass === 'LLN0' || ln.lnClass === 'LPHD') continue;
      for (const d of ln.dataObjects) {
        const unit = unitOf(d.unit);
        const desc = d.desc ? { description: d.desc } : {};
        const ctl = controllable(d);
        const rw = ctl ? { access: 'rw' as const, control: { object: d.ref } } : {};
        switch (d.cdc) {
          case 'MV':
            if (has(d, 'mag.f', 'MX')) out.push({ ...base, ...desc, channel: channelName(d.ref, used), ref: `${d.ref}.mag.f`, type: 'number', unit });
            break;
          case 'CMV':
            if (has(d, 'cVal.mag.f', 'MX')) out.push({ ...base, ...desc, channel: channelName(d.ref, used), ref: `${d.ref}.cVal.mag.f`, type: 'number', unit });
            break;
          case 'WYE':
          case 'DEL':
            for (const ph of ['phsA', 'phsB', 'phsC', 'phsAB', 'phsBC', 'phsCA'])
              if (has(d, `${ph}.cVal.mag.f`, 'MX')) out.push({ ...base, ...desc, channel: channelName(`${d.ref}.${ph}`, used), ref: `${d.ref}.${ph}.cVal.mag.f`, type: 'number', unit });
            break;
          case 'SPS':
          case 'SPC':
            if (has(d, 'stVal', 'ST')) out.push({ ...base, ...desc, ...rw, channel: channelName(d.ref, used), ref: `${d.ref}.stVal`, type: 'boolean', unit: '' });
            break;
          case 'DPS':
          case 'DPC':
            if (has(d, 'stVal', 'ST'))
              out.push({ ...base, ...desc, ...rw, channel: channelName(d.ref, used), ref: `${d.ref}.stVal`, type: 'number', unit: '', states: { '0': 'intermediate', '1': 'off', '2': 'on', '3': 'bad' } });
            break;
          case 'INS':
          case 'ENS':
          case 'INC':
          case 'ENC':
            if (has(d, 'stVal', 'ST')) out.push({ ...base, ...desc, ...rw, channel: channelName(d.ref, used), ref: `${d.ref}.stVal`, type: 'number', unit: '' });
            break;
          case 'APC':
            if (has(d, 'mxVal.f', 'MX')) out.push({ ...base, ...desc, ...rw, channel: channelName(d.ref, used), ref: `${d.ref}.mxVal.f`, type: 'number', unit });
            break;
          case 'ASG':
            if (has(d, 'setMag.f', 'SP'))
              out.push({ ...base, ...desc, access: 'rw', setting: { ref: `${d.ref}.setMag.f`, fc: 'SP' }, channel: channelName(d.ref, used), ref: `${d.ref}.setMag.f`, type: 'number', unit });
            break;
          case 'ING':
            if (has(d, 'setVal', 'SP')) out.push({ ...base, ...desc, access: 'rw', setting: { ref: `${d.ref}.setVal`, fc: 'SP' }, channel: channelName(d.ref, used), ref: `${d.ref}.setVal`, type: 'number', unit: '' });
            break;
          default:
            break;
        }
      }
    }
  return out;
}

export interface SclImport {
  /** a profile file's content (protocol iec61850) */
  profile: Record<string, unknown>;
  /** a site file `devices[]` entry */
  device: Record<string, unknown>;
}

/** A profile and a device entry for one IED of the file (the only one, or the one named). */
export function importIed(model: SclModel, opts: { iedName?: string; profileId: string; deviceId: string; assetId: string; host?: string; port?: number }): SclImport {
  const names = model.ieds.map((i) => i.name);
  const ied = opts.iedName ? model.ieds.find((i) => i.name === opts.iedName) : model.ieds.length === 1 ? model.ieds[0] : undefined;
  if (!ied) {
    const issue: ConfigIssue = opts.iedName
      ? { path: 'iedName', message: `${model.file} has no IED "${opts.iedName}" (it has ${names.join(', ')})` }
      : { path: 'iedName', message: `${model.file} describes ${names.length} IEDs (${names.join(', ')}): name the one to import` };
    throw new Error(`${issue.path}: ${issue.message}`);
  }
  const channels = channelsOf(ied);
  if (channels.length === 0) throw new Error(`IED ${ied.name} in ${model.file} offers no measured value, status, control or setting ES Manager can map`);
  const host = opts.host ?? ied.ip;
  if (!host) throw new Error(`IED ${ied.name} has no IP address in the Communication section of ${model.file}: give the host`);
  const profile = {
    id: opts.profileId,
    vendor: ied.manufacturer ?? 'unknown',
    model: ied.type ?? ied.name,
    protocol: 'iec61850',
    description: `Imported from ${model.file.split(/[\\/]/).pop()} (IED ${ied.name})${ied.desc ? `: ${ied.desc}` : ''}`,
    reports: 'auto',
    channels: channels.map((c) => {
      // only what differs from the defaults, so the file reads like a hand-written one
      const o: Record<string, unknown> = { channel: c.channel, ref: c.ref };
      if (c.type !== 'number') o.type = c.type;
      if (c.unit) o.unit = c.unit;
      if (c.access === 'rw') o.access = 'rw';
      if (c.control) o.control = c.control;
      if (c.setting) o.setting = c.setting;
      if (c.states) o.states = c.states;
      if (c.description) o.description = c.description;
      return o;
    }),
  };
  const device = {
    id: opts.deviceId,
    name: ied.desc ?? ied.name,
    protocol: 'iec61850',
    connection: { host, port: opts.port ?? 102, iedName: ied.name },
    profile: opts.profileId,
    asset: opts.assetId,
  };
  return { profile, device };
}
