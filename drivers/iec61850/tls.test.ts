/**
 * TLS settings of an IEC 61850 device (no library needed): the connection schema, certificate
 * files from the app's certificate store, the key's password from the sealed secrets, and
 * sentences for what is missing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProtocolRegistry } from '../../core/common/profile';
import { certificateStore, tlsFiles } from './bridge';
import { iec61850ConnectionSchema, iec61850Protocol } from './profile';

test('the TLS block: CA required, cert and key together, chain validation on by default', () => {
  const c = iec61850ConnectionSchema.parse({ host: 'ied', port: 3782, tls: { ca: 'ca.pem' } });
  assert.deepEqual(c.tls, { ca: 'ca.pem', chainValidation: true });
  const reg = new ProtocolRegistry([iec61850Protocol as never]);
  const r = reg.deviceSchema().safeParse({ id: 'd', name: 'D', protocol: 'iec61850', profile: 'p', asset: 'a', connection: { host: 'ied', tls: { ca: 'ca.pem', cert: 'me.pem' } } });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /give both cert and key/);
});

test('certificate files come from the store (or absolute paths), the key password from the secrets; missing ones are named', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-tls-'));
  try {
    const store = certificateStore(dataDir) as string;
    assert.equal(store, join(dataDir, 'pki'));
    mkdirSync(store);
    for (const f of ['ca.pem', 'me.pem', 'me.key']) writeFileSync(join(store, f), '-----BEGIN-----\n');
    const secrets = { get: async (n: string) => (n === 'ied-key' ? 's3cret' : undefined) };
    const files = await tlsFiles({ ca: 'ca.pem', cert: 'me.pem', key: 'me.key', keyPasswordSecret: 'ied-key', chainValidation: true }, dataDir, secrets);
    assert.deepEqual(files, { ca: join(store, 'ca.pem'), cert: join(store, 'me.pem'), key: join(store, 'me.key'), keyPassword: 's3cret', chainValidation: true });
    await assert.rejects(tlsFiles({ ca: 'other.pem', chainValidation: true }, dataDir, secrets), new RegExp(`TLS: the CA certificate ${join(store, 'other.pem').replace(/[/.]/g, '\\$&')} does not exist \\(the certificate store is`));
    await assert.rejects(tlsFiles({ ca: 'ca.pem', cert: 'me.pem', key: 'me.key', keyPasswordSecret: 'nope', chainValidation: true }, dataDir, secrets), /no secret named "nope" holds the client key's password/);
    await assert.rejects(tlsFiles({ ca: 'ca.pem', chainValidation: true }, undefined, secrets), /relative path and this host has no certificate store/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
