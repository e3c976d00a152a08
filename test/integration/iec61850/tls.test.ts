/**
 * TLS with the libiec61850 build at hand. The build's TLS support is checked independently
 * (the library file names TLSConfiguration_create in its dynamic symbols only when it was built
 * with mbedTLS). Without TLS: the binding says so in a sentence and a device configured for TLS
 * is offline with that sentence (nothing is sent in the clear instead). With TLS, a wrong CA
 * file is refused by the library with a sentence naming it. Skipped without ESM_LIBIEC61850.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProtocolRegistry } from '../../../core/common/profile';
import { Iec61850Library } from '../../../drivers/iec61850/binding';
import { createIec61850Factory } from '../../../drivers/iec61850/bridge';
import { iec61850ConnectionSchema, iec61850Protocol } from '../../../drivers/iec61850/profile';
import { LIB, missing, startExample, until } from './support';

test('TLS: the build\'s support is reported truthfully; a TLS device never falls back to plain MMS', async (t) => {
  const why = missing('server_example_basic_io');
  if (why) return t.skip(why);
  const built = readFileSync(LIB as string).includes(Buffer.from('TLSConfiguration_create\0'));
  const lib = await Iec61850Library.open(LIB as string);
  const support = await lib.tlsSupport();
  await lib.close();
  if (built) assert.equal(support, true);
  else {
    assert.equal(typeof support, 'string');
    assert.match(String(support), /^this libiec61850 build \(1\.5\.\d+\) has no TLS support: TLSConfiguration_create is not in .* \(the library was built without mbedTLS/);
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'esm-61850-tls-'));
  const srv = await startExample('server_example_basic_io');
  process.env.ESM_LIBIEC61850 = LIB;
  const factory = createIec61850Factory();
  try {
    mkdirSync(join(dataDir, 'pki'));
    writeFileSync(join(dataDir, 'pki', 'ca.pem'), 'not a certificate\n');
    const registry = new ProtocolRegistry([iec61850Protocol as never]);
    const r = registry.parseProfile({ id: 'p', vendor: 'v', model: 'm', protocol: 'iec61850', reports: 'off', channels: [{ channel: 'An1', ref: 'GenericIO/GGIO1.AnIn1.mag.f' }] });
    assert.ok(r.ok);
    const device = { id: 'tls1', name: 'TLS IED', protocol: 'iec61850', profile: 'p', asset: 'ied', pollMs: 200, timeoutMs: 1000, connection: iec61850ConnectionSchema.parse({ host: '127.0.0.1', port: srv.port, iedName: 'simpleIO', tls: { ca: 'ca.pem' } }) };
    await factory.start?.({ siteId: 's', dataDir, secrets: { get: async () => undefined }, devices: [device], now: Date.now });
    const samples: unknown[] = [];
    const bridge = factory.create({ device, profile: r.profile, sink: { publish: (s) => samples.push(...s.filter((x) => x.quality.level === 'good')) }, dataDir });
    await bridge.start();
    try {
      const st = await until('the TLS device offline with its reason', () => (bridge.status().lastError ? bridge.status() : undefined));
      assert.equal(st.state, 'offline');
      if (built) assert.match(st.lastError ?? '', /the CA certificate .*ca\.pem could not be read/);
      else assert.match(st.lastError ?? '', /TLS is configured for this device, but this libiec61850 build .* has no TLS support/);
      assert.equal(samples.length, 0, 'no value read over a plain connection');
    } finally {
      await bridge.stop();
    }
  } finally {
    await factory.stop?.();
    await srv.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
