import { useSyncExternalStore } from 'react';
import { hashParams } from './links';

function subscribe(l: () => void): () => void {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}

const getHash = (): string => window.location.hash;

/** Query parameters of the current hash route (re-renders on hashchange). */
export function useHashParams(): Record<string, string> {
  const hash = useSyncExternalStore(subscribe, getHash, getHash);
  return hashParams(hash);
}
