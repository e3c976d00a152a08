/** Lockout timing on a real database file, surviving a restart (injected clock, no sleeps). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../core/common/api/contract';
import { openAppDb } from '../../../core/db';
import { AuditLog } from '../../../core/audit';
import { AuthService, PasswordHasher, TEST_SCRYPT } from '../../../core/security';
import { ADMIN_PW, securityStack } from './fixture';

const rule = (r: string) => (e: unknown) => e instanceof ApiError && e.details.rule === r;

test('five failures lock for 30 s, then 60 s, 120 s; the lock survives a restart; audit records each attempt', async (t) => {
  const S = await securityStack(['s1']);
  t.after(() => S.close());
  for (let i = 0; i < 5; i++) await assert.rejects(S.auth.signIn('admin', `wrong-${i}`, 'ws-x'), rule('auth.bad-credentials'));
  await assert.rejects(S.auth.signIn('admin', ADMIN_PW, 'ws-x'), rule('auth.locked-out'));

  // restart: a new service on the same file keeps the lock
  const db2 = openAppDb(S.dbPath);
  t.after(() => db2.close());
  const auth2 = new AuthService(db2, { audit: new AuditLog(db2, { now: S.clock.now }), now: S.clock.now, hasher: new PasswordHasher(TEST_SCRYPT) });
  await assert.rejects(auth2.signIn('admin', ADMIN_PW, 'ws-x'), rule('auth.locked-out'));

  const steps = [30_000, 60_000, 120_000];
  for (const ms of steps) {
    S.clock.advance(ms - 1);
    await assert.rejects(S.auth.signIn('admin', ADMIN_PW, 'ws-x'), rule('auth.locked-out'), `still locked at ${ms - 1} ms`);
    S.clock.advance(1);
    await assert.rejects(S.auth.signIn('admin', 'wrong', 'ws-x'), rule('auth.bad-credentials'));
  }
  S.clock.advance(240_000);
  await S.auth.signIn('admin', ADMIN_PW, 'ws-x');

  const attempts = S.audit.query({ type: 'auth.signin', from: 0 }).filter((e) => e.workstation === 'ws-x');
  assert.equal(attempts.filter((e) => e.rule === 'auth.bad-credentials').length, 8);
  assert.ok(attempts.filter((e) => e.rule === 'auth.locked-out').length >= 4);
  assert.equal(attempts[0]!.outcome, 'ok');
});
