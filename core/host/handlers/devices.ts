/**
 * API handlers for devices beyond their status: on-request reads (infra.02 Req4), browsing a
 * device's address space to pick points, and the server certificates the drivers were shown
 * (the administrator's trust decision, audited). Each device answers at most
 * `MAX_IN_FLIGHT` such requests at a time: no role can queue unbounded work on a link.
 */
import { ApiError, type DeviceReadResult } from '../../common/api/contract';
import type { Bridge, BridgeFactory, BrowseNode, TrustedCertificate } from '../../common/bridge';
import { splitPointId } from '../../common/point';
import type { CoreApiMethods } from '../../common/api/contract';
import { auditActor } from '../../security';
import type { Handlers } from '../dispatcher';
import type { Services } from '../services';

type DeviceHandlers = Pick<Handlers, Extract<keyof CoreApiMethods, 'devices.read' | 'devices.browse' | 'devices.certificates' | 'devices.certificates.trust'>>;

export const MAX_IN_FLIGHT = 4;

export interface DeviceHandlerDeps {
  services: Services;
  siteId: string;
  bridges: ReadonlyMap<string, Bridge>;
  /** the bridge serving a point and its device id */
  bridgeOf(pointId: string): { deviceId: string; bridge: Bridge } | undefined;
  /** the started factories (their certificate stores) */
  factories(): readonly BridgeFactory[];
  now(): number;
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function deviceHandlers(d: DeviceHandlerDeps): DeviceHandlers {
  const inFlight = new Map<string, number>();
  const bounded = async <T>(deviceId: string, what: () => Promise<T>): Promise<T> => {
    const n = inFlight.get(deviceId) ?? 0;
    if (n >= MAX_IN_FLIGHT) throw new ApiError('busy', `device ${deviceId} is already answering ${n} requests from the screens: retry in a moment`);
    inFlight.set(deviceId, n + 1);
    try {
      return await what();
    } finally {
      const left = (inFlight.get(deviceId) ?? 1) - 1;
      if (left <= 0) inFlight.delete(deviceId);
      else inFlight.set(deviceId, left);
    }
  };
  const stores = (): Array<{ protocol: string; store: NonNullable<BridgeFactory['certificates']> }> =>
    d.factories().flatMap((f) => (f.certificates ? [{ protocol: f.protocols[0] ?? '', store: f.certificates }] : []));
  return {
    'devices.read': async (_ctx, arg): Promise<DeviceReadResult> => {
      const served = d.bridgeOf(arg.pointId);
      if (!served) throw new ApiError('not-found', `no device serves the point "${arg.pointId}"`, { path: 'pointId' });
      const { bridge, deviceId } = served;
      if (!bridge.read) throw new ApiError('unavailable', `device ${deviceId} (${bridge.status().protocol}) cannot be read on request: its values arrive as the device sends them`);
      const { channel } = splitPointId(arg.pointId);
      return bounded(deviceId, async () => {
        const t0 = performance.now();
        try {
          const value = await bridge.read!(channel);
          return { id: arg.pointId, deviceId, value, ts: d.now(), ms: Math.round((performance.now() - t0) * 10) / 10 };
        } catch (e) {
          throw new ApiError('unavailable', text(e));
        }
      });
    },
    'devices.browse': async (_ctx, arg): Promise<BrowseNode[]> => {
      const bridge = d.bridges.get(arg.deviceId);
      if (!bridge) throw new ApiError('not-found', `unknown device "${arg.deviceId}"`, { path: 'deviceId' });
      if (!bridge.browse) throw new ApiError('unavailable', `device ${arg.deviceId} (${bridge.status().protocol}) has no address space to browse`);
      return bounded(arg.deviceId, async () => {
        try {
          return await bridge.browse!(arg.nodeId);
        } catch (e) {
          throw new ApiError('unavailable', text(e));
        }
      });
    },
    'devices.certificates': async (): Promise<TrustedCertificate[]> => {
      const all = await Promise.all(stores().map((s) => s.store.list()));
      return all.flat().sort((a, b) => a.status.localeCompare(b.status) || (b.seenAt ?? 0) - (a.seenAt ?? 0));
    },
    'devices.certificates.trust': async (ctx, arg): Promise<TrustedCertificate> => {
      const s = stores().find((x) => x.protocol === arg.protocol);
      if (!s) throw new ApiError('not-found', `no driver of protocol "${arg.protocol}" keeps server certificates on this site`, { path: 'protocol' });
      let cert: TrustedCertificate;
      try {
        cert = await s.store.setTrust(arg.thumbprint, arg.trust);
      } catch (e) {
        throw new ApiError('not-found', text(e), { path: 'thumbprint' });
      }
      if (ctx.principal)
        d.services.audit.append({
          type: arg.trust ? 'device.certificate.trusted' : 'device.certificate.rejected',
          ...auditActor(ctx.principal),
          siteId: d.siteId,
          outcome: 'ok',
          details: { protocol: cert.protocol, thumbprint: cert.thumbprint, subject: cert.subject, issuer: cert.issuer, validTo: new Date(cert.validTo).toISOString() },
        });
      return cert;
    },
  };
}
