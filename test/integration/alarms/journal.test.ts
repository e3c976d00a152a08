/**
 * The SQLite alarm journal with the engine: WAL, batched inserts, a flood of 10,000 alarms in one
 * second with nothing lost, queries by time/priority/asset/state/text, paging, CSV export, KPIs,
 * reopening the file. Temp files are removed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { AlarmEngine } from '../../../core/alarms/engine';
import { SqliteAlarmJournal } from '../../../core/alarms/sqlite-journal';
import type { AlarmDefinitionInput } from '../../../core/common/alarms';

const dir = mkdtempSync(join(tmpdir(), 'esm-alarms-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tick = () => new Promise<void>((r) => setImmediate(r));

test('journal: flood of 10,000 alarms in one second, nothing lost, written in bounded chunks', async () => {
  const path = join(dir, 'flood.db');
  const journal = new SqliteAlarmJournal({ path, chunkRows: 2000 });
  const defs: AlarmDefinitionInput[] = [];
  for (let k = 0; k < 10_000; k++)
    defs.push({
      id: `a${k}`,
      type: 'limit',
      point: `asset${k % 50}/P${k}`,
      level: 'H',
      setpoint: 1,
      priority: (['critical', 'high', 'medium', 'low'] as const)[k % 4] ?? 'low',
      message: `alarm ${k}`,
    });
  let t = 1_700_000_000_000;
  const engine = new AlarmEngine({ journal, now: () => t, config: { definitions: defs } });
  // ten batches of 1000 within one second
  for (let b = 0; b < 10; b++) {
    const batch = [];
    for (let k = b * 1000; k < (b + 1) * 1000; k++) batch.push({ id: `asset${k % 50}/P${k}`, value: 2, quality: { level: 'good' as const }, ts: t });
    engine.processBatch(batch);
    t += 100;
  }
  assert.equal(engine.counts().unacknowledged, 10_000);
  assert.equal(engine.floodStatus().active, true);
  // the writes happen on later event-loop turns, a chunk at a time
  const st0 = journal.stats();
  assert.equal(st0.appended, 10_001); // 10,000 activations + 1 flood-start
  assert.equal(st0.written, 0);
  while (journal.stats().pending > 0) await tick();
  const st = journal.stats();
  assert.equal(st.written, 10_001);
  assert.ok(st.flushes >= 6, `chunks of <= 2000 rows: ${st.flushes} transactions`);
  // everything is on disk: a second connection sees it
  const other = new Database(path, { readonly: true });
  assert.equal((other.prepare("SELECT COUNT(*) AS n FROM alarm_journal WHERE event = 'activate'").get() as { n: number }).n, 10_000);
  assert.equal((other.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  other.close();
  // acknowledge all: another 10,000 rows
  engine.ack(defs.map((d) => d.id), { user: 'alice' });
  journal.close();
  const again = new SqliteAlarmJournal({ path });
  assert.equal(again.count({ events: ['ack'], priorities: ['critical'] }), 2500);
  assert.equal(again.count({ text: 'alarm 9999' }), 2);
  again.close();
});

test('journal: queries, paging, CSV export and KPIs through the engine', () => {
  const path = join(dir, 'query.db');
  const journal = new SqliteAlarmJournal({ path, autoFlush: 'manual' });
  let t = Date.UTC(2025, 0, 1);
  const start = t;
  const engine = new AlarmEngine({
    journal,
    now: () => t,
    config: {
      definitions: [
        { id: 'ess1.temp.H', type: 'limit', point: 'ess1/Temperature', level: 'H', setpoint: 40, priority: 'high', message: 'Battery temperature high' },
        { id: 'pcc.import.H', type: 'limit', point: 'pcc/ActivePower', level: 'H', setpoint: 80, priority: 'medium', message: 'Import, above "contracted", power' },
        { id: 'ev1.fault', type: 'state', point: 'ev1/Status', alarmValues: [2], priority: 'low', message: '=cmd|calc' },
      ],
    },
  });
  const feed = (id: string, value: number) => engine.processBatch([{ id, value, quality: { level: 'good' }, ts: t }]);
  for (let k = 0; k < 20; k++) {
    feed('ev1/Status', 2);
    t += 30_000;
    feed('ev1/Status', 0);
    t += 30_000;
  }
  feed('ess1/Temperature', 45);
  t += 60_000;
  engine.ack(['ess1.temp.H'], { user: 'alice' }, 'fans on');
  feed('pcc/ActivePower', 90);
  t += 60_000;
  feed('ess1/Temperature', 30);
  assert.equal(journal.stats().pending > 0, true, 'manual flush mode: queued');

  const all = engine.history({ limit: 1000 });
  assert.equal(all.entries[0]?.event, 'clear', 'newest first');
  assert.deepEqual(engine.history({ priorities: ['high'] }).entries.map((e) => e.event), ['clear', 'ack', 'activate']);
  assert.equal(engine.history({ assets: ['pcc'] }).entries.length, 1);
  assert.equal(engine.history({ states: ['ack-active'] }).entries[0]?.user, 'alice');
  assert.equal(engine.history({ text: 'fans' }).entries.length, 1);
  assert.equal(engine.history({ text: '%' }).entries.length, 0, 'LIKE wildcards are escaped');
  assert.equal(engine.history({ from: start + 20 * 60_000 }).entries.length, 4, 'ess1 activate, ack, pcc activate, ess1 clear');
  // paging
  const p1 = engine.history({ limit: 10 });
  const p2 = engine.history({ limit: 10, before: p1.next });
  assert.equal(p1.entries.length, 10);
  assert.ok((p2.entries[0]?.seq ?? 0) < (p1.entries[9]?.seq ?? 0));
  // CSV
  const x = engine.exportCsv({ alarmIds: ['pcc.import.H', 'ev1.fault'] });
  assert.equal(x.rows, 41); // 20 activations + 20 clears of ev1 (one a minute: not chattering) + pcc activation
  const lines = x.csv.trimEnd().split('\r\n');
  assert.equal(lines[0], 'seq,time,alarm,event,from,to,priority,class,asset,user,impersonator,message,value,text');
  assert.match(x.csv, /"Import, above ""contracted"", power"/);
  assert.match(x.csv, /,'=cmd\|calc,/);
  assert.match(x.filename, /^alarms-2025-01-01T.*\.csv$/);
  // KPIs
  const k = engine.kpis(start, t);
  assert.equal(k.activations, 22);
  assert.equal(k.topBadActors[0]?.alarmId, 'ev1.fault');
  assert.equal(k.topBadActors[0]?.count, 20);
  assert.equal(k.priorityMix.low.count, 20);
  assert.equal(k.acknowledged, 1);
  assert.equal(k.medianAckMs, 60_000);
  journal.close();
});

test('journal: the impersonator is kept next to the user; a journal written before the column gets it', async () => {
  const path = join(dir, 'imp.sqlite');
  // a journal file of the earlier layout (no impersonator column)
  const old = new Database(path);
  old.exec(`CREATE TABLE alarm_journal (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, alarm_id TEXT NOT NULL, event TEXT NOT NULL,
    from_state TEXT, to_state TEXT, priority TEXT NOT NULL, class TEXT NOT NULL, asset TEXT, user TEXT, message TEXT NOT NULL, value TEXT, text TEXT)`);
  old.prepare("INSERT INTO alarm_journal VALUES (1, 1, 'a', 'ack', NULL, NULL, 'low', 'c', NULL, 'bob', 'm', NULL, NULL)").run();
  old.close();
  const journal = new SqliteAlarmJournal({ path });
  journal.append([{ ts: 2, alarmId: 'a', event: 'comment', priority: 'low', class: 'c', message: 'm', user: 'alice', impersonator: 'root', text: 'x' }]);
  await journal.flush?.();
  const rows = journal.query({ alarmIds: ['a'] }).entries.sort((x, y) => x.ts - y.ts);
  assert.deepEqual(rows.map((e) => [e.user, e.impersonator]), [['bob', undefined], ['alice', 'root']]);
  journal.close();
});
