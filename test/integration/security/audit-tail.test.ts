/**
 * Issue #8, item 4: cutting the tail of the audit log is detected — at start-up, before the
 * next append and by verify — on the whole app over the real WebSocket API, with the database
 * file edited as someone holding it would (the sqlite3 CLI, better-sqlite3). A cut raises an
 * alarm and stays reported: later appends do not heal it. Wiping every entry and the anchor,
 * or restoring an old anchor after cutting, is caught by the head counter kept outside the
 * database (next to the key).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { AlarmListRes, AuditEntry, AuditVerifyResult } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { ADMIN, bootstrapUsers, signedIn } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const TAMPER_ALARM = 'system.audit-tamper';
const start = (dataDir: string): Promise<App> => composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });

async function tamperAlarm(c: TestClient): Promise<{ active: boolean; value?: unknown } | undefined> {
  const l = await c.call<AlarmListRes>('alarms.list', { view: 'all' });
  return l.alarms.find((a) => a.id === TAMPER_ALARM);
}

/** a few more audited actions by the administrator */
async function moreEntries(c: TestClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await c.call('reasons.upsert', { id: `extra-${i}-${Date.now()}`, label: `Extra reason ${i}`, appliesTo: 'command', active: true });
}

function headSeq(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT MAX(seq) AS m FROM audit').get() as { m: number }).m;
  } finally {
    db.close();
  }
}

describe('cutting the tail of the audit log is detected (issue #8 item 4)', () => {
  it('a tail cut at rest is detected at start-up (alarm) and by verify; later appends do not heal it', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esm-audit-cut-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    let app = await start(dataDir);
    const users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    await moreEntries(users.admin, 3);
    assert.equal((await users.admin.call<AuditVerifyResult>('audit.verify')).ok, true);
    await users.admin.close();
    await app.stop();

    const dbPath = join(dataDir, 'esm.sqlite');
    const head = headSeq(dbPath);
    const r = spawnSync('sqlite3', [dbPath, `DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > ${head - 3};`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);

    app = await start(dataDir);
    t.after(() => app.stop());
    const admin = await signedIn(app.host.url ?? '', ADMIN);
    t.after(() => admin.close());
    const alarm = await tamperAlarm(admin);
    assert.ok(alarm?.active, 'an alarm is raised at start-up');
    assert.match(String(alarm.value), new RegExp(`entries ${head - 2}\\.\\.${head} were removed from the end`));
    const v = await admin.call<AuditVerifyResult>('audit.verify');
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.message : '', /removed from the end/);
    // appends go on (commands must stay audited), but the break is never re-anchored silently
    await moreEntries(admin, 5);
    const again = await admin.call<AuditVerifyResult>('audit.verify');
    assert.equal(again.ok, false, 'still reported after more appends than were cut');
    const logged = await admin.call<AuditEntry[]>('audit.query', { type: 'audit.tamper' });
    assert.equal(logged.length, 1, 'the detection is written into the log itself');
  });

  it('a tail cut while running is detected before the next append', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esm-audit-live-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const app = await start(dataDir);
    t.after(() => app.stop());
    const users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    t.after(() => users.admin.close());
    await moreEntries(users.admin, 3);
    const dbPath = join(dataDir, 'esm.sqlite');
    const head = headSeq(dbPath);
    const db = new Database(dbPath);
    db.exec(`DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > ${head - 2};`);
    db.close();
    assert.equal((await tamperAlarm(users.admin))?.active ?? false, false, 'nothing noticed before the next append');
    await moreEntries(users.admin, 1);
    const alarm = await waitFor('the tamper alarm', async () => ((await tamperAlarm(users.admin))?.active ? await tamperAlarm(users.admin) : undefined));
    assert.match(String(alarm.value), new RegExp(`entries ${head - 1}\\.\\.${head} were removed from the end`));
    await moreEntries(users.admin, 4);
    assert.equal((await users.admin.call<AuditVerifyResult>('audit.verify')).ok, false);
  });

  it('wiping every entry and the anchor, or restoring an old anchor after a cut, fails verification', async (t) => {
    // wipe
    const wipeDir = mkdtempSync(join(tmpdir(), 'esm-audit-wipe-'));
    t.after(() => rmSync(wipeDir, { recursive: true, force: true }));
    let app = await start(wipeDir);
    const users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    await users.admin.close();
    await app.stop();
    let db = new Database(join(wipeDir, 'esm.sqlite'));
    db.exec('DROP TRIGGER audit_no_delete; DELETE FROM audit; DELETE FROM audit_anchor;');
    db.close();
    app = await start(wipeDir);
    let admin = await signedIn(app.host.url ?? '', ADMIN);
    let v = await admin.call<AuditVerifyResult>('audit.verify');
    assert.equal(v.ok, false, `an emptied log must not verify: ${JSON.stringify(v)}`);
    assert.match(!v.ok ? v.message : '', /empty/);
    assert.ok((await tamperAlarm(admin))?.active);
    await admin.close();
    await app.stop();

    // old anchor restored after cutting
    const oldDir = mkdtempSync(join(tmpdir(), 'esm-audit-old-'));
    t.after(() => rmSync(oldDir, { recursive: true, force: true }));
    app = await start(oldDir);
    const u2 = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    const dbPath = join(oldDir, 'esm.sqlite');
    db = new Database(dbPath, { readonly: true });
    const oldAnchor = db.prepare('SELECT seq, hash, mac FROM audit_anchor').get() as { seq: number; hash: string; mac: string };
    db.close();
    await moreEntries(u2.admin, 4);
    await u2.admin.close();
    await app.stop();
    db = new Database(dbPath);
    db.exec(`DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > ${oldAnchor.seq};`);
    db.prepare('UPDATE audit_anchor SET seq = ?, hash = ?, mac = ?').run(oldAnchor.seq, oldAnchor.hash, oldAnchor.mac);
    db.close();
    app = await start(oldDir);
    t.after(() => app.stop());
    admin = await signedIn(app.host.url ?? '', ADMIN);
    t.after(() => admin.close());
    v = await admin.call<AuditVerifyResult>('audit.verify');
    assert.equal(v.ok, false, 'the chain and the restored anchor agree, the counter outside the database does not');
    assert.match(!v.ok ? v.message : '', /removed from the end of the log \(the head counter/);
    assert.ok((await tamperAlarm(admin))?.active);
  });
});
