/**
 * LiveSite wires an EsmClient to the stores the screens read: connection, session, site model,
 * devices, point metadata and values. On every (re)connection it reloads the site, the point
 * list, the devices and all point values; while disconnected every point shows COMM.
 */
import type { DeviceStatus, EsmClient, SessionInfo, SiteView } from '../../../core/common/api/contract';
import { PointStore } from './pointStore';
import { ValueStore } from './valueStore';

export interface ConnectionInfo {
  connected: boolean;
  /** when the state last changed, ms since epoch */
  since: number;
  /** a load after (re)connection failed */
  error: string | null;
}

export function mergeDevices(prev: readonly DeviceStatus[], changed: readonly DeviceStatus[]): DeviceStatus[] {
  if (changed.length === 0) return prev as DeviceStatus[];
  const byId = new Map(prev.map((d) => [d.id, d]));
  for (const d of changed) byId.set(d.id, d);
  return [...byId.values()];
}

export class LiveSite {
  readonly points = new PointStore();
  readonly connection = new ValueStore<ConnectionInfo>({ connected: false, since: Date.now(), error: null });
  readonly session = new ValueStore<SessionInfo | null>(null);
  readonly site = new ValueStore<SiteView | null>(null);
  readonly devices = new ValueStore<readonly DeviceStatus[]>([]);
  private generation = 0;
  private readonly disposers: Array<() => void> = [];

  constructor(readonly client: EsmClient) {}

  start(): this {
    this.disposers.push(
      this.client.listen('points.changed', (batch) => {
        this.points.applyBatch(batch);
      }),
      this.client.listen('devices.changed', (list) => {
        this.devices.update((prev) => mergeDevices(prev, list));
      }),
      this.client.onConnection((connected) => {
        if (connected) void this.onConnected();
        else this.onDisconnected();
      }),
    );
    return this;
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
  }

  private async onConnected(): Promise<void> {
    const gen = ++this.generation;
    this.points.setLive(true);
    this.session.set(this.client.session);
    this.connection.set({ connected: true, since: Date.now(), error: null });
    try {
      const [site, metas, devices] = await Promise.all([
        this.client.call('site.get', {}),
        this.client.call('points.list', {}),
        this.client.call('devices.list', {}),
      ]);
      if (gen !== this.generation) return;
      this.site.set(site);
      this.points.setMeta(metas);
      this.devices.set(devices);
      const states = await this.client.call('points.read', { ids: metas.map((m) => m.id) });
      if (gen !== this.generation) return;
      this.points.applyStates(states);
    } catch (e) {
      if (gen !== this.generation) return;
      const message = e instanceof Error ? e.message : String(e);
      console.error('[esm] loading the site failed', e);
      this.connection.update((c) => ({ ...c, error: message }));
    }
  }

  private onDisconnected(): void {
    this.generation++;
    this.points.setLive(false);
    const prev = this.connection.get();
    if (prev.connected || prev.error) this.connection.set({ connected: false, since: Date.now(), error: null });
  }
}
