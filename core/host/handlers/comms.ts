/**
 * API handlers of the communications page (core/common/comms.ts): a device's raw frames
 * (capture on/off, audited), bulk configuration of a selection of devices (polling period,
 * enable/disable: permission by the gate, bounds by the schema, an audit record per call, each
 * device's outcome in a sentence), discovery (core/discovery) and CSV bulk registration and
 * export (core/devices). Discovery and CSV answer "unavailable" on a host without them.
 */
import { ApiError } from '../../common/api/contract';
import type { Bridge, PointSample } from '../../common/bridge';
import type { CommsApiMethods, DeviceFrames } from '../../common/comms';
import { auditActor } from '../../security';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';
import type { DiscoveryService } from '../../discovery';
import type { DeviceCsv } from '../../devices';

type CommsHandlers = Pick<Handlers, keyof CommsApiMethods>;

export interface CommsHandlerDeps {
  services: Services;
  siteId: string;
  bridges: ReadonlyMap<string, Bridge>;
  /** the ids of a device's points (to mark them comm-fail when it is disabled) */
  pointsOf(deviceId: string): string[];
  /** where a disabled device's points are marked */
  publish(samples: readonly PointSample[]): void;
  /** the last value of a point, kept with its bad quality */
  valueOf(pointId: string): PointSample['value'];
  discovery?: DiscoveryService | undefined;
  csv?: DeviceCsv | undefined;
  /** tells the screens the devices' status changed (a polling period is no state change) */
  changed(): void;
  now(): number;
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function commsHandlers(d: CommsHandlerDeps): CommsHandlers {
  const bridge = (deviceId: string): Bridge => {
    const b = d.bridges.get(deviceId);
    if (!b) throw new ApiError('not-found', `unknown device "${deviceId}"`, { path: 'deviceId' });
    return b;
  };
  const frames = (deviceId: string, afterSeq?: number): DeviceFrames => {
    const b = bridge(deviceId);
    if (!b.frames || !b.frames.supported) return { deviceId, enabled: false, supported: false, frames: [] };
    return { deviceId, enabled: b.frames.enabled, supported: true, frames: b.frames.list(afterSeq) };
  };
  const discovery = (): DiscoveryService => {
    if (!d.discovery) throw new ApiError('unavailable', 'discovery is not available on this host');
    return d.discovery;
  };
  const csv = (): DeviceCsv => {
    if (!d.csv) throw new ApiError('unavailable', 'CSV registration is not available on this host');
    return d.csv;
  };
  const audit = (ctx: Parameters<CommsHandlers['devices.frames']>[0], type: string, outcome: 'ok' | 'refused' | 'failed', rest: Record<string, unknown>): void => {
    if (ctx.principal) d.services.audit.append({ type, ...auditActor(ctx.principal), siteId: d.siteId, outcome, ...rest });
  };
  return {
    'devices.frames': (_ctx, arg) => frames(arg.deviceId, arg.afterSeq),
    'devices.frames.capture': (ctx, arg) => {
      const b = bridge(arg.deviceId);
      if (!b.frames || !b.frames.supported) throw new ApiError('unavailable', `device ${arg.deviceId} (${b.status().protocol}) does not record its frames`);
      const before = b.frames.enabled;
      b.frames.setEnabled(arg.on);
      if (before !== arg.on) audit(ctx, 'device.frames.capture', 'ok', { target: arg.deviceId, before: { capture: before }, after: { capture: arg.on } });
      return frames(arg.deviceId);
    },
    'devices.configure': async (ctx, arg) => {
      const unknown = arg.deviceIds.filter((id) => !d.bridges.has(id));
      if (unknown.length) throw new ApiError('not-found', `unknown device${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (nothing was changed)`, { path: 'deviceIds' });
      const ids = [...new Set(arg.deviceIds)];
      const noPoll = ids.filter((id) => arg.pollMs !== undefined && !d.bridges.get(id)!.setPollMs);
      if (noPoll.length)
        throw new ApiError('bad-request', `the polling period of ${noPoll.join(', ')} cannot be set: ${noPoll.length > 1 ? 'their protocols do' : 'its protocol does'} not poll (nothing was changed)`, { path: 'pollMs' });
      const results: Array<{ deviceId: string; ok: boolean; message: string }> = [];
      for (const id of ids) {
        const b = d.bridges.get(id)!;
        const before = b.status();
        const said: string[] = [];
        try {
          if (arg.pollMs !== undefined && before.pollMs !== arg.pollMs) {
            b.setPollMs!(arg.pollMs);
            said.push(`polls every ${arg.pollMs} ms (was ${before.pollMs} ms)`);
          }
          if (arg.enabled === false && before.state !== 'disabled') {
            await b.stop();
            const ts = d.now();
            d.publish(d.pointsOf(id).map((p) => ({ id: p, value: d.valueOf(p), quality: { level: 'bad', reason: 'comm-fail' }, ts })));
            said.push('disabled: its points are bad (comm-fail) until it is enabled');
          } else if (arg.enabled === true && before.state === 'disabled') {
            await b.start();
            said.push(`enabled (${b.status().state})`);
          }
          results.push({ deviceId: id, ok: true, message: said.length ? said.join('; ') : 'already so: nothing to change' });
        } catch (e) {
          results.push({ deviceId: id, ok: false, message: text(e) });
        }
      }
      d.changed();
      audit(ctx, 'device.configure', results.every((r) => r.ok) ? 'ok' : 'failed', {
        reason: arg.reason,
        after: { ...(arg.pollMs !== undefined ? { pollMs: arg.pollMs } : {}), ...(arg.enabled !== undefined ? { enabled: arg.enabled } : {}) },
        details: { devices: results.map((r) => `${r.deviceId}: ${r.message}`) },
      });
      return { results };
    },
    'discovery.start': (_ctx, arg) => discovery().start(arg),
    'discovery.status': (_ctx, arg) => discovery().status(arg.id),
    'discovery.cancel': (_ctx, arg) => discovery().cancel(arg.id),
    'discovery.accept': (ctx, arg) => {
      const scan = discovery().status(arg.scanId);
      const r = csv().accept(scan, arg.items);
      audit(ctx, 'config.device.discovered', r.ok ? 'ok' : 'refused', {
        after: r.ok ? { devices: r.devices.map((x) => x.id) } : { keys: arg.items.map((i) => i.key) },
        details: r.ok ? { siteFile: r.siteFile } : { issues: r.issues.slice(0, 20) },
      });
      return r;
    },
    'devices.csv.preview': (_ctx, arg) => csv().preview(arg),
    'devices.csv.apply': (ctx, arg) => {
      const r = csv().apply(arg);
      audit(ctx, 'config.device.csv', r.ok ? 'ok' : 'refused', {
        after: r.ok ? { devices: r.devices.map((x) => x.id), profiles: r.profiles.map((p) => p.id) } : {},
        details: { files: [arg.devices?.fileName, arg.points?.fileName].filter(Boolean), ...(r.ok ? { siteFile: r.siteFile } : { issues: r.issues.slice(0, 20) }) },
      });
      return r;
    },
    'devices.csv.export': () => csv().export(),
  };
}
