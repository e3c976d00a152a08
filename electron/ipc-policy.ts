/**
 * Rules for the IPC between the Electron renderer and the core (Electron security checklist:
 * validate the sender of every IPC message, expose named channels only).
 */
import { isAppUrl } from './app-protocol';

/** The IPC channels, one per message kind; the preload uses the same names. */
export const IPC = {
  hello: 'esm:hello',
  call: 'esm:call',
  listen: 'esm:listen',
  unlisten: 'esm:unlisten',
  event: 'esm:event',
} as const;

/** True when an IPC message comes from our own renderer page (app://esm/) and nowhere else. */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  return isAppUrl(frameUrl);
}

/** Navigation is never allowed away from the renderer's own origin. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "media-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";
