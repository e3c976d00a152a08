/** The desktop shell's pure parts: single instance, menu, tray and notifications, logs, file types. */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AlarmCounts, AlarmsChangedEvent } from '../../core/common/alarms';
import { alarmNotifications, trayView } from './alarm-tray';
import { fileToOpen } from './file-types';
import { RotatingLog } from './logs';
import { NAVIGATE, SHELL_SHORTCUTS, menuItems, menuTemplate } from './menu';
import { startSingleInstance, type InstanceLock } from './single-instance';

/** One lock shared by "processes" in this test, as the OS would hold it. */
function lockPair(): { first: InstanceLock; second: InstanceLock } {
  let held = false;
  const listeners: Array<(argv: readonly string[]) => void> = [];
  const make = (argv: string[]): InstanceLock => ({
    acquire: () => {
      if (held) {
        for (const l of listeners) l(argv);
        return false;
      }
      held = true;
      return true;
    },
    onSecondInstance: (cb) => listeners.push(cb),
  });
  return { first: make(['es-manager']), second: make(['es-manager', '--enable-logging', '/home/op/Sites/Málaga.esmsite']) };
}

describe('single instance', () => {
  it('a second start quits and hands its site file to the first, which comes to the front', () => {
    const { first, second } = lockPair();
    const log: string[] = [];
    const h = (who: string) => ({ quit: () => log.push(`${who} quits`), focus: () => log.push(`${who} focus`), open: (f: { kind: string; path: string }) => log.push(`${who} opens ${f.kind} ${f.path}`) });
    assert.equal(startSingleInstance(first, h('first')), true);
    assert.equal(startSingleInstance(second, h('second')), false);
    assert.deepEqual(log, ['first focus', 'first opens site /home/op/Sites/Málaga.esmsite', 'second quits']);
  });

  it('finds the site or study file on a command line, skipping switches and other files', () => {
    assert.deepEqual(fileToOpen(['--no-sandbox', 'notes.txt', 'C:\\Studies\\Year.ESMSTUDY']), { kind: 'study', path: 'C:\\Studies\\Year.ESMSTUDY' });
    assert.equal(fileToOpen(['--site', 'x.yaml']), null);
  });
});

describe('application menu', () => {
  const items = menuItems(menuTemplate());

  it('every shortcut is unique and every action item has a label', () => {
    const acc = items.flatMap((i) => (i.accelerator ? [i.accelerator] : []));
    assert.equal(new Set(acc).size, acc.length, `duplicate shortcut in ${acc.join(' ')}`);
    for (const i of items) if (i.action) assert.ok(i.label, JSON.stringify(i.action));
  });

  it('acknowledge, silence, help and kiosk have their shortcuts; screens are Ctrl+1…9 and exist', () => {
    const by = (k: string) => items.find((i) => i.action?.kind === k);
    assert.equal(by('acknowledge')?.accelerator, SHELL_SHORTCUTS.acknowledge);
    assert.equal(by('silence')?.accelerator, SHELL_SHORTCUTS.silence);
    assert.equal(by('help')?.accelerator, 'F1');
    assert.equal(by('kiosk')?.accelerator, 'F11');
    const nav = items.filter((i) => i.action?.kind === 'navigate');
    assert.equal(nav.length, NAVIGATE.length);
    nav.forEach((n, i) => assert.equal(n.accelerator, `CmdOrCtrl+${i + 1}`));
    assert.ok(items.some((i) => i.role === 'quit'));
  });
});

const counts = (active: number, unack: number, highest?: 'critical' | 'high'): AlarmCounts =>
  ({ byPriority: {} as AlarmCounts['byPriority'], unacknowledged: unack, active, shelved: 0, suppressed: 0, outOfService: 0, ...(highest ? { highestUnacknowledged: highest } : {}) }) as AlarmCounts;

describe('tray and notifications', () => {
  it('the tray says the active and unacknowledged counts in words', () => {
    assert.deepEqual(trayView(counts(3, 1, 'high')), { count: 3, tooltip: 'ES Manager: 3 active alarms, 1 unacknowledged, highest: high', attention: true });
    assert.deepEqual(trayView(counts(1, 0)), { count: 1, tooltip: 'ES Manager: 1 active alarm, 0 unacknowledged', attention: false });
    assert.equal(trayView(null).tooltip, 'ES Manager: alarms not available yet');
  });

  it('notifies new high and critical alarms only, at most 3 per batch and a summary for the rest', () => {
    const ev = (ann: Array<[string, 'critical' | 'high' | 'medium' | 'low']>, extra: Partial<AlarmsChangedEvent> = {}): AlarmsChangedEvent => ({ ts: 0, changes: [], counts: counts(0, 0), annunciate: ann.map(([id, priority]) => ({ id, priority, message: `${id} message` })), ...extra });
    assert.deepEqual(alarmNotifications(ev([['a', 'low'], ['b', 'high']])), [{ title: 'High-priority alarm', body: 'b message', alarmId: 'b' }]);
    assert.deepEqual(alarmNotifications(ev([['m', 'medium']])), []);
    const flood = alarmNotifications(ev([['1', 'critical'], ['2', 'critical'], ['3', 'high'], ['4', 'high'], ['5', 'high']], { annunciateTotal: 40, part: { n: 0, of: 3 } }));
    assert.equal(flood.length, 4);
    assert.deepEqual(flood[3], { title: 'More new alarms', body: '37 more new alarms: open the alarm list' });
    assert.deepEqual(alarmNotifications(ev([['x', 'critical']], { part: { n: 1, of: 3 } })), [], 'later parts of a split batch are not notified again');
  });
});

describe('logs in the user data folder, rotated', () => {
  it('rotates by size, keeps N old files, copies console output and stays owner-only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-logs-'));
    try {
      let t = Date.UTC(2026, 11, 2, 3, 0, 0);
      const log = new RotatingLog(join(dir, 'logs'), 1024, 2, 'es-manager', () => t++);
      const c = { log: (..._a: unknown[]) => undefined, warn: (..._a: unknown[]) => undefined, error: (..._a: unknown[]) => undefined };
      const undo = log.captureConsole(c);
      c.error('the core failed: %s', 'boom');
      undo();
      assert.match(readFileSync(log.file, 'utf8'), /^2026-12-02T03:00:00\.000Z ERROR the core failed: boom\n$/);
      for (let i = 0; i < 60; i++) log.write('info', `line ${i} ${'x'.repeat(60)}`);
      const files = readdirSync(join(dir, 'logs')).sort();
      assert.deepEqual(files, ['es-manager.1.log', 'es-manager.2.log', 'es-manager.log']);
      for (const f of files) assert.ok(readFileSync(join(dir, 'logs', f)).length <= 1024, `${f} within the limit`);
      assert.match(readFileSync(log.file, 'utf8'), /line 59 /);
      assert.ok(!existsSync(join(dir, 'logs', 'es-manager.3.log')));
      assert.throws(() => new RotatingLog(dir, 10), /at least 1024 bytes \(got 10\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
