/**
 * The simulated IED (libiec61850's server API, model built at run time from the
 * es-controller-61850 profile) met by ES Manager's own client binding: browse, values with
 * the simulator's time quality, buffered reports, an SBO-enhanced breaker command with its
 * termination, an interlocked refusal with AddCause, a setting write. Skipped with the reason
 * without ESM_LIBIEC61850.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { Iec61850Library } from '../../../drivers/iec61850/binding';
import { decodeUtcTime, type MmsData } from '../../../drivers/iec61850/mms';
import { iec61850ProfileSchema } from '../../../drivers/iec61850/profile';
import { simModelFromProfile } from '../../../drivers/iec61850/server-model';
import { SimulatedIed, type ServerEvent } from '../../../drivers/iec61850/sim-ied';
import { freePort, LIB, missing, until } from './support';

const profile = iec61850ProfileSchema.parse(parse(readFileSync(join(__dirname, '../../../assets/profiles/es-controller-61850.yaml'), 'utf8')));

test('the simulated IED serves the ES controller profile through libiec61850: read, report, SBO breaker with termination, interlock refusal, setting write', async (t) => {
  const why = missing();
  if (why) return t.skip(why);
  const model = simModelFromProfile(profile, 'ESC1');
  const port = await freePort();
  const ied = await SimulatedIed.start({ libPath: LIB as string, model, host: '127.0.0.1', port });
  const events: ServerEvent[] = [];
  ied.onEvent((e) => events.push(e));
  const lib = await Iec61850Library.open(LIB as string);
  const client = await lib.client({ host: '127.0.0.1', port });
  try {
    const now = Date.now();
    await ied.update(
      [
        { doRef: 'LD0/MMXU1.TotW', value: 12_500 },
        { doRef: 'LD0/ZBAT1.SoC', value: 55.5 },
        { doRef: 'LD0/XCBR1.Pos', value: 1 },
        { doRef: 'LD0/CSWI1.Pos', value: 1 },
      ],
      now,
    );
    await client.connect();
    const lds = await client.serverDirectory();
    assert.deepEqual(lds, ['ESC1LD0']);
    const tot = (await client.read('ESC1LD0/MMXU1.TotW', 'MX')) as Extract<MmsData, { type: 'structure' }>;
    const spec = await client.typeSpec('ESC1LD0/MMXU1.TotW', 'MX');
    const names = spec.children?.map((c) => c.name);
    const mag = tot.items[names?.indexOf('mag') ?? -1] as Extract<MmsData, { type: 'structure' }>;
    assert.deepEqual(mag.items[0], { type: 'float', value: 12_500 });
    const tm = tot.items[names?.indexOf('t') ?? -1] as Extract<MmsData, { type: 'utc-time' }>;
    const time = decodeUtcTime(tm.bytes);
    assert.ok(Math.abs(time.ms - now) < 2, 'the simulator stamps the value');
    assert.deepEqual(time.quality, { leapSecondsKnown: true, clockFailure: false, clockNotSynchronized: true, accuracyBits: 10 });

    const rcbs = await client.findRcbs();
    assert.ok(rcbs.some((r) => r.buffered) && rcbs.some((r) => !r.buffered), 'buffered and unbuffered RCBs');
    const reports: number[] = [];
    client.onReport((r) => reports.push(r.entries.length));
    const brcb = rcbs.find((r) => r.buffered)!.ref;
    const en = await client.enableReport(brcb, { gi: true, resvTmsS: 30 });
    assert.ok(en.members.includes('ESC1LD0/ZBAT1.SoC[MX]'), en.members.join(', '));
    assert.equal((await client.rcb(brcb)).resvTms, 30);
    await until('the GI report', () => (reports.length > 0 ? true : undefined));
    const before = reports.length;
    await ied.update([{ doRef: 'LD0/ZBAT1.SoC', value: 56 }], Date.now());
    await until('a data-change report', () => (reports.length > before ? true : undefined));

    const ctl = await client.control('ESC1LD0/CSWI1.Pos');
    assert.equal(ctl.model, 'sbo-with-enhanced-security');
    const sel = await ctl.select({ type: 'boolean', value: true });
    assert.equal(sel.ok, true, sel.reason);
    const op = await ctl.operate({ type: 'boolean', value: true });
    assert.equal(op.ok, true, op.reason);
    assert.deepEqual(await op.terminated, { ok: true });
    assert.deepEqual(await until('the operate heard by the simulator', () => events.find((e) => e.event === 'operated')), { event: 'operated', doRef: 'LD0/CSWI1.Pos', value: 2, test: false });

    await ied.interlock('LD0/CSWI1.Pos', true);
    const sel2 = await ctl.select({ type: 'boolean', value: false });
    assert.equal(sel2.ok, false);
    assert.match(sel2.reason ?? '', /refused by the device: .*interlocking/i);
    await ied.interlock('LD0/CSWI1.Pos', false);

    await client.write('ESC1LD0/DOPM1.WMaxOut.setMag.f', 'SP', { type: 'float', value: 80_000 });
    await until('the setting write heard', () => events.find((e) => e.event === 'written'));
    assert.deepEqual(events.find((e) => e.event === 'written'), { event: 'written', doRef: 'LD0/DOPM1.WMaxOut', value: 80_000 });
    await ctl.destroy();
  } finally {
    await client.destroy();
    await lib.close();
    await ied.stop();
  }
});
