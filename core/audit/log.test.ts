import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openAppDb } from '../db';
import { canonicalJson } from './canonical';
import { csvCell } from './csv';
import { AuditLog, GENESIS_HASH, entryHash, type AuditHeadRecord } from './log';
import { ReasonCatalog } from './reasons';

function setup(anchorKey?: Buffer) {
  let t = Date.UTC(2025, 0, 1);
  const db = openAppDb(':memory:');
  const log = new AuditLog(db, { now: () => (t += 1000), ...(anchorKey ? { anchorKey } : {}) });
  return { db, log };
}

function fill(log: AuditLog) {
  log.append({ type: 'auth.signin', actor: 'alice', workstation: 'ws1', outcome: 'ok' });
  log.append({ type: 'command.result', actor: 'alice', siteId: 's1', assetId: 'ess1', target: 'ess1/SetActivePower', outcome: 'ok', reason: 'peak', before: { v: 0 }, after: { v: 50 } });
  log.append({ type: 'config.change', actor: 'bob', siteId: 's2', assetId: 'pv1', outcome: 'ok', before: { b: 1, a: [1, 2] }, after: { a: [1, 2], b: 2 } });
  log.append({ type: 'auth.signin', actor: 'bob', outcome: 'refused', rule: 'auth.bad-credentials' });
}

test('canonical JSON sorts keys and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: [3, { z: 1, y: 2 }] } }), '{"a":{"c":[3,{"y":2,"z":1}]},"b":1}');
});

test('entries chain: each hash covers the previous hash and the canonical entry', () => {
  const { log } = setup();
  fill(log);
  const all = log.query({}).reverse();
  assert.equal(all[0]!.prevHash, GENESIS_HASH);
  for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash);
  const e = all[1]!;
  assert.equal(entryHash(e.prevHash, e), e.hash);
  assert.deepEqual(log.verify(), { ok: true, count: 4, headSeq: 4, headHash: all[3]!.hash });
});

test('verify names the first edited entry and a removed one (triggers dropped, as an attacker would)', () => {
  const { db, log } = setup();
  fill(log);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  db.prepare("UPDATE audit SET after_json = '{\"v\":5}' WHERE seq = 2").run();
  const r = log.verify();
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.firstBad, { seq: 2, problem: 'hash-mismatch' });
  const { db: db2, log: log2 } = setup();
  fill(log2);
  db2.exec('DROP TRIGGER audit_no_delete;');
  db2.prepare('DELETE FROM audit WHERE seq = 2').run();
  const r2 = log2.verify();
  assert.equal(r2.ok, false);
  if (!r2.ok) {
    assert.deepEqual(r2.firstBad, { seq: 3, problem: 'sequence-gap' });
    assert.match(r2.message, /entry 2 is missing/);
  }
});

test('with an anchor key, cutting off the newest entries is detected', () => {
  const key = randomBytes(32);
  const { db, log } = setup(key);
  fill(log);
  assert.equal(log.verify().ok, true);
  db.exec('DROP TRIGGER audit_no_delete;');
  db.prepare('DELETE FROM audit WHERE seq >= 3').run();
  const r = log.verify();
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(r.firstBad, { seq: 3, problem: 'anchor-mismatch' });
    assert.match(r.message, /3\.\.4 were removed/);
  }
  // without the key, the same truncation looks like a valid shorter chain
  assert.equal(new AuditLog(db).verify().ok, true);
});

test('query filters: user, type prefix, asset, site, period; scope limits to sites plus own entries', () => {
  const { log } = setup();
  fill(log);
  assert.equal(log.query({ user: 'alice' }).length, 2);
  assert.equal(log.query({ type: 'auth.' }).length, 2);
  assert.equal(log.query({ type: 'auth' }).length, 0);
  assert.equal(log.query({ assetId: 'pv1' })[0]?.actor, 'bob');
  assert.equal(log.query({ siteId: 's1' }).length, 1);
  const t2 = log.query({ user: 'alice' })[0]!.ts;
  assert.deepEqual(log.query({ from: t2, to: t2 + 1 }).map((e) => e.seq), [2]);
  assert.deepEqual(log.query({ limit: 2 }).map((e) => e.seq), [4, 3]);
  assert.deepEqual(log.query({ beforeSeq: 3 }).map((e) => e.seq), [2, 1]);
  const scoped = log.query({}, { sites: ['s1'], self: 'alice' });
  assert.deepEqual(scoped.map((e) => e.seq), [2, 1], 'site s2 and bob’s sign-in are not visible');
  assert.deepEqual(log.query({}, { sites: [] }).length, 0);
});

test('CSV export quotes, escapes and defuses formulas', () => {
  const { log } = setup();
  log.append({ type: 'config.change', actor: '=cmd|calc', outcome: 'ok', reason: 'a "quoted", reason', before: { x: 1 } });
  const csv = log.exportCsv();
  const lines = csv.trim().split('\r\n');
  assert.equal(lines[0], 'seq,time,type,actor,impersonator,workstation,site,asset,target,outcome,reason,rule,before,after,details,hash');
  assert.match(lines[1]!, /^1,2025-01-01T00:00:01\.000Z,config\.change,'=cmd\|calc,,,,,,ok,"a ""quoted"", reason",,"\{""x"":1\}",,,[0-9a-f]{64}$/);
  assert.equal(csvCell(-5), '-5');
  assert.equal(csvCell('-5'), "'-5");
});

test('reasons: list, required, unknown or inactive refused', () => {
  const { db } = setup();
  const reasons = new ReasonCatalog(db, () => 0);
  assert.deepEqual(reasons.check('command', undefined), { ok: true, reason: null });
  assert.throws(() => reasons.setRequired('command', true), /define at least one/);
  reasons.upsert({ id: 'peak-shaving', label: 'Peak shaving', appliesTo: 'command', active: true });
  reasons.upsert({ id: 'old', label: 'Old', appliesTo: 'all', active: false });
  reasons.upsert({ id: 'cfg', label: 'Config fix', appliesTo: 'config', active: true });
  reasons.setRequired('command', true);
  assert.deepEqual(reasons.list('command').map((r) => r.id), ['peak-shaving']);
  const r1 = reasons.check('command', undefined);
  assert.equal(r1.ok ? '' : r1.rule, 'reason.required');
  const r2 = reasons.check('command', 'old');
  assert.equal(r2.ok ? '' : r2.rule, 'reason.unknown');
  const r3 = reasons.check('command', 'cfg');
  assert.equal(r3.ok ? '' : r3.rule, 'reason.unknown');
  assert.equal(reasons.check('command', 'peak-shaving').ok, true);
});

/** a head store in memory (the host uses a sealed file next to the key) */
function memoryHead(init?: AuditHeadRecord) {
  let rec = init;
  let writes = 0;
  return {
    store: {
      read: () => rec,
      write: (r: AuditHeadRecord) => {
        rec = { ...r };
        writes++;
      },
    },
    get rec() {
      return rec;
    },
    get writes() {
      return writes;
    },
  };
}

test('head counter: follows every append; a restart with a matching head is quiet', async () => {
  const key = randomBytes(32);
  const db = openAppDb(':memory:');
  const head = memoryHead();
  const tampers: string[] = [];
  const log = new AuditLog(db, { anchorKey: key, headStore: head.store, onTamper: (m) => tampers.push(m) });
  fill(log);
  assert.ok(head.writes <= 2, `a burst of appends is one counter write (${head.writes})`);
  log.flushHead();
  assert.deepEqual(head.rec, { seq: 4, hash: log.head().hash });
  const again = new AuditLog(db, { anchorKey: key, headStore: head.store, onTamper: (m) => tampers.push(m) });
  assert.equal(again.tamperState(), undefined);
  assert.equal(again.verify().ok, true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(tampers, []);
});

test('head counter: a crash between the commit and the counter write is not a cut; a replaced head is', () => {
  const key = randomBytes(32);
  const db = openAppDb(':memory:');
  const head = memoryHead();
  const log = new AuditLog(db, { anchorKey: key, headStore: head.store });
  fill(log);
  log.flushHead();
  const stale = { ...head.rec! };
  log.append({ type: 'auth.signout', actor: 'alice', outcome: 'ok' });
  log.flushHead();
  // the counter still holds the head before the last append (as if the process died there)
  const crashed = memoryHead(stale);
  const restarted = new AuditLog(db, { anchorKey: key, headStore: crashed.store });
  assert.equal(restarted.tamperState(), undefined, 'an extension of the recorded head is accepted');
  assert.equal(crashed.rec?.seq, 5);
  // a counter whose head is not in the chain: the end of the log was replaced
  const forged = memoryHead({ seq: 5, hash: 'f'.repeat(64) });
  const other = new AuditLog(db, { anchorKey: key, headStore: forged.store });
  assert.match(other.tamperState()?.message ?? '', /entry 5 is not the one last written/);
  assert.ok(forged.rec?.broken, 'the break is kept in the counter');
  assert.equal(other.verify().ok, false);
});

test('head counter: created for a log that had none, and the creation is itself an entry', () => {
  const key = randomBytes(32);
  const db = openAppDb(':memory:');
  fill(new AuditLog(db, { anchorKey: key }));
  const head = memoryHead();
  const log = new AuditLog(db, { anchorKey: key, headStore: head.store });
  assert.equal(log.tamperState(), undefined);
  const made = log.query({ type: 'audit.head-counter' })[0];
  assert.equal((made?.details as { startedAt: number }).startedAt, 4);
  log.flushHead();
  assert.equal(head.rec?.seq, 5);
  assert.equal(log.verify().ok, true);
});
