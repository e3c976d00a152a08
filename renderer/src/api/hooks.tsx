/**
 * React access to the live stores. Every hook is built on useSyncExternalStore, so a component
 * re-renders only when the value it reads changes.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiEvents, DeviceStatus, EsmClient, EventName, SessionInfo, SiteView } from '../../../core/common/api/contract';
import type { PointId, PointMeta, PointState } from '../../../core/common/point';
import type { Capability } from '../../../core/common/security';
import type { AuthState, ConnectionInfo, LiveSite } from './live';
import type { ValueStore } from './valueStore';

const LiveContext = createContext<LiveSite | null>(null);

export function LiveProvider({ live, children }: { live: LiveSite; children: ReactNode }) {
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveSite {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <LiveProvider>');
  return live;
}

export function useClient(): EsmClient {
  return useLive().client;
}

export function useStore<T>(store: ValueStore<T>): T {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

/** Live state of one point; re-renders only when this point changes. */
export function usePoint(id: PointId): PointState | undefined {
  const { points } = useLive();
  const subscribe = useCallback((l: () => void) => points.subscribe(id, l), [points, id]);
  const get = useCallback(() => points.get(id), [points, id]);
  return useSyncExternalStore(subscribe, get, get);
}

export function usePointMetaList(): readonly PointMeta[] {
  const { points } = useLive();
  return useSyncExternalStore(points.subscribeMeta, points.getMetaList, points.getMetaList);
}

export function usePointMeta(id: PointId): PointMeta | undefined {
  const { points } = useLive();
  usePointMetaList();
  return points.getMeta(id);
}

export const useConnection = (): ConnectionInfo => useStore(useLive().connection);
export const useSite = (): SiteView | null => useStore(useLive().site);
export const useSession = (): SessionInfo | null => useStore(useLive().session);
export const useDevices = (): readonly DeviceStatus[] => useStore(useLive().devices);
export const useAuth = (): AuthState => useStore(useLive().auth);

/** Whether the signed-in session holds any of the capabilities (the UI hides; the core decides). */
export function useCan(...anyOf: Capability[]): boolean {
  const { session, locked } = useAuth();
  if (!session || locked) return false;
  return anyOf.some((c) => session.capabilities.includes(c));
}

/** Subscribe to an API event while mounted; the handler may change without resubscribing. */
export function useApiEvent<E extends EventName>(event: E, handler: (data: ApiEvents[E]) => void): void {
  const client = useClient();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => client.listen(event, (d) => ref.current(d)), [client, event]);
}

// ---------------------------------------------------------------- shared clock

class Ticker {
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private now = Date.now();
  constructor(private readonly periodMs: number) {}
  get = (): number => this.now;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    if (this.timer === null) {
      this.now = Date.now();
      this.timer = setInterval(() => {
        this.now = Date.now();
        for (const f of [...this.listeners]) f();
      }, this.periodMs);
    }
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  };
}

const tickers = new Map<number, Ticker>();

/** Wall clock that ticks every `periodMs`; all components with the same period share a timer. */
export function useNow(periodMs = 1000): number {
  let t = tickers.get(periodMs);
  if (!t) {
    t = new Ticker(periodMs);
    tickers.set(periodMs, t);
  }
  return useSyncExternalStore(t.subscribe, t.get, t.get);
}

/** Result of a one-off call, reloaded when `deps` or the connection change. */
export function useCall<T>(fn: (client: EsmClient) => Promise<T>, deps: readonly unknown[]): { data: T | undefined; error: Error | null } {
  const client = useClient();
  const { connected } = useConnection();
  const [state, setState] = useState<{ data: T | undefined; error: Error | null }>({ data: undefined, error: null });
  useEffect(() => {
    if (!connected) return;
    let alive = true;
    fn(client).then(
      (data) => alive && setState({ data, error: null }),
      (error: unknown) => alive && setState((s) => ({ data: s.data, error: error instanceof Error ? error : new Error(String(error)) })),
    );
    return () => {
      alive = false;
    };
  }, [client, connected, ...deps]);
  return state;
}
