/**
 * The SCL converter behind `devices.import.preview` / `.apply` (core/config/device-import.ts):
 * an uploaded ICD/CID/IID/SCD file → the proposed profile and site-file device entry, or the
 * located problems. Nothing is written here.
 */
import type { DeviceConverter, DeviceImportRequest } from '../../core/common/device-import';
import { SclError, importIed, parseScl, type SclModel } from './scl';

export const sclConverter: DeviceConverter = {
  convert(req: DeviceImportRequest) {
    let model: SclModel;
    try {
      model = parseScl(req.text, req.fileName);
    } catch (e) {
      if (e instanceof SclError) return { ok: false, ieds: [], issues: e.issues.map((i) => ({ file: i.file, line: i.line, column: i.column, message: i.message })) };
      return { ok: false, ieds: [], issues: [{ file: req.fileName, message: (e as Error).message }] };
    }
    const ieds = model.ieds.map((i) => i.name);
    try {
      const r = importIed(model, {
        ...(req.iedName ? { iedName: req.iedName } : {}),
        profileId: req.profileId ?? `${req.deviceId}-61850`,
        deviceId: req.deviceId,
        assetId: req.assetId,
        ...(req.host ? { host: req.host } : {}),
        ...(req.port ? { port: req.port } : {}),
      });
      const iedName = String((r.device.connection as { iedName: string }).iedName);
      return { ok: true, ieds, iedName, profile: r.profile, device: r.device };
    } catch (e) {
      const m = /^(\w+): (.*)$/s.exec((e as Error).message);
      return { ok: false, ieds, issues: [{ file: req.fileName, ...(m ? { path: m[1] as string, message: m[2] as string } : { message: (e as Error).message }) }] };
    }
  },
};
