/**
 * Imports a device into the site file from a description file (an SCL file through the
 * IEC 61850 converter the composition root gives), for `devices.import.preview` / `.apply`.
 *
 * Checks with the real loader: the proposed profile and the site file with the new device are
 * written to a scratch folder and loaded with `loadSite` (the same schemas, references, point
 * conflicts and alarm checks as at start), so whatever the preview accepts, the next start
 * accepts. Apply writes the profile file (never over an existing one), then the site file
 * (to a temporary file, then renamed); if the site file cannot be written, the profile file
 * is removed again: both or neither.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseDocument, stringify, type YAMLSeq } from 'yaml';
import type { DeviceConverter, DeviceImportIssue, DeviceImportPreview, DeviceImportRequest, DeviceImportResult } from '../common/device-import';
import { ConfigError, loadSite, type ProtocolsInput } from './load';

export interface DeviceImportOptions {
  /** the running site's file */
  siteFile: string;
  /** the shipped profile folders (the site's own `profiles/` is added, as loadSite does) */
  profileDirs: readonly string[];
  protocols: ProtocolsInput;
  converters: Partial<Record<DeviceImportRequest['format'], DeviceConverter>>;
}

export class DeviceImporter {
  constructor(private readonly o: DeviceImportOptions) {}

  private get ownProfiles(): string {
    return join(dirname(this.o.siteFile), 'profiles');
  }

  preview(req: DeviceImportRequest): DeviceImportPreview {
    const conv = this.o.converters[req.format];
    if (!conv) return { ok: false, ieds: [], issues: [{ file: req.fileName, message: `importing ${req.format} files is not available in this installation` }] };
    const profileId = req.profileId ?? `${req.deviceId}-61850`;
    const c = conv.convert({ ...req, profileId });
    if (!c.ok) return c;
    const profileFile = join(this.ownProfiles, `${profileId}.yaml`);
    const issues: DeviceImportIssue[] = [];
    if (existsSync(profileFile)) issues.push({ file: profileFile, path: 'profileId', message: `a profile file ${basename(profileFile)} already exists: choose another profile id` });
    const profileYaml = `# Imported from ${req.fileName} (IED ${c.iedName}) by ES Manager\n${stringify(c.profile, { lineWidth: 0 })}`;
    const siteText = readFileSync(this.o.siteFile, 'utf8');
    const doc = parseDocument(siteText);
    const devices = doc.get('devices') as YAMLSeq | undefined;
    if (!devices || typeof devices.add !== 'function') issues.push({ file: this.o.siteFile, path: 'devices', message: 'the site file has no devices list to add to' });
    else devices.add(doc.createNode(c.device));
    const newSite = doc.toString();
    if (issues.length === 0) issues.push(...this.check(newSite, profileYaml, profileId));
    const deviceYaml = stringify([c.device]);
    if (issues.length) return { ok: false, ieds: c.ieds, issues };
    return {
      ok: true,
      ieds: c.ieds,
      iedName: c.iedName,
      profileId,
      deviceId: req.deviceId,
      channels: ((c.profile.channels as Array<Record<string, unknown>>) ?? []).map((ch) => ({
        channel: String(ch.channel),
        ...(typeof ch.ref === 'string' ? { ref: ch.ref } : {}),
        type: typeof ch.type === 'string' ? ch.type : 'number',
        unit: typeof ch.unit === 'string' ? ch.unit : '',
        access: ch.access === 'rw' ? 'rw' : 'ro',
        ...(ch.control ? { via: `control ${(ch.control as { object: string }).object}` } : ch.setting ? { via: `setting ${(ch.setting as { ref: string }).ref}` } : {}),
      })),
      profileYaml,
      deviceYaml,
      profileFile,
      siteFile: this.o.siteFile,
    };
  }

  apply(req: DeviceImportRequest): DeviceImportResult {
    const p = this.preview(req);
    if (!p.ok) return p;
    const siteText = readFileSync(this.o.siteFile, 'utf8');
    const doc = parseDocument(siteText);
    const conv = this.o.converters[req.format] as DeviceConverter;
    const c = conv.convert({ ...req, profileId: p.profileId });
    if (!c.ok) return c;
    (doc.get('devices') as YAMLSeq).add(doc.createNode(c.device));
    mkdirSync(this.ownProfiles, { recursive: true });
    try {
      writeFileSync(p.profileFile, p.profileYaml, { flag: 'wx' });
    } catch (e) {
      return { ok: false, ieds: p.ieds, issues: [{ file: p.profileFile, message: `the profile file could not be written: ${(e as Error).message}` }] };
    }
    const tmp = `${this.o.siteFile}.import-${process.pid}.tmp`;
    try {
      writeFileSync(tmp, doc.toString());
      renameSync(tmp, this.o.siteFile);
    } catch (e) {
      rmSync(tmp, { force: true });
      unlinkSync(p.profileFile); // both or neither
      return { ok: false, ieds: p.ieds, issues: [{ file: this.o.siteFile, message: `the site file could not be written (nothing was saved): ${(e as Error).message}` }] };
    }
    return { ...p, applied: true, restartNeeded: true };
  }

  /** Loads the candidate site and profile with the real loader, in a scratch folder. */
  private check(siteText: string, profileYaml: string, profileId: string): DeviceImportIssue[] {
    const dir = mkdtempSync(join(tmpdir(), 'esm-import-'));
    try {
      const site = join(dir, basename(this.o.siteFile));
      mkdirSync(join(dir, 'profiles'));
      writeFileSync(site, siteText);
      writeFileSync(join(dir, 'profiles', `${profileId}.yaml`), profileYaml);
      loadSite(site, [...this.o.profileDirs, this.ownProfiles], this.o.protocols);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) return [{ file: this.o.siteFile, message: (e as Error).message }];
      // name the real files, not the scratch copies
      return e.issues.map((i) => {
        const real = i.file.startsWith(dir) ? (i.file.includes(`${join(dir, 'profiles')}`) ? join(this.ownProfiles, basename(i.file)) : this.o.siteFile) : i.file;
        return { file: real, ...(i.line !== undefined ? { line: i.line } : {}), ...(i.column !== undefined ? { column: i.column } : {}), path: i.path, message: i.message };
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
