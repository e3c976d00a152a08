/**
 * Soak (bounded in count and time): a viewer floods the core with expensive calls — oversized
 * and large-but-allowed trend queries, full point lists, alarm history — over several
 * connections while the demo site runs. The core stays up, its memory stays bounded and an
 * operator's calls keep answering throughout (issue #8, finding 1).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { PointMeta, PointState } from '../../../core/common';
import { startAppProcess, type AppProcess } from '../../support/app-process';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import type { ApiCallError, TestClient } from '../../support/ws-client';

const MB = 1024 * 1024;
const FLOOD_CALLS = 600;
/** the flood lasts at least this long, so a fast machine floods as long as a slow one */
const FLOOD_MIN_MS = 8_000;
/** and never more calls than this, however fast the machine answers */
const FLOOD_MAX_CALLS = 3_000;
const FLOOD_MS = 45_000;

describe('soak: a flood of expensive calls from a viewer', () => {
  let app: AppProcess;
  let users: Bootstrapped;
  let op: TestClient;
  let corePid = 0;
  const floods: TestClient[] = [];

  before(async () => {
    // the built app in its own process, so its memory is measured apart from these clients
    app = await startAppProcess([], 60_000);
    users = await bootstrapUsers(app.url, app.setupToken);
    op = await signedIn(app.url, users.operator);
    corePid = (await op.call<{ pid: number }>('host.info')).pid;
    for (let i = 0; i < 4; i++) floods.push(await signedIn(app.url, users.viewer));
  });
  after(async () => {
    for (const c of floods) await c.close();
    await op?.close();
    await users?.admin.close();
    await app?.stop();
  });

  /** the core process's resident memory, from /proc */
  const coreRss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${corePid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

  it('stays up, bounded, and answers the operator', async () => {
    const points = await op.call<PointMeta[]>('points.list', {});
    const numeric = points.filter((p) => p.type === 'number').map((p) => p.id);
    const ids = Array.from({ length: 64 }, (_, i) => numeric[i % numeric.length] as string);
    const watched = numeric.slice(0, 5);
    const rss0 = coreRss();
    let rssMax = rss0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, coreRss())), 200);

    const expensive = (n: number): [string, unknown] => {
      const to = Date.now();
      switch (n % 5) {
        case 0: // refused: 64 million values
          return ['history.query', { ids, from: to - 1_000_000, to, mode: 'interpolated', intervalMs: 1 }];
        case 1: // allowed and large: 64 pens x 5,001 cells = 320,064 values (about 10 MB of JSON)
          return ['history.query', { ids, from: to - 5_000_000, to, mode: 'interpolated', intervalMs: 1000 }];
        case 2:
          return ['points.list', {}];
        case 3:
          return ['alarms.history', { limit: 10_000 }];
        default: // refused: 5.5 million aggregate buckets
          return ['history.query', { ids, from: to - 86_400_000, to, mode: 'aggregate', intervalMs: 1000 }];
      }
    };
    const outcome = { ok: 0, refused: 0, busy: 0, other: [] as string[] };
    let sent = 0;
    const start = Date.now();
    const end = start + FLOOD_MS;
    const busyFlooding = (): boolean =>
      Date.now() < end && sent < FLOOD_MAX_CALLS && (sent < FLOOD_CALLS || Date.now() < start + FLOOD_MIN_MS);
    // each flooding connection keeps 4 calls in flight; a call unanswered for 60 s is a failure
    const worker = async (c: TestClient): Promise<void> => {
      while (busyFlooding()) {
        const [method, arg] = expensive(sent++);
        try {
          await Promise.race([
            c.call(method, arg),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`${method}: no answer within 60 s`)), 60_000).unref()),
          ]);
          outcome.ok++;
        } catch (e) {
          const code = (e as ApiCallError).body?.code;
          if (code === 'too-large') outcome.refused++;
          else if (code === 'busy') outcome.busy++;
          else outcome.other.push(String(e));
        }
      }
    };
    const flood = Promise.all(floods.flatMap((c) => Array.from({ length: 4 }, () => worker(c))));

    // the operator reads points every 250 ms throughout
    const opLatency: number[] = [];
    let opFailures = 0;
    let flooding = true;
    void flood.finally(() => (flooding = false));
    while (flooding) {
      const t0 = performance.now();
      try {
        const r = await op.call<PointState[]>('points.read', { ids: watched });
        assert.equal(r.length, watched.length);
        opLatency.push(performance.now() - t0);
      } catch {
        opFailures++;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await flood;
    clearInterval(sampler);
    const sorted = [...opLatency].sort((a, b) => a - b);
    const p = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    const grew = Math.round((rssMax - rss0) / MB);
    console.log(
      `soak: ${sent} flood calls (ok ${outcome.ok}, refused ${outcome.refused}, busy ${outcome.busy}); operator ${opLatency.length} reads, ` +
        `p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms; core RSS ${Math.round(rss0 / MB)} MB at start, grew by at most ${grew} MB`,
    );
    assert.deepEqual(outcome.other, [], 'every flood call got an answer or a limit refusal');
    assert.ok(outcome.refused > 0 && outcome.ok > 0);
    assert.equal(opFailures, 0, 'every operator read was answered');
    assert.ok(opLatency.length >= 10, 'the operator kept reading during the flood');
    assert.ok(grew < 600, `the core's RSS grew by ${grew} MB`);
    assert.equal(app.child.exitCode, null, 'the core is up');
    // the plant is still live: a point changes after the flood
    const before = (await op.call<PointState[]>('points.read', { ids: watched })).map((s) => s.rts);
    await new Promise((r) => setTimeout(r, 2500));
    const later = (await op.call<PointState[]>('points.read', { ids: watched })).map((s) => s.rts);
    assert.ok(later.some((t, i) => t > (before[i] ?? 0)), 'the bridges still poll');
  });
});
