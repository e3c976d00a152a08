/**
 * A crashed core is restarted and says why (issue #8, finding 1; issue #10, item 5).
 * - browser mode: the launcher supervises the core in a child process; the core is killed
 *   (SIGKILL, as the out-of-memory killer would) and comes back, with a system alarm naming
 *   the cause and an audit entry;
 * - an uncaught exception is recorded with its cause before the process ends, and the next
 *   core raises it; a promise nobody awaited becomes a system alarm while the core runs on.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AlarmListRes } from '../../../core/common/alarms';
import { CORE_ERROR_ALARM, CORE_RESTARTED_ALARM } from '../../../core/host/host';
import { FAILURE_FILE } from '../../../core/host/failures';
import { composeApp } from '../../../electron/compose';
import { startAppProcess, ROOT } from '../../support/app-process';
import { ADMIN, bootstrapUsers } from '../../support/auth';
import { connect, waitFor } from '../../support/ws-client';

const CHILD = join(__dirname, 'crash-child.ts');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function runChild(dataDir: string, mode: 'throw' | 'reject'): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('the core after a crash', () => {
  it('browser mode: a killed core is restarted by the launcher and the alarm names the cause', async () => {
    const app = await startAppProcess([], 60_000);
    try {
      const users = await bootstrapUsers(app.url, app.setupToken);
      const info = await users.admin.call<{ pid: number }>('host.info');
      assert.notEqual(info.pid, app.child.pid, 'the core runs in a child of the launcher');
      await users.admin.close();
      process.kill(info.pid, 'SIGKILL');
      const url = await waitFor(
        'the restarted core',
        () => {
          const all = [...app.output().matchAll(/ESM_READY (\S+)/g)];
          return all.length >= 2 ? all[all.length - 1]?.[1] : undefined;
        },
        60_000,
        100,
      );
      assert.equal(app.child.exitCode, null, 'the launcher is still running');
      const admin = await connect(url);
      await admin.signIn(ADMIN.username, ADMIN.password);
      const info2 = await admin.call<{ pid: number }>('host.info');
      assert.notEqual(info2.pid, info.pid);
      const list = await admin.call<AlarmListRes>('alarms.list', {});
      const restarted = list.alarms.find((a) => a.id === CORE_RESTARTED_ALARM);
      assert.ok(restarted, `no ${CORE_RESTARTED_ALARM} alarm: ${list.alarms.map((a) => a.id).join(', ')}`);
      assert.match(String(restarted.value), /killed \(SIGKILL/);
      assert.equal(restarted.state, 'unack-active');
      const audit = await admin.call<{ type: string; details: { cause?: string } }[]>('audit.query', { type: 'system.restart' });
      assert.match(String(audit[0]?.details.cause), /SIGKILL/);
      await admin.close();
    } finally {
      await app.stop();
    }
    assert.doesNotMatch(app.output(), /uncaught|unhandled/i);
  });

  it('an uncaught exception is recorded with its cause, and the next core raises it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esm-crash-'));
    dirs.push(dataDir);
    const r = await runChild(dataDir, 'throw');
    assert.equal(r.code, 70, r.out);
    assert.match(r.out, /uncaught exception: RangeError: Invalid string length/);
    assert.ok(existsSync(join(dataDir, FAILURE_FILE)));
    const app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir });
    try {
      assert.equal(app.host.previousFailure?.cause, 'RangeError: Invalid string length');
      const alarm = app.host.svc.alarms.list({}).alarms.find((a) => a.id === CORE_RESTARTED_ALARM);
      assert.match(String(alarm?.value), /^RangeError: Invalid string length \(uncaughtException at /);
      assert.ok(!existsSync(join(dataDir, FAILURE_FILE)), 'the record is taken once');
    } finally {
      await app.stop();
    }
  });

  it('a promise nobody awaited becomes a system alarm and the core runs on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esm-reject-'));
    dirs.push(dataDir);
    const r = await runChild(dataDir, 'reject');
    assert.equal(r.code, 0, r.out);
    const alarms = JSON.parse(/ALARMS (.*)/.exec(r.out)?.[1] ?? '[]') as { id: string; value?: string }[];
    const a = alarms.find((x) => x.id === CORE_ERROR_ALARM);
    assert.ok(a, r.out);
    assert.equal(a.value, 'a promise nobody awaited: TypeError: Cannot read properties of undefined (reading "value")');
  });
});
