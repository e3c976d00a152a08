/**
 * Session bookkeeping shared by both transports (pure: no DOM, no React).
 *
 * The transports learn the session from the results of the calls that open one
 * (auth.signIn, auth.setup, auth.impersonate, auth.reauth) and forget it on auth.signOut or
 * an 'unauthenticated' refusal of the session itself. An idle-locked session
 * ('unauthenticated' with rule session.locked) is kept: the user unlocks it with auth.reauth.
 */
import type { ApiError, MethodName, Unsubscribe } from '../../../core/common/api/contract';
import type { SecuritySession } from '../../../core/common/security';

/** Methods whose result is a (new or refreshed) SecuritySession carrying the token. */
export const SESSION_RESULT_METHODS: ReadonlySet<string> = new Set<MethodName>(['auth.signIn', 'auth.setup', 'auth.impersonate', 'auth.reauth']);

/** Rules the core uses for an idle-locked session (docs/security.md names the second). */
const LOCK_RULES: ReadonlySet<string> = new Set(['session.locked', 'session.idle-locked']);

/** Methods whose 'unauthenticated' answer may be about the password, not the session. */
const CREDENTIAL_METHODS: ReadonlySet<string> = new Set(['auth.signIn', 'auth.setup', 'auth.reauth', 'auth.changePassword']);

export type AuthChange =
  | { kind: 'session'; session: SecuritySession; method: string }
  | { kind: 'signedOut'; reason: string | null }
  | { kind: 'locked' };

export function isLockedError(e: unknown): boolean {
  const err = e as Partial<ApiError> | null;
  return !!err && err.code === 'unauthenticated' && typeof err.details?.rule === 'string' && LOCK_RULES.has(err.details.rule);
}

function looksLikeSession(x: unknown): x is SecuritySession {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.token === 'string' && typeof o.user === 'string' && Array.isArray(o.capabilities);
}

/**
 * What a call's outcome means for the session, or null for nothing.
 * `ok` with `value` the result, or not ok with `value` the ApiError.
 */
export function sessionEffect(method: string, ok: boolean, value: unknown): AuthChange | null {
  if (ok) {
    if (SESSION_RESULT_METHODS.has(method) && looksLikeSession(value)) return { kind: 'session', session: value, method };
    if (method === 'auth.signOut') return { kind: 'signedOut', reason: null };
    return null;
  }
  const err = value as Partial<ApiError> | null;
  if (!err || err.code !== 'unauthenticated') return null;
  if (isLockedError(err)) return { kind: 'locked' };
  const rule = err.details?.rule;
  // a wrong password on sign-in / re-auth / password change is not about the session
  if (rule !== undefined && !rule.startsWith('session.')) return null;
  if (rule === undefined && CREDENTIAL_METHODS.has(method)) return null;
  if (method === 'auth.signIn' || method === 'auth.setup') return null;
  return { kind: 'signedOut', reason: err.message ?? null };
}

/** Listeners of session changes (used by both transports). */
export class AuthEvents {
  private readonly handlers = new Set<(c: AuthChange) => void>();
  on(handler: (c: AuthChange) => void): Unsubscribe {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }
  emit(c: AuthChange): void {
    for (const h of [...this.handlers]) {
      try {
        h(c);
      } catch (e) {
        console.error('[esm] session handler threw', e);
      }
    }
  }
}

/** The part of the DOM Storage the token cache needs (injectable for tests). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const TOKEN_KEY = 'esm.session';

/** sessionStorage (per tab, dropped when the tab closes), or null where it is not usable. */
export function browserSessionStorage(): StorageLike | null {
  try {
    return typeof window !== 'undefined' && window.sessionStorage ? window.sessionStorage : null;
  } catch {
    return null;
  }
}

export function readToken(storage: StorageLike | null): string | null {
  try {
    const t = storage?.getItem(TOKEN_KEY);
    return t && t.length <= 200 ? t : null;
  } catch {
    return null;
  }
}

export function writeToken(storage: StorageLike | null, token: string | null): void {
  try {
    if (!storage) return;
    if (token) storage.setItem(TOKEN_KEY, token);
    else storage.removeItem(TOKEN_KEY);
  } catch {
    // storage full or blocked: the token stays in memory only
  }
}

/** A transport that reports session changes. */
export interface AuthAwareClient {
  onAuth(handler: (c: AuthChange) => void): Unsubscribe;
  /** subscribe every event again (after the core started to allow them, e.g. a password change) */
  resubscribe(): void;
}

export function isAuthAware(x: unknown): x is AuthAwareClient {
  return typeof (x as { onAuth?: unknown } | null)?.onAuth === 'function';
}
