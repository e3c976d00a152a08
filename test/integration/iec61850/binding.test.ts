/**
 * The binding against libiec61850's own example servers over loopback: browse, read, write,
 * direct and SBO control with normal and enhanced security, unbuffered and buffered reports,
 * and the ownership counters (every MmsValue, LinkedList, ClientReport... freed exactly once).
 * Needs ESM_LIBIEC61850 and ESM_LIBIEC61850_EXAMPLES (drivers/iec61850/README.md); skipped
 * with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Iec61850Library, OPT, TRG, type IedClient, type ReportData } from '../../../drivers/iec61850/binding';
import { IedError } from '../../../drivers/iec61850/errors';
import { decodeQuality, decodeUtcTime, encodeUtcTime, type MmsData } from '../../../drivers/iec61850/mms';
import { LIB, missing, startExample, until, type ExampleServer } from './support';

const LD = 'simpleIOGenericIO';
const T: MmsData = { type: 'boolean', value: true };
const F: MmsData = { type: 'boolean', value: false };

function field(d: MmsData, ...path: number[]): MmsData {
  let cur = d;
  for (const i of path) {
    assert.ok(cur.type === 'structure' || cur.type === 'array', `expected a structure at ${path.join('.')}, got ${cur.type}`);
    const next = cur.items[i];
    assert.ok(next, `no element ${i}`);
    cur = next;
  }
  return cur;
}

async function balanced(lib: Iec61850Library): Promise<void> {
  const c = await lib.counters();
  assert.equal(c.live, 0, `objects still owned: ${JSON.stringify(c)}`);
  for (const [kind, n] of Object.entries(c.alloc)) assert.equal(c.free[kind], n, `${kind}: ${n} allocated, ${c.free[kind] ?? 0} freed`);
}

describe('libiec61850 binding: basic I/O example server', () => {
  const why = missing('server_example_basic_io');
  let srv: ExampleServer;
  let lib: Iec61850Library;
  let client: IedClient;

  before(async () => {
    if (why) return;
    srv = await startExample('server_example_basic_io');
    lib = await Iec61850Library.open(LIB as string);
    client = await lib.client({ host: '127.0.0.1', port: srv.port, connectTimeoutMs: 2000, requestTimeoutMs: 2000 });
    await client.connect();
  });
  after(async () => {
    if (why) return;
    await client?.destroy();
    await lib?.close();
    await srv?.stop();
  });

  test('browses logical devices, logical nodes, data objects and attributes with their FC', async (t) => {
    if (why) return t.skip(why);
    assert.match(lib.version, /^\d+\.\d+\.\d+/);
    const model = await client.browse();
    const ld = model.logicalDevices.find((d) => d.name === LD);
    assert.ok(ld, `no ${LD} in ${JSON.stringify(model.logicalDevices.map((d) => d.name))}`);
    const ggio = ld.logicalNodes.find((n) => n.name === 'GGIO1');
    assert.ok(ggio);
    const anIn1 = ggio.dataObjects.find((d) => d.name === 'AnIn1');
    assert.ok(anIn1);
    assert.ok(anIn1.attributes.includes('mag[MX]') && anIn1.attributes.includes('q[MX]') && anIn1.attributes.includes('t[MX]'), anIn1.attributes.join());
    const spcso1 = ggio.dataObjects.find((d) => d.name === 'SPCSO1');
    assert.ok(spcso1?.attributes.includes('Oper[CO]'));
  });

  test('reads a float, a quality and a UTC time, and a whole structure', async (t) => {
    if (why) return t.skip(why);
    const f = await client.read(`${LD}/GGIO1.AnIn1.mag.f`, 'MX');
    assert.equal(f.type, 'float');
    assert.ok(f.type === 'float' && Math.abs(f.value) <= 1, `sin() value, got ${JSON.stringify(f)}`);
    const q = await client.read(`${LD}/GGIO1.AnIn1.q`, 'MX');
    assert.ok(q.type === 'bit-string' && q.size === 13);
    assert.equal(decodeQuality(q.bytes, q.size).validity, 'good');
    const ts = await client.read(`${LD}/GGIO1.AnIn1.t`, 'MX');
    assert.equal(ts.type, 'utc-time');
    const when = decodeUtcTime(ts.type === 'utc-time' ? ts.bytes : []);
    assert.ok(Math.abs(when.ms - Date.now()) < 60_000, `server time ${new Date(when.ms).toISOString()}`);
    assert.equal(when.quality.leapSecondsKnown, true, 'the example sets leap seconds known');
    const whole = await client.read(`${LD}/GGIO1.AnIn1`, 'MX');
    assert.equal(field(whole, 0, 0).type, 'float');
    assert.equal(field(whole, 1).type, 'bit-string');
    assert.equal(field(whole, 2).type, 'utc-time');
  });

  test('writes a data attribute and reads it back; a refused write names the cause', async (t) => {
    if (why) return t.skip(why);
    const ref = `${LD}/GGIO1.NamPlt.vendor`;
    await client.write(ref, 'DC', { type: 'visible-string', value: 'ES Manager test' });
    assert.deepEqual(await client.read(ref, 'DC'), { type: 'visible-string', value: 'ES Manager test' });
    await assert.rejects(client.write(`${LD}/GGIO1.SPCSO1.stVal`, 'ST', T), (e: Error) => {
      assert.ok(e instanceof IedError);
      assert.match(e.message, /writing .*SPCSO1\.stVal \[ST\]: the device refused access .*IedClientError 21/);
      return true;
    });
    await assert.rejects(client.read(`${LD}/GGIO1.NoSuch.stVal`, 'ST'), /does not exist|undefined/);
    await assert.rejects(client.read(`${LD}/GGIO1.AnIn1.mag.f`, 'QQ'), /"QQ" is not a functional constraint/);
  });

  test('a UtcTime built by the library has the byte layout of the pure codec', async (t) => {
    if (why) return t.skip(why);
    for (const ms of [0, 1, 999, 1_700_000_000_123, 1_764_620_000_500]) {
      const lib61850 = await lib.utcFromLibrary(ms);
      assert.deepEqual(lib61850, { type: 'utc-time', bytes: encodeUtcTime(ms) }, `at ${ms}`);
    }
    const nested: MmsData = {
      type: 'structure',
      items: [
        { type: 'float', value: 1.5 },
        { type: 'bit-string', size: 13, bytes: [0xc1, 0x08] },
        { type: 'integer', value: -42 },
        { type: 'unsigned', value: 4_000_000_000 },
        { type: 'array', items: [T, F] },
        { type: 'utc-time', bytes: encodeUtcTime(1_700_000_000_123, { clockNotSynchronized: true }) },
        { type: 'visible-string', value: 'x' },
      ],
    };
    assert.deepEqual(await lib.roundTrip(nested), nested);
  });

  test('finds the report control blocks and receives unbuffered and buffered reports', async (t) => {
    if (why) return t.skip(why);
    const rcbs = await client.findRcbs();
    const urcb = rcbs.find((r) => r.ref === `${LD}/LLN0.RP.EventsRCB01`);
    const brcb = rcbs.find((r) => r.ref === `${LD}/LLN0.BR.Measurements01`);
    assert.ok(urcb && !urcb.buffered, JSON.stringify(rcbs));
    assert.ok(brcb && brcb.buffered);

    const reports: ReportData[] = [];
    const off = client.onReport((r) => reports.push(r));
    const opts = OPT.SEQ_NUM | OPT.TIME_STAMP | OPT.REASON | OPT.DATA_SET;
    const u = await client.enableReport(urcb.ref, { trgOps: TRG.DATA_CHANGED | TRG.GI, optFlds: opts, gi: true });
    assert.equal(u.buffered, false);
    assert.deepEqual(u.members, [1, 2, 3, 4].map((i) => `${LD}/GGIO1.SPCSO${i}.stVal[ST]`));
    assert.equal((await client.rcb(urcb.ref)).rptEna, true);
    // the general interrogation: every member with reason GI (16)
    const gi = await until('the GI report', () => reports.find((r) => r.rcb === urcb.ref && r.entries.length === 4 && r.entries.every((e) => e.reason === 16)));
    assert.equal(gi.rptId, 'Events1');
    assert.ok(gi.ts !== undefined && Math.abs(gi.ts - Date.now()) < 60_000, 'report time stamp');

    // a data change: operate SPCSO2 and expect a report with reason data-change (1) for it
    const ctl = await client.control(`${LD}/GGIO1.SPCSO2`);
    const before = (await client.read(`${LD}/GGIO1.SPCSO2.stVal`, 'ST')) as { value: boolean };
    assert.equal((await ctl.operate({ type: 'boolean', value: !before.value })).ok, true);
    const dc = await until('the data-change report', () =>
      reports.flatMap((r) => r.entries).find((e) => e.member === `${LD}/GGIO1.SPCSO2.stVal[ST]` && e.reason === 1 && e.value.type === 'boolean' && e.value.value === !before.value),
    );
    assert.ok(dc);
    await ctl.destroy();

    // buffered, integrity every 200 ms: measured values with quality and time
    const b = await client.enableReport(brcb.ref, { trgOps: TRG.INTEGRITY, intgPdMs: 200, optFlds: opts, purgeBuf: true });
    assert.equal(b.buffered, true);
    assert.ok(b.members.length > 0, 'Measurements data set members');
    const integ = await until('two integrity reports', () => {
      const got = reports.filter((r) => r.rcb === brcb.ref && r.entries.length > 0 && r.entries.every((e) => e.reason === 8));
      return got.length >= 2 ? got : undefined;
    });
    const e0 = integ[1]?.entries[0];
    assert.ok(e0, 'an entry');
    assert.match(e0.member, /GGIO1\.AnIn1/);
    assert.ok((integ[1]?.seqNum ?? 0) > (integ[0]?.seqNum ?? 0) || integ[1]?.seqNum === 0, 'sequence numbers advance');

    await client.disableReport(urcb.ref);
    await client.disableReport(brcb.ref);
    assert.equal((await client.rcb(brcb.ref)).rptEna, false);
    const n = reports.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(reports.length <= n + 1, 'no more reports once disabled');
    off();
  });

  test('memory: after a soak of reads, browses and report cycles every library object was freed exactly once', async (t) => {
    if (why) return t.skip(why);
    const start = await lib.counters();
    for (let i = 0; i < 200; i++) await client.read(`${LD}/GGIO1.AnIn${(i % 4) + 1}`, 'MX');
    for (let i = 0; i < 5; i++) {
      await client.browse();
      await client.enableReport(`${LD}/LLN0.RP.EventsRCB01`, { gi: true });
      await client.disableReport(`${LD}/LLN0.RP.EventsRCB01`);
      await client.dataSetDirectory(`${LD}/LLN0.Events`);
    }
    const end = await lib.counters();
    assert.ok((end.alloc.MmsValue ?? 0) - (start.alloc.MmsValue ?? 0) >= 200, 'each read handed over one MmsValue');
    assert.ok((end.alloc.LinkedList ?? 0) > (start.alloc.LinkedList ?? 0));
    assert.ok((end.alloc.ClientReport ?? 0) - (start.alloc.ClientReport ?? 0) === 5);
    assert.ok((end.alloc.ClientReportControlBlock ?? 0) - (start.alloc.ClientReportControlBlock ?? 0) === 10);
    assert.equal(end.live, 1, 'only the open connection is still owned');
    await client.destroy();
    await balanced(lib);
  });
});

describe('libiec61850 binding: control example server', () => {
  const why = missing('server_example_control');
  let srv: ExampleServer;
  let lib: Iec61850Library;
  let client: IedClient;

  before(async () => {
    if (why) return;
    srv = await startExample('server_example_control');
    lib = await Iec61850Library.open(LIB as string);
    client = await lib.client({ host: '127.0.0.1', port: srv.port, connectTimeoutMs: 2000, requestTimeoutMs: 2000 });
    await client.connect();
  });
  after(async () => {
    if (why) return;
    await client?.destroy();
    await lib?.close();
    await srv?.stop();
  });

  async function stVal(n: number): Promise<boolean> {
    const v = await client.read(`${LD}/GGIO1.SPCSO${n}.stVal`, 'ST');
    assert.equal(v.type, 'boolean');
    return v.type === 'boolean' && v.value;
  }

  test('direct control with normal security operates and the status follows', async (t) => {
    if (why) return t.skip(why);
    const ctl = await client.control(`${LD}/GGIO1.SPCSO1`);
    assert.equal(ctl.model, 'direct-with-normal-security');
    const target = !(await stVal(1));
    const r = await ctl.operate({ type: 'boolean', value: target }, { orIdent: 'test operator', orCat: 2 });
    assert.deepEqual(r, { ok: true });
    assert.equal(await stVal(1), target);
    await ctl.destroy();
  });

  test('SBO with normal security: select, operate; operating again without a select is refused with its AddCause', async (t) => {
    if (why) return t.skip(why);
    const ctl = await client.control(`${LD}/GGIO1.SPCSO2`);
    assert.equal(ctl.model, 'sbo-with-normal-security');
    assert.equal(ctl.selectBeforeOperate, true);
    const target = !(await stVal(2));
    assert.deepEqual(await ctl.select(undefined), { ok: true });
    assert.equal((await ctl.operate({ type: 'boolean', value: target })).ok, true);
    assert.equal(await stVal(2), target);
    const again = await ctl.operate({ type: 'boolean', value: !target });
    assert.equal(again.ok, false);
    assert.equal(again.addCause, 18);
    assert.match(again.reason ?? '', /operating .*SPCSO2 was refused by the device: the object is not selected \(AddCause 18\)/);
    assert.equal(await stVal(2), target, 'the refused operate changed nothing');
    // select then cancel
    assert.equal((await ctl.select(undefined)).ok, true);
    assert.equal((await ctl.cancel()).ok, true);
    await ctl.destroy();
  });

  test('direct control with enhanced security: operate, then the command termination', async (t) => {
    if (why) return t.skip(why);
    const ctl = await client.control(`${LD}/GGIO1.SPCSO3`);
    assert.equal(ctl.model, 'direct-with-enhanced-security');
    const target = !(await stVal(3));
    const r = await ctl.operate({ type: 'boolean', value: target }, { test: false, interlockCheck: true, synchroCheck: true });
    assert.equal(r.ok, true);
    assert.ok(r.terminated, 'enhanced security waits for a termination');
    assert.deepEqual(await r.terminated, { ok: true });
    assert.equal(await stVal(3), target);
    await ctl.destroy();
  });

  test('SBO with enhanced security: select with value, operate, termination', async (t) => {
    if (why) return t.skip(why);
    const ctl = await client.control(`${LD}/GGIO1.SPCSO4`);
    assert.equal(ctl.model, 'sbo-with-enhanced-security');
    const target = !(await stVal(4));
    const value: MmsData = { type: 'boolean', value: target };
    assert.deepEqual(await ctl.select(value), { ok: true });
    const r = await ctl.operate(value);
    assert.equal(r.ok, true);
    assert.deepEqual(await r.terminated, { ok: true });
    assert.equal(await stVal(4), target);
    const again = await ctl.operate(value);
    assert.equal(again.ok, false);
    assert.match(again.reason ?? '', /not selected \(AddCause 18\)/);
    await ctl.destroy();
  });

  test('a control object that does not exist, a refused connection, a lost connection: sentences and events', async (t) => {
    if (why) return t.skip(why);
    await assert.rejects(client.control(`${LD}/GGIO1.NoSuch`), /opening the control object .*NoSuch.*does not exist on the device \(IedClientError 22\)/);
    const other = await lib.client({ host: '127.0.0.1', port: 1, connectTimeoutMs: 1000, requestTimeoutMs: 1000 });
    await assert.rejects(other.connect(), (e: Error) => e instanceof IedError && /connecting to 127\.0\.0\.1:1: /.test(e.message));
    await other.destroy();
    let closed = 0;
    client.onClosed(() => closed++);
    await srv.stop();
    await until('the closed event', () => (closed > 0 ? true : undefined));
    await assert.rejects(client.read(`${LD}/GGIO1.SPCSO1.stVal`, 'ST'), /not connected|connection .*lost/);
    await client.destroy();
    await balanced(lib);
  });
});
