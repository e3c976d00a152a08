/**
 * Nothing leaks across start and stop: the whole app (simulator, bridges, CVT, services,
 * historian workers, browser-mode server, an open client) started and stopped three times in
 * one process leaves no socket, server, timer or worker behind.
 */
import { strict as assert } from 'node:assert';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { composeApp } from '../../../electron/compose';
import { bootstrapUsers } from '../../support/auth';
import { waitFor } from '../../support/ws-client';

/**
 * Live async resources by type, tracked from creation to destruction: unlike
 * process.getActiveResourcesInfo() this also sees unref'd timers, which keep running.
 */
const TRACKED = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'WORKER', 'MESSAGEPORT', 'FSEVENTWRAP', 'PROCESSWRAP']);
const live = new Map<number, { type: string; stack: string }>();
const hook = createHook({
  init(id, type) {
    if (TRACKED.has(type)) live.set(id, { type, stack: new Error().stack?.split('\n').slice(3, 9).join('\n') ?? '' });
  },
  destroy(id) {
    live.delete(id);
  },
});

function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of live.values()) m.set(r.type, (m.get(r.type) ?? 0) + 1);
  return m;
}

function diff(a: Map<string, number>, b: Map<string, number>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const d = (b.get(k) ?? 0) - (a.get(k) ?? 0);
    if (d > 0) out.push(`${k} +${d}`);
  }
  return out;
}

function where(type: string): string {
  return [...live.values()].filter((r) => r.type === type).map((r) => r.stack).slice(0, 2).join('\n---\n');
}

describe('start and stop leave nothing behind', () => {
  it('three start/stop cycles of the whole app leak no handle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-life-'));
    try {
      hook.enable();
      await new Promise((r) => setTimeout(r, 100));
      const base = resources();
      for (let i = 0; i < 3; i++) {
        const app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir: join(dir, `d${i}`), web: { bind: '127.0.0.1', port: 0 } });
        const users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
        await users.admin.listen('points.changed', () => undefined);
        await waitFor('devices online', () => (app.host.deviceStatuses().every((d) => d.state === 'online') ? true : undefined));
        await users.admin.close();
        await app.stop();
      }
      const leaked = await waitFor(
        'handles to close',
        () => {
          const d = diff(base, resources());
          return d.length === 0 ? d : undefined;
        },
        5000,
        100,
      ).catch(() => diff(base, resources()));
      assert.deepEqual(leaked, [], `left behind: ${leaked.join(', ')}\n${leaked.map((l) => where(l.split(' ')[0] ?? '')).join('\n')}`);
    } finally {
      hook.disable();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
