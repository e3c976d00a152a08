import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../core/common/api/contract';
import { isLockedError, readToken, sessionEffect, TOKEN_KEY, writeToken, type StorageLike } from './auth';
import { nextAuthState, type AuthState } from './live';

const session = { token: 'tok', user: 'op', displayName: 'Op', roles: ['operator'], workstation: 'w', expiresAt: 0, capabilities: ['site.view'], sites: 'all', idleLockMs: 1000, mustChangePassword: false };

test('the session comes from sign-in, setup, impersonation and re-auth results', () => {
  for (const m of ['auth.signIn', 'auth.setup', 'auth.impersonate', 'auth.reauth']) {
    const e = sessionEffect(m, true, session);
    assert.equal(e?.kind, 'session', m);
  }
  assert.equal(sessionEffect('site.get', true, session), null, 'other results never set the session');
  assert.deepEqual(sessionEffect('auth.signOut', true, { ok: true }), { kind: 'signedOut', reason: null });
});

test('unauthenticated forgets the session, except a lock and a wrong password', () => {
  assert.equal(sessionEffect('points.list', false, new ApiError('unauthenticated', 'expired', { rule: 'session.expired' }))?.kind, 'signedOut');
  assert.equal(sessionEffect('points.list', false, new ApiError('unauthenticated', 'no session'))?.kind, 'signedOut');
  assert.equal(sessionEffect('points.list', false, new ApiError('unauthenticated', 'locked', { rule: 'session.locked' }))?.kind, 'locked');
  assert.equal(sessionEffect('points.list', false, new ApiError('unauthenticated', 'locked', { rule: 'session.idle-locked' }))?.kind, 'locked');
  assert.equal(sessionEffect('auth.reauth', false, new ApiError('unauthenticated', 'wrong', { rule: 'auth.bad-credentials' })), null);
  assert.equal(sessionEffect('auth.reauth', false, new ApiError('unauthenticated', 'wrong')), null);
  assert.equal(sessionEffect('auth.signIn', false, new ApiError('unauthenticated', 'wrong')), null);
  assert.equal(sessionEffect('command.execute', false, new ApiError('forbidden', 'no', { rule: 'capability.missing' })), null);
  assert.equal(isLockedError(new ApiError('unauthenticated', 'x', { rule: 'auth.locked-out' })), false, 'a locked-out account is not a locked session');
});

test('the token survives in storage and is removed on sign-out', () => {
  const m = new Map<string, string>();
  const s: StorageLike = { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
  writeToken(s, 'abc');
  assert.equal(m.get(TOKEN_KEY), 'abc');
  assert.equal(readToken(s), 'abc');
  writeToken(s, null);
  assert.equal(readToken(s), null);
  assert.equal(readToken(null), null);
  const broken: StorageLike = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => undefined };
  assert.equal(readToken(broken), null);
  writeToken(broken, 'x');
});

test('sign-in state: session, lock, sign-out', () => {
  const s0: AuthState = { phase: 'signedOut', session: null, locked: false, policy: null, notice: 'expired' };
  const s1 = nextAuthState(s0, { kind: 'session', session: session as never, method: 'auth.signIn' });
  assert.equal(s1.phase, 'signedIn');
  assert.equal(s1.notice, null);
  const s2 = nextAuthState(s1, { kind: 'locked' });
  assert.equal(s2.locked, true);
  assert.equal(nextAuthState(s2, { kind: 'session', session: session as never, method: 'auth.reauth' }).locked, false);
  assert.equal(nextAuthState(s0, { kind: 'locked' }), s0, 'no lock without a session');
  const s3 = nextAuthState(s2, { kind: 'signedOut', reason: 'revoked' });
  assert.deepEqual([s3.phase, s3.session, s3.locked, s3.notice], ['signedOut', null, false, 'revoked']);
});
