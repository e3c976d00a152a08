/** Hash routing (#/overview): works from file:// in Electron and from the host in browser mode. */
import { useSyncExternalStore } from 'react';

export type RouteId = 'overview' | 'devices' | 'points' | 'simulator' | 'alarms' | 'alarm-history' | 'audit' | 'admin' | 'trends' | 'history' | 'alarm-definitions' | 'plan';

export const ROUTES: readonly RouteId[] = ['overview', 'devices', 'points', 'simulator', 'alarms', 'alarm-history', 'audit', 'admin', 'trends', 'history', 'alarm-definitions', 'plan'];

export function parseRoute(hash: string): RouteId {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as RouteId) : 'overview';
}

export function routeHref(id: RouteId): string {
  return `#/${id}`;
}

function subscribe(l: () => void): () => void {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => parseRoute(window.location.hash));
}
