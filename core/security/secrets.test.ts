import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openAppDb } from '../db';
import { FileKeyProvider, KeyProviderError, SafeStorageKeyProvider, SealedRecordFile, SecretStore, StaticKeyProvider, open, seal, type SafeStorageLike } from './secrets';

const posix = process.platform !== 'win32';

test('FileKeyProvider creates a 0600 key once and refuses a key readable by others', { skip: !posix }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'keys', 'data.key');
  const k1 = await new FileKeyProvider(path).getKey();
  assert.equal(k1.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const k2 = await new FileKeyProvider(path).getKey();
  assert.deepEqual(k1, k2, 'the key is reused, never regenerated');
  chmodSync(path, 0o644);
  await assert.rejects(new FileKeyProvider(path).getKey(), (e: unknown) => e instanceof KeyProviderError && /chmod 600/.test(e.message));
  chmodSync(path, 0o600);
  writeFileSync(path, 'short\n');
  await assert.rejects(new FileKeyProvider(path).getKey(), /32-byte/);
});

test('SafeStorageKeyProvider stores the data key wrapped, and refuses without OS storage', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake: SafeStorageLike = {
    isEncryptionAvailable: () => true,
    encryptString: (s) => Buffer.from(`wrapped:${Buffer.from(s).toString('hex')}`),
    decryptString: (b) => Buffer.from(b.toString().slice('wrapped:'.length), 'hex').toString(),
  };
  const path = join(dir, 'data.key.enc');
  const k = await new SafeStorageKeyProvider(fake, path).getKey();
  assert.equal(k.length, 32);
  assert.ok(readFileSync(path).toString().startsWith('wrapped:'));
  assert.deepEqual(await new SafeStorageKeyProvider(fake, path).getKey(), k);
  await assert.rejects(new SafeStorageKeyProvider({ ...fake, isEncryptionAvailable: () => false }, join(dir, 'x')).getKey(), /not available/);
});

test('AES-256-GCM: round trip; tampering, another key or another row fail', () => {
  const key = randomBytes(32);
  const s = seal(key, 'modbus-password', 'esm-secret:a:s1');
  assert.equal(open(key, s, 'esm-secret:a:s1'), 'modbus-password');
  assert.throws(() => open(key, s, 'esm-secret:b:s1'));
  const flipped = Buffer.from(s.ciphertext);
  flipped[0]! ^= 1;
  assert.throws(() => open(key, { ...s, ciphertext: flipped }, 'esm-secret:a:s1'));
  assert.throws(() => open(randomBytes(32), s, 'esm-secret:a:s1'), /another key/);
});

test('SecretStore keeps only ciphertext in the database and lists metadata per site', async () => {
  const db = openAppDb(':memory:');
  const store = new SecretStore(db, new StaticKeyProvider(randomBytes(32)), () => 1000);
  await store.set('ocpp-key', 'sk_live_very_secret', { siteId: 's1', description: 'partner API key', by: 'admin' });
  await store.set('global', 'g-secret', { siteId: null, by: 'admin' });
  const raw = db.prepare('SELECT * FROM secrets').all();
  assert.ok(!JSON.stringify(raw).includes('very_secret'));
  assert.ok(!Buffer.concat((raw as { ciphertext: Buffer }[]).map((r) => r.ciphertext)).toString().includes('very_secret'));
  assert.equal(await store.get('ocpp-key'), 'sk_live_very_secret');
  assert.deepEqual(store.list(['s1']).map((m) => m.id), ['ocpp-key']);
  assert.deepEqual(store.list(['s2']), []);
  assert.equal(store.list('all').length, 2);
  // moving a sealed value to another row does not open
  db.prepare("UPDATE secrets SET site_id = 's2' WHERE id = 'ocpp-key'").run();
  await assert.rejects(store.get('ocpp-key'), /altered or moved/);
  assert.equal(store.delete('global'), true);
});

test('SealedRecordFile: 0600, round trip; a forged, re-keyed or world-readable file is refused', { skip: !posix }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'keys', 'audit-head');
  const key = randomBytes(32);
  const f = new SealedRecordFile<{ seq: number }>(path, key, 'esm-audit-head');
  assert.equal(f.read(), undefined);
  f.write({ seq: 41 });
  f.write({ seq: 42 });
  assert.deepEqual(f.read(), { seq: 42 });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  // the plain record would hold "seq" in quotes; base64 never holds a quote, so this cannot match by chance ("42" could)
  assert.ok(!readFileSync(path, 'utf8').includes('"seq"'), 'sealed, not plain');
  assert.throws(() => new SealedRecordFile(path, randomBytes(32), 'esm-audit-head').read(), KeyProviderError);
  assert.throws(() => new SealedRecordFile(path, key, 'another-purpose').read(), /altered or forged/);
  const j = JSON.parse(readFileSync(path, 'utf8')) as { ciphertext: string };
  const c = Buffer.from(j.ciphertext, 'base64');
  c[0] = (c[0] ?? 0) ^ 1;
  writeFileSync(path, JSON.stringify({ ...j, ciphertext: c.toString('base64') }), { mode: 0o600 });
  assert.throws(() => f.read(), /altered or forged/);
  f.write({ seq: 43 });
  chmodSync(path, 0o644);
  assert.throws(() => f.read(), /group or others/);
});
