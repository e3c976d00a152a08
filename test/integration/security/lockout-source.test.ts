/**
 * Issue #8, item 7: the sign-in lockout backs off per source (the workstation's address) as
 * well as per account, so someone who knows a user name cannot keep its owner locked out from
 * another address; administrators see current lockouts and clear them. Over the real
 * WebSocket API, the attacker connecting from other loopback addresses (127.0.0.2 …).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry, LockoutView } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { ApiCallError, connect, type TestClient } from '../../support/ws-client';

const rule = (r: string) => (e: unknown) => e instanceof ApiCallError && e.body.rule === r;

describe('sign-in lockout per source and per account, seen and cleared by an administrator', () => {
  let app: App;
  let users: Bootstrapped;
  const clients: TestClient[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-lockout-'));
  const url = (): string => app.host.url ?? '';
  const from = async (address: string): Promise<TestClient> => {
    const c = await connect(url(), {}, { localAddress: address });
    clients.push(c);
    return c;
  };
  const fail = async (c: TestClient, username: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await assert.rejects(c.call('auth.signIn', { username, password: `Wrong-guess-${i}-x!` }), rule('auth.bad-credentials'));
  };

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(url(), app.host.setupToken);
    clients.push(users.admin);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('five failures from one address lock that address only; the owner signs in from theirs', async () => {
    const attacker = await from('127.0.0.2');
    await fail(attacker, users.operator.username, 5);
    await assert.rejects(attacker.call('auth.signIn', users.operator), rule('auth.locked-out'), 'locked from the attacking address, even with the right password');
    const owner = await from('127.0.0.1');
    await owner.signIn(users.operator.username, users.operator.password);

    const list = await users.admin.call<LockoutView[]>('lockouts.list');
    const lock = list.find((l) => l.username === users.operator.username);
    assert.ok(lock, JSON.stringify(list));
    assert.equal(lock.source, 'browser@127.0.0.2');
    assert.equal(lock.knownUser, true);
    assert.ok(lock.lockedUntil > Date.now());
    // the owner's own success cleared nothing of the attacker's lock
    await assert.rejects(attacker.call('auth.signIn', users.operator), rule('auth.locked-out'));
    // lockouts are for administrators
    await assert.rejects(owner.call('lockouts.list'), (e: unknown) => e instanceof ApiCallError && e.body.code === 'forbidden');

    await users.admin.call('lockouts.clear', { username: users.operator.username, source: 'browser@127.0.0.2' });
    assert.deepEqual((await users.admin.call<LockoutView[]>('lockouts.list')).filter((l) => l.username === users.operator.username), []);
    await assert.rejects(attacker.call('auth.signIn', { username: users.operator.username, password: 'Wrong-again-1!' }), rule('auth.bad-credentials'), 'cleared: counted again');
    const audit = await users.admin.call<AuditEntry[]>('audit.query', { type: 'auth.lockout.clear' });
    assert.equal(audit[0]?.target, users.operator.username);
    assert.equal(audit[0]?.actor, 'admin');
  });

  it('failures from many addresses lock the account only briefly, and the administrator clears it', async () => {
    const name = users.viewer.username;
    for (const a of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']) await fail(await from(a), name, 5);
    const owner = await from('127.0.0.1');
    const t0 = Date.now();
    await assert.rejects(owner.call('auth.signIn', users.viewer), (e: unknown) => rule('auth.locked-out')(e) && /several workstations/.test((e as ApiCallError).body.message));
    const acct = (await users.admin.call<LockoutView[]>('lockouts.list')).find((l) => l.username === name && l.source === null);
    assert.ok(acct, 'an account-wide lock is listed');
    assert.ok(acct.lockedUntil - t0 <= 60_000 + 1000, `account-wide lock at most a minute: ${acct.lockedUntil - t0} ms`);
    await users.admin.call('lockouts.clear', { username: name });
    assert.deepEqual((await users.admin.call<LockoutView[]>('lockouts.list')).filter((l) => l.username === name), [], 'every source cleared');
    const c = await signedIn(url(), users.viewer);
    clients.push(c);
  });
});
