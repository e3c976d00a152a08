/**
 * Hash-chain tamper detection: the database file is edited by the `sqlite3` CLI in a child
 * process, as someone with access to the file would; verify() fails and names the entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { securityStack, type Stack } from './fixture';

const hasCli = spawnSync('sqlite3', ['-version']).status === 0;

function sqlite(S: Stack, sql: string): { status: number | null; stderr: string } {
  const r = spawnSync('sqlite3', [S.dbPath, sql], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

async function populated(): Promise<Stack> {
  const S = await securityStack(['s1']);
  const op = await S.user('op1', ['operator'], ['s1']);
  await S.commands.execute(op.principal, { siteId: 's1', target: 'ess1/SetActivePower', value: 20 });
  S.audit.append({ type: 'alarm.ack', actor: 'op1', siteId: 's1', assetId: 'ess1', outcome: 'ok', target: 'ess1/HighTemp' });
  assert.equal(S.audit.verify().ok, true);
  return S;
}

test('the CLI cannot edit the log while the append-only triggers stand', { skip: !hasCli && 'sqlite3 CLI not installed' }, async (t) => {
  const S = await populated();
  t.after(() => S.close());
  const r = sqlite(S, "UPDATE audit SET actor = 'mallory' WHERE seq = 2;");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /append-only/);
  assert.equal(S.audit.verify().ok, true);
});

test('an edited entry is named by verify', { skip: !hasCli && 'sqlite3 CLI not installed' }, async (t) => {
  const S = await populated();
  t.after(() => S.close());
  const count = S.audit.head().seq;
  const target = S.audit.query({ type: 'command.result' })[0]!;
  const r = sqlite(S, `DROP TRIGGER audit_no_update; UPDATE audit SET after_json = '{"ess1/SetActivePower":99}' WHERE seq = ${target.seq};`);
  assert.equal(r.status, 0, r.stderr);
  const v = S.audit.verify();
  assert.equal(v.ok, false);
  if (!v.ok) {
    assert.deepEqual(v.firstBad, { seq: target.seq, problem: 'hash-mismatch' });
    assert.match(v.message, new RegExp(`entry ${target.seq} was modified`));
    assert.equal(v.count, target.seq - 1);
  }
  assert.ok(count > target.seq, 'entries after it still exist and are not blamed');
});

test('re-hashing an edited entry does not help: the next entry names the break', { skip: !hasCli && 'sqlite3 CLI not installed' }, async (t) => {
  const S = await populated();
  t.after(() => S.close());
  // the attacker recomputes nothing cleverly: just copies a valid hash from elsewhere
  const r = sqlite(S, "DROP TRIGGER audit_no_update; UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 1) WHERE seq = 3;");
  assert.equal(r.status, 0, r.stderr);
  const v = S.audit.verify();
  assert.equal(v.ok, false);
  if (!v.ok) assert.equal(v.firstBad.seq, 3);
});

test('a deleted entry is named by verify (gap), and so is a deleted tail (anchor)', { skip: !hasCli && 'sqlite3 CLI not installed' }, async (t) => {
  const S = await populated();
  t.after(() => S.close());
  const head = S.audit.head().seq;
  execFileSync('sqlite3', [S.dbPath, 'DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2;']);
  const v = S.audit.verify();
  assert.equal(v.ok, false);
  if (!v.ok) {
    assert.deepEqual(v.firstBad, { seq: 3, problem: 'sequence-gap' });
    assert.match(v.message, /entry 2 is missing/);
  }
  const S2 = await populated();
  t.after(() => S2.close());
  const head2 = S2.audit.head().seq;
  execFileSync('sqlite3', [S2.dbPath, `DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= ${head2 - 1};`]);
  const v2 = S2.audit.verify();
  assert.equal(v2.ok, false);
  if (!v2.ok) {
    assert.deepEqual(v2.firstBad, { seq: head2 - 1, problem: 'anchor-mismatch' });
    assert.match(v2.message, /removed from the end/);
  }
  assert.ok(head > 2);
});
