import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { APP_MIGRATIONS, MigrationError, appliedMigrations, openAppDb, runMigrations, schemaVersion, type Migration } from './index';

function tmp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'esm-db-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('openAppDb creates the file 0600, in WAL mode, migrated to the latest version', (t) => {
  const { dir, done } = tmp();
  t.after(done);
  const path = join(dir, 'sub', 'app.sqlite');
  const db = openAppDb(path);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(schemaVersion(db), APP_MIGRATIONS.length);
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  db.close();
  // reopening applies nothing new
  const again = openAppDb(path);
  assert.equal(appliedMigrations(again).length, APP_MIGRATIONS.length);
  again.close();
});

test('migrations run once each, in order, inside a transaction', () => {
  const db = new Database(':memory:');
  const ms: Migration[] = [
    { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
    { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER);' },
  ];
  assert.deepEqual(runMigrations(db, ms.slice(0, 1)), [1]);
  assert.deepEqual(runMigrations(db, ms), [2]);
  assert.deepEqual(runMigrations(db, ms), []);
  // a failing migration leaves nothing behind
  const bad: Migration[] = [...ms, { version: 3, name: 'bad', sql: 'CREATE TABLE c (z INTEGER); SELECT * FROM nowhere;' }];
  assert.throws(() => runMigrations(db, bad));
  assert.equal(schemaVersion(db), 2);
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'c'").get() as { n: number }).n, 0);
});

test('a database from a newer version, or an edited migration, is refused', () => {
  const db = new Database(':memory:');
  const ms: Migration[] = [
    { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
    { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER);' },
  ];
  runMigrations(db, ms);
  assert.throws(() => runMigrations(db, ms.slice(0, 1)), (e: Error) => e instanceof MigrationError && /newer than this program/.test(e.message));
  const edited: Migration[] = [ms[0]!, { ...ms[1]!, sql: 'CREATE TABLE b (y TEXT);' }];
  assert.throws(() => runMigrations(db, edited), /changed after it was applied/);
  assert.throws(() => runMigrations(new Database(':memory:'), [ms[1]!]), /expected 1/);
});

test('the audit table is append-only for the application', () => {
  const db = openAppDb(':memory:');
  db.prepare(
    "INSERT INTO audit (seq, ts, type, actor, outcome, prev_hash, hash) VALUES (1, 0, 't', 'a', 'ok', 'x', 'y')",
  ).run();
  assert.throws(() => db.prepare("UPDATE audit SET actor = 'b'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM audit').run(), /append-only/);
});
