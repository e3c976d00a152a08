/**
 * CSV bulk registration and export of devices and their points (infra.01 Req3, issue #12
 * item 5), and the registration of accepted discovery proposals.
 *
 * Two files, the format docs/comms.md describes:
 * - devices: id,name,asset,protocol,profile,pollMs,timeoutMs,host,port,unitId,simulated
 *   (Modbus TCP devices; one row each);
 * - points: profile,vendor,model,maxBlock,maxGap,channel,table,address,type,scale,offset,
 *   unit,access,wordOrder,byteOrder,description,states,feedback (Modbus register maps; one row
 *   per point, rows of one profile together make its file; states as "0=Off;1=On").
 *
 * Every problem is located in its file (line:column of the cell, the column's name) and said
 * in a sentence: cells are checked here (numbers, required cells, known columns), then the
 * whole candidate site is loaded by the real loader in a scratch folder (schemas, references,
 * duplicates, point conflicts), and its issues are traced back to the row and cell they came
 * from. Nothing is saved unless everything passes: the profile files are written first (never
 * over an existing file), then the site file through a temporary file and a rename; if that
 * fails, the profile files are removed again. A profile in the points file that already
 * exists with the same content is used as it is (so an export imports back); one that
 * differs is refused. The new devices connect after a restart.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseDocument, stringify, type YAMLSeq } from 'yaml';
import type { CsvExport, CsvImportPreview, CsvImportRequest, CsvImportResult, CsvIssue, DiscoveryAcceptRequest, DiscoveryStatus } from '../common/comms';
import type { DeviceProfile } from '../common/profile';
import { isModbusProfile, isModbusTcpDevice, type ModbusProfile, type ModbusRegister } from '../common/profiles/modbus';
import { ConfigError, loadSite, type ProtocolsInput } from '../config/load';
import { CsvSyntaxError, formatCsv, parseCsv, type CsvCell, type CsvRow } from './csv';

export { parseCsv, formatCsv } from './csv';

export const DEVICE_COLUMNS = ['id', 'name', 'asset', 'protocol', 'profile', 'pollMs', 'timeoutMs', 'host', 'port', 'unitId', 'simulated'] as const;
export const POINT_COLUMNS = [
  'profile',
  'vendor',
  'model',
  'maxBlock',
  'maxGap',
  'channel',
  'table',
  'address',
  'type',
  'scale',
  'offset',
  'unit',
  'access',
  'wordOrder',
  'byteOrder',
  'description',
  'states',
  'feedback',
] as const;

const DEVICE_REQUIRED = ['id', 'name', 'asset', 'protocol', 'profile', 'host', 'port'] as const;
const POINT_REQUIRED = ['profile', 'channel', 'table', 'address', 'type'] as const;
const DEVICE_NUMBERS = new Set(['pollMs', 'timeoutMs', 'port', 'unitId']);
const POINT_NUMBERS = new Set(['maxBlock', 'maxGap', 'address', 'scale', 'offset']);
/** the rows one import may hold */
export const MAX_CSV_ROWS = 5000;

export interface DeviceCsvOptions {
  /** the running site's file */
  siteFile: string;
  /** the shipped profile folders (the site's own `profiles/` is added, as loadSite does) */
  profileDirs: readonly string[];
  /** the drivers' protocol definitions (default: the ones the loader knows) */
  protocols?: ProtocolsInput;
}

interface Located {
  file: string;
  /** the row of each cell by column name */
  row: CsvRow;
  cells: Map<string, CsvCell>;
}

interface Draft {
  issues: CsvIssue[];
  devices: Array<{ entry: Record<string, unknown>; at: Located }>;
  profiles: Map<string, { profile: Record<string, unknown>; rows: Located[] }>;
}

function issueAt(at: Located, field: string | undefined, message: string): CsvIssue {
  const cell = field ? at.cells.get(field) : undefined;
  return { file: at.file, line: cell?.line ?? at.row.line, column: cell?.column ?? 1, ...(field ? { field } : {}), message };
}

function num(v: number | undefined): string {
  return v === undefined ? '' : String(v);
}

export class DeviceCsv {
  constructor(private readonly o: DeviceCsvOptions) {}

  private get ownProfiles(): string {
    return join(dirname(this.o.siteFile), 'profiles');
  }

  preview(req: CsvImportRequest): CsvImportPreview {
    const draft = this.draft(req);
    if (draft.issues.length) return { ok: false, issues: sortIssues(draft.issues) };
    return this.check(draft);
  }

  apply(req: CsvImportRequest): CsvImportResult {
    const draft = this.draft(req);
    if (draft.issues.length) return { ok: false, issues: sortIssues(draft.issues) };
    const p = this.check(draft);
    if (!p.ok) return p;
    return this.write(draft, p);
  }

  /** Registers accepted discovery proposals as Modbus TCP devices, with the same checks. */
  accept(scan: DiscoveryStatus, items: DiscoveryAcceptRequest['items']): CsvImportResult {
    const file = `scan ${scan.id}`;
    const draft: Draft = { issues: [], devices: [], profiles: new Map() };
    items.forEach((it, i) => {
      const row: CsvRow = { line: i + 1, cells: [] };
      const at: Located = { file, row, cells: new Map() };
      const p = scan.proposals.find((x) => x.key === it.key);
      if (!p) {
        draft.issues.push({ file, line: i + 1, column: 1, field: 'key', message: `the scan found nothing at ${it.key}` });
        return;
      }
      draft.devices.push({
        at,
        entry: {
          id: it.deviceId,
          name: it.name,
          protocol: 'modbus-tcp',
          connection: { host: p.host, port: p.port, unitId: p.unitId },
          profile: it.profileId,
          asset: it.assetId,
          pollMs: it.pollMs ?? 1000,
        },
      });
    });
    if (draft.issues.length) return { ok: false, issues: draft.issues };
    const c = this.check(draft);
    if (!c.ok) return c;
    return this.write(draft, c);
  }

  /** The site file's Modbus TCP devices and the Modbus profiles they use, in the import format. */
  export(): CsvExport {
    const loaded = loadSite(this.o.siteFile, this.o.profileDirs, this.o.protocols);
    const devices = loaded.site.devices.filter(isModbusTcpDevice);
    const deviceRows = devices.map((d) => [
      d.id,
      d.name,
      d.asset,
      d.protocol,
      d.profile,
      num(d.pollMs),
      num(d.timeoutMs),
      d.connection.host,
      num(d.connection.port),
      num(d.connection.unitId),
      d.simulated ? 'true' : '',
    ]);
    const used = [...new Set(devices.map((d) => d.profile))].sort();
    const pointRows: string[][] = [];
    for (const id of used) {
      const p = loaded.profiles.get(id);
      if (!p || !isModbusProfile(p)) continue;
      p.registers.forEach((r, i) =>
        pointRows.push([
          p.id,
          i === 0 ? p.vendor : '',
          i === 0 ? p.model : '',
          i === 0 ? num(p.maxBlock) : '',
          i === 0 ? num(p.maxGap) : '',
          r.channel,
          r.table,
          num(r.address),
          r.type,
          num(r.scale),
          num(r.offset),
          r.unit,
          r.access,
          r.wordOrder ?? (r.type === 'int32' || r.type === 'uint32' || r.type === 'float32' ? p.wordOrder : ''),
          r.byteOrder ?? (p.byteOrder !== 'BE' ? p.byteOrder : ''),
          r.description ?? '',
          r.states ? Object.entries(r.states).map(([k, v]) => `${k}=${v}`).join(';') : '',
          r.feedback ?? '',
        ]),
      );
    }
    const site = loaded.site.site.id;
    return {
      devices: { fileName: `${site}-devices.csv`, text: formatCsv(DEVICE_COLUMNS, deviceRows) },
      points: { fileName: `${site}-points.csv`, text: formatCsv(POINT_COLUMNS, pointRows) },
    };
  }

  // ------------------------------------------------------------------ reading the files

  private rows(file: { fileName: string; text: string }, columns: readonly string[], required: readonly string[], issues: CsvIssue[]): Located[] {
    let rows: CsvRow[];
    try {
      rows = parseCsv(file.text);
    } catch (e) {
      if (e instanceof CsvSyntaxError) issues.push({ file: file.fileName, line: e.line, column: e.column, message: e.message });
      else throw e;
      return [];
    }
    const [head, ...body] = rows;
    if (!head) {
      issues.push({ file: file.fileName, line: 1, column: 1, message: `the file is empty: its first line names the columns (${columns.join(',')})` });
      return [];
    }
    const names = head.cells.map((c) => c.value.trim());
    let ok = true;
    head.cells.forEach((c, i) => {
      const n = names[i] as string;
      if (!columns.includes(n)) {
        issues.push({ file: file.fileName, line: c.line, column: c.column, field: n, message: `unknown column "${n}" (the columns are: ${columns.join(', ')})` });
        ok = false;
      } else if (names.indexOf(n) !== i) {
        issues.push({ file: file.fileName, line: c.line, column: c.column, field: n, message: `column "${n}" appears twice` });
        ok = false;
      }
    });
    for (const r of required)
      if (!names.includes(r)) {
        issues.push({ file: file.fileName, line: head.line, column: 1, field: r, message: `the column "${r}" is missing from the first line` });
        ok = false;
      }
    if (!ok) return [];
    if (body.length > MAX_CSV_ROWS) {
      issues.push({ file: file.fileName, line: body[MAX_CSV_ROWS]!.line, column: 1, message: `the file has ${body.length} rows: import at most ${MAX_CSV_ROWS} at a time` });
      return [];
    }
    const out: Located[] = [];
    for (const row of body) {
      const cells = new Map<string, CsvCell>();
      row.cells.forEach((c, i) => {
        const n = names[i];
        if (n !== undefined) cells.set(n, { ...c, value: c.value.trim() });
      });
      if (row.cells.length > names.length) {
        const extra = row.cells[names.length]!;
        issues.push({ file: file.fileName, line: extra.line, column: extra.column, message: `the row has ${row.cells.length} cells, the first line names ${names.length} columns` });
        continue;
      }
      const at: Located = { file: file.fileName, row, cells };
      let good = true;
      for (const r of required)
        if (!cells.get(r)?.value) {
          issues.push(issueAt(at, cells.has(r) ? r : undefined, `the ${r} is missing${cells.has(r) ? '' : ` (the row ends before the column "${r}")`}`));
          good = false;
        }
      if (good) out.push(at);
    }
    return out;
  }

  private value(at: Located, field: string, numbers: ReadonlySet<string>, issues: CsvIssue[]): string | number | boolean | undefined {
    const v = at.cells.get(field)?.value;
    if (v === undefined || v === '') return undefined;
    if (numbers.has(field)) {
      const n = Number(v);
      if (!Number.isFinite(n)) {
        issues.push(issueAt(at, field, `the ${field} "${v}" is not a number`));
        return undefined;
      }
      return n;
    }
    if (field === 'simulated') {
      if (v !== 'true' && v !== 'false') issues.push(issueAt(at, field, `simulated is true, false or empty (not "${v}")`));
      return v === 'true';
    }
    return v;
  }

  private draft(req: CsvImportRequest): Draft {
    const draft: Draft = { issues: [], devices: [], profiles: new Map() };
    const { issues } = draft;
    if (req.points) {
      for (const at of this.rows(req.points, POINT_COLUMNS, POINT_REQUIRED, issues)) {
        const v = (f: string): string | number | boolean | undefined => this.value(at, f, POINT_NUMBERS, issues);
        const id = String(v('profile'));
        let p = draft.profiles.get(id);
        if (!p) {
          p = { profile: { id, vendor: v('vendor') ?? '', model: v('model') ?? '', protocol: 'modbus', registers: [] }, rows: [] };
          for (const f of ['maxBlock', 'maxGap'] as const) {
            const x = v(f);
            if (x !== undefined) p.profile[f] = x;
          }
          draft.profiles.set(id, p);
        } else
          for (const f of ['vendor', 'model', 'maxBlock', 'maxGap'] as const) {
            const x = v(f);
            if (x !== undefined && x !== '' && x !== p.profile[f])
              issues.push(issueAt(at, f, `the ${f} of profile ${id} is given on its first row (line ${p.rows[0]!.row.line}) as "${String(p.profile[f])}": leave it empty here or give the same`));
          }
        const reg: Record<string, unknown> = {};
        for (const f of ['channel', 'table', 'address', 'type', 'scale', 'offset', 'unit', 'access', 'wordOrder', 'byteOrder', 'description', 'feedback'] as const) {
          const x = v(f);
          if (x !== undefined) reg[f] = x;
        }
        const st = v('states');
        if (typeof st === 'string') {
          const states: Record<string, string> = {};
          for (const part of st.split(';')) {
            const m = /^\s*(-?\d+)\s*=\s*(.+?)\s*$/.exec(part);
            if (!m) {
              issues.push(issueAt(at, 'states', `the states are code=label pairs separated by ";" such as 0=Off;1=On ("${part}" is not one)`));
              break;
            }
            states[m[1]!] = m[2]!;
          }
          reg.states = states;
        }
        (p.profile.registers as unknown[]).push(reg);
        p.rows.push(at);
      }
    }
    if (req.devices) {
      for (const at of this.rows(req.devices, DEVICE_COLUMNS, DEVICE_REQUIRED, issues)) {
        const v = (f: string): string | number | boolean | undefined => this.value(at, f, DEVICE_NUMBERS, issues);
        const protocol = v('protocol');
        if (protocol !== 'modbus-tcp') {
          issues.push(issueAt(at, 'protocol', `protocol "${String(protocol)}" cannot be registered from CSV: only modbus-tcp (other devices are added to the site file or imported from their own description)`));
          continue;
        }
        const entry: Record<string, unknown> = { id: v('id'), name: v('name'), protocol, profile: v('profile'), asset: v('asset') };
        for (const f of ['pollMs', 'timeoutMs'] as const) {
          const x = v(f);
          if (x !== undefined) entry[f] = x;
        }
        const connection: Record<string, unknown> = { host: v('host'), port: v('port') };
        const unit = v('unitId');
        if (unit !== undefined) connection.unitId = unit;
        entry.connection = connection;
        const sim = v('simulated');
        if (sim === true) entry.simulated = true;
        draft.devices.push({ entry, at });
      }
    }
    return draft;
  }

  // ------------------------------------------------------------------ checking with the loader

  /** the existing file of a profile id (shipped or the site's), if any */
  private existingProfile(id: string): { file: string; profile: DeviceProfile } | undefined {
    for (const dir of [...this.o.profileDirs, this.ownProfiles]) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        if (!/\.ya?ml$/.test(f)) continue;
        const file = join(dir, f);
        try {
          const doc = parseDocument(readFileSync(file, 'utf8')).toJS() as { id?: unknown } | null;
          if (doc && doc.id === id) return { file, profile: doc as unknown as DeviceProfile };
        } catch {
          /* the loader says what is wrong with it */
        }
      }
    }
    return undefined;
  }

  private check(draft: Draft): CsvImportPreview {
    const issues: CsvIssue[] = [];
    const siteText = readFileSync(this.o.siteFile, 'utf8');
    const doc = parseDocument(siteText);
    const list = doc.get('devices') as YAMLSeq | undefined;
    if (!list || typeof list.add !== 'function') return { ok: false, issues: [{ file: this.o.siteFile, line: 1, column: 1, message: 'the site file has no devices list to add to' }] };
    const firstNew = list.items.length;
    for (const d of draft.devices) list.add(doc.createNode(d.entry));
    // profiles: new ones go to the scratch folder; an existing one must be the same
    const toWrite = new Map<string, string>();
    for (const [id, p] of draft.profiles) {
      const existing = this.existingProfile(id);
      const yaml = `# Registered from ${p.rows[0]!.file} by ES Manager\n${stringify(p.profile, { lineWidth: 0 })}`;
      if (!existing) {
        toWrite.set(id, yaml);
        continue;
      }
      if (!sameProfile(existing.profile, p.profile))
        issues.push(issueAt(p.rows[0]!, 'profile', `a profile "${id}" already exists (${existing.file}) with other points: give these points another profile id`));
    }
    if (issues.length) return { ok: false, issues };
    const dir = mkdtempSync(join(tmpdir(), 'esm-csv-'));
    try {
      const site = join(dir, basename(this.o.siteFile));
      mkdirSync(join(dir, 'profiles'));
      writeFileSync(site, doc.toString());
      for (const [id, yaml] of toWrite) writeFileSync(join(dir, 'profiles', `${id}.yaml`), yaml);
      // the site's own profiles come along (the scratch folder stands in for the site's folder)
      if (existsSync(this.ownProfiles))
        for (const f of readdirSync(this.ownProfiles)) if (!existsSync(join(dir, 'profiles', f))) writeFileSync(join(dir, 'profiles', f), readFileSync(join(this.ownProfiles, f)));
      const loaded = loadSite(site, this.o.profileDirs, this.o.protocols);
      return {
        ok: true,
        devices: draft.devices.map((d) => {
          const e = loaded.site.devices.find((x) => x.id === d.entry.id)!;
          const c = e.connection as { host: string; port: number; unitId: number };
          return { id: e.id, name: e.name, protocol: e.protocol, address: `${c.host}:${c.port} unit ${c.unitId}`, profile: e.profile, asset: e.asset, pollMs: e.pollMs };
        }),
        profiles: [...draft.profiles].map(([id, p]) => ({ id, points: p.rows.length, file: toWrite.has(id) ? join(this.ownProfiles, `${id}.yaml`) : (this.existingProfile(id)?.file ?? '') })),
        siteFile: this.o.siteFile,
      };
    } catch (e) {
      if (!(e instanceof ConfigError)) return { ok: false, issues: [{ file: this.o.siteFile, line: 1, column: 1, message: (e as Error).message }] };
      return { ok: false, issues: sortIssues(e.issues.map((i) => this.trace(i, dir, firstNew, draft))) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** a loader issue in the scratch copies → the CSV row and cell it came from (or the real file) */
  private trace(i: { file: string; line?: number; column?: number; path: string; message: string }, dir: string, firstNew: number, draft: Draft): CsvIssue {
    const fields: Record<string, string> = { 'connection.host': 'host', 'connection.port': 'port', 'connection.unitId': 'unitId' };
    const dm = /^devices\[(\d+)\](?:\.(.+))?$/.exec(i.path);
    if (i.file.startsWith(dir) && dm && Number(dm[1]) >= firstNew) {
      const d = draft.devices[Number(dm[1]) - firstNew];
      if (d) {
        const sub = dm[2] ?? '';
        const field = fields[sub] ?? (sub.split('.')[0] || undefined);
        return issueAt(d.at, field && d.at.cells.has(field) ? field : undefined, i.message);
      }
    }
    if (i.file.startsWith(join(dir, 'profiles'))) {
      const id = basename(i.file).replace(/\.ya?ml$/, '');
      const p = draft.profiles.get(id);
      if (p) {
        const rm = /^registers\[(\d+)\](?:\.(\w+))?/.exec(i.path);
        const at = rm ? p.rows[Number(rm[1])] : p.rows[0];
        if (at) return issueAt(at, rm?.[2] && at.cells.has(rm[2]) ? rm[2] : rm ? undefined : 'profile', `${rm ? '' : `${i.path}: `}${i.message}`);
      }
    }
    // something about the site as a whole (or an existing file): name the real file
    const real = i.file.startsWith(dir) ? (i.file.startsWith(join(dir, 'profiles')) ? join(this.ownProfiles, basename(i.file)) : this.o.siteFile) : i.file;
    return { file: real, line: i.line ?? 1, column: i.column ?? 1, message: `${i.path}: ${i.message}` };
  }

  // ------------------------------------------------------------------ writing

  private write(draft: Draft, p: Extract<CsvImportPreview, { ok: true }>): CsvImportResult {
    const doc = parseDocument(readFileSync(this.o.siteFile, 'utf8'));
    const list = doc.get('devices') as YAMLSeq;
    for (const d of draft.devices) list.add(doc.createNode(d.entry));
    const written: string[] = [];
    const undo = (): void => {
      for (const f of written) rmSync(f, { force: true });
    };
    const newProfiles = p.profiles.filter((x) => x.file.startsWith(this.ownProfiles) && !existsSync(x.file));
    try {
      if (newProfiles.length) mkdirSync(this.ownProfiles, { recursive: true });
      for (const np of newProfiles) {
        const src = draft.profiles.get(np.id)!;
        writeFileSync(np.file, `# Registered from ${src.rows[0]!.file} by ES Manager\n${stringify(src.profile, { lineWidth: 0 })}`, { flag: 'wx' });
        written.push(np.file);
      }
    } catch (e) {
      undo();
      return { ok: false, issues: [{ file: this.ownProfiles, line: 1, column: 1, message: `a profile file could not be written (nothing was saved): ${(e as Error).message}` }] };
    }
    if (draft.devices.length) {
      const tmp = `${this.o.siteFile}.csv-${process.pid}.tmp`;
      try {
        writeFileSync(tmp, doc.toString());
        renameSync(tmp, this.o.siteFile);
      } catch (e) {
        rmSync(tmp, { force: true });
        for (const f of written) unlinkSync(f);
        return { ok: false, issues: [{ file: this.o.siteFile, line: 1, column: 1, message: `the site file could not be written (nothing was saved): ${(e as Error).message}` }] };
      }
    }
    return { ...p, applied: true, restartNeeded: true };
  }
}

function sortIssues(issues: CsvIssue[]): CsvIssue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** the same points, whatever the defaults written out or left implicit */
function sameProfile(a: DeviceProfile, b: Record<string, unknown>): boolean {
  if (!isModbusProfile(a) || b.protocol !== 'modbus') return false;
  const regs = (b.registers as Array<Partial<ModbusRegister>>) ?? [];
  if (regs.length !== a.registers.length) return false;
  if ((b.maxBlock ?? 125) !== (a.maxBlock ?? 125) || (b.maxGap ?? 8) !== (a.maxGap ?? 8)) return false;
  const norm = (r: Partial<ModbusRegister>, p: Pick<ModbusProfile, 'wordOrder' | 'byteOrder'>): string =>
    JSON.stringify([
      r.channel,
      r.table,
      r.address,
      r.type,
      r.scale ?? 1,
      r.offset ?? 0,
      r.unit ?? '',
      r.access ?? 'ro',
      r.type === 'int32' || r.type === 'uint32' || r.type === 'float32' ? (r.wordOrder ?? p.wordOrder ?? 'BE') : '',
      r.byteOrder ?? p.byteOrder ?? 'BE',
      r.description ?? '',
      JSON.stringify(Object.entries(r.states ?? {}).map(([k, v]) => [String(k), String(v)])),
      r.feedback ?? '',
    ]);
  return a.registers.every((r, i) => norm(r, a) === norm(regs[i]!, { wordOrder: 'BE', byteOrder: 'BE' }));
}
