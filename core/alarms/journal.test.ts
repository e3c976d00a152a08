import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, MemoryAlarmJournal, toCsv } from './journal';

test('memory journal: query newest first with paging and filters', () => {
  const j = new MemoryAlarmJournal();
  for (let k = 0; k < 25; k++)
    j.append([{ ts: 1000 + k, alarmId: `a${k % 3}`, event: 'activate', to: 'unack-active', priority: k % 2 ? 'high' : 'low', class: 'process', message: `m${k}` }]);
  const p1 = j.query({ limit: 10 });
  assert.equal(p1.entries.length, 10);
  assert.equal(p1.entries[0]?.seq, 25);
  const p3 = j.query({ limit: 10, before: j.query({ limit: 10, before: p1.next }).next });
  assert.equal(p3.entries.length, 5);
  assert.equal(p3.next, undefined);
  assert.equal(j.count({ priorities: ['high'], alarmIds: ['a0'] }), 4);
  assert.equal(j.query({ text: 'M2' }).entries.length, 6); // m2, m20..m24 (case-insensitive)
});

test('CSV: RFC 4180 quoting and no spreadsheet formulas', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell(-5), '-5');
  assert.equal(csvCell(undefined), '');
  const { csv, rows } = toCsv([
    { seq: 1, ts: 0, alarmId: 'a', event: 'ack', priority: 'low', class: 'c', message: 'line1\nline2', user: 'alice', from: 'unack-active', to: 'ack-active' },
  ]);
  assert.equal(rows, 1);
  assert.equal(csv, 'seq,time,alarm,event,from,to,priority,class,asset,user,impersonator,message,value,text\r\n1,1970-01-01T00:00:00.000Z,a,ack,unack-active,ack-active,low,c,,alice,,"line1\nline2",,\r\n');
});
