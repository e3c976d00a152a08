/**
 * A flood reaches the screens in parts: one engine batch of 1,200 alarm changes arrives as
 * events of at most 500 changes, every alarm exactly once, with the whole batch's counts and
 * the annunciation listed once (highest priority first).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmsChangedEvent, PointState, SiteView } from '../../../core/common';
import { ALARM_EVENT_PART } from '../../../core/host/host';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const N = 1200;

describe('alarm floods reach the screens in parts', () => {
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-flood-'));

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('splits one batch of 1,200 changes into events of at most 500, losing none', async () => {
    const site = await users.admin.call<SiteView>('site.get');
    const load = site.assets.find((a) => a.nature === 'Load');
    const point = `${load?.id}/ActivePower`;
    const v0 = await waitFor('a good load value', async () => {
      const [s] = await users.admin.call<PointState[]>('points.read', { ids: [point] });
      return s?.quality.level === 'good' && typeof s.value === 'number' ? s.value : undefined;
    });
    const PRI = ['low', 'medium', 'high', 'critical'] as const;
    for (let k = 0; k < N; k += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - k) }, (_, j) =>
          users.admin.call('alarms.definitions.upsert', {
            definition: { id: `flood.${k + j}`, type: 'limit', point, level: 'H', setpoint: Math.round((v0 + 20) * 10) / 10, priority: PRI[(k + j) % 4], class: 'process', message: `flood ${k + j}` },
          }),
        ),
      );
    }
    const events: AlarmsChangedEvent[] = [];
    await op.listen('alarms.changed', (e) => events.push(e as AlarmsChangedEvent));
    await users.admin.call('sim.set', { loadStepKw: 60 });
    const seen = new Set<string>();
    await waitFor(
      'every flood alarm on the screen feed',
      () => {
        for (const e of events) for (const c of e.changes) if (c.id.startsWith('flood.') && c.state === 'unack-active') seen.add(c.id);
        return seen.size === N ? true : undefined;
      },
      30_000,
    );
    const parts = events.filter((e) => e.part);
    assert.ok(parts.length >= Math.ceil(N / ALARM_EVENT_PART), `parts: ${parts.length}`);
    assert.ok(events.every((e) => e.changes.length <= ALARM_EVENT_PART), `sizes ${events.map((e) => e.changes.length).join(',')}`);
    const first = parts.find((e) => e.part?.n === 1);
    assert.ok(first);
    assert.ok((first.annunciateTotal ?? 0) >= N, `annunciateTotal ${first.annunciateTotal}`);
    assert.ok(first.annunciate.length <= 100 && first.annunciate[0]?.priority === 'critical', 'the highest priorities are annunciated first');
    assert.ok(parts.filter((e) => e.part?.n !== 1).every((e) => e.annunciate.length === 0), 'annunciated once');
    assert.ok(first.counts.active >= N, 'each part carries the whole batch’s counts');
  });
});
