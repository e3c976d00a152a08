/** Hash routing (#/overview): works from file:// in Electron and from the host in browser mode. */
import { useSyncExternalStore } from 'react';

export type RouteId = 'overview' | 'asset' | 'devices' | 'points' | 'simulator' | 'alarms' | 'alarm-history' | 'audit' | 'admin' | 'trends' | 'history' | 'alarm-definitions' | 'plan' | 'kpi' | 'study' | 'comms';

export const ROUTES: readonly RouteId[] = ['overview', 'asset', 'devices', 'points', 'simulator', 'alarms', 'alarm-history', 'audit', 'admin', 'trends', 'history', 'alarm-definitions', 'plan', 'kpi', 'study', 'comms'];

export function parseRoute(hash: string): RouteId {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as RouteId) : 'overview';
}

export function routeHref(id: RouteId): string {
  return `#/${id}`;
}

/** `#/asset/<id>`: an asset's detail page (site overview -> asset -> detail). */
export function assetHref(assetId: string): string {
  return `#/asset/${encodeURIComponent(assetId)}`;
}

/** The asset id of `#/asset/<id>`, or null. */
export function parseAssetId(hash: string): string | null {
  const m = /^#\/?asset\/([^/?]+)/.exec(hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function useAssetId(): string | null {
  return useSyncExternalStore(subscribe, () => parseAssetId(window.location.hash));
}

function subscribe(l: () => void): () => void {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => parseRoute(window.location.hash));
}
