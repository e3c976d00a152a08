/** The study worker: progress, cancel, one run at a time, and a failure as a sentence. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StudyRunState } from '../common/study';
import { loadSite } from '../config/load';
import { StudyRunner } from './runner';
import { specFromSite } from './spec';

const ROOT = join(__dirname, '..', '..');
const demo = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;

describe('study runner (worker thread)', () => {
  it('reports progress and stops on cancel', async () => {
    const states: StudyRunState[] = [];
    const runner = new StudyRunner((s) => states.push(s));
    // a long study: it cannot finish before the cancel below arrives (it is asked at the first progress)
    const run = runner.start('s1', specFromSite(demo, { start: '2026-01-01', days: 366 }));
    assert.throws(() => runner.start('s2', specFromSite(demo, { days: 1 })), /a study is already running \(s1\)/);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (states.some((s) => s.state === 'running' && s.done > 0)) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    assert.equal(runner.cancel(run.runId), true);
    assert.equal(await run.done, null);
    assert.equal(states.at(-1)?.state, 'cancelled');
    assert.equal(runner.running, undefined);
  });

  it('returns the results of a short study', async () => {
    const runner = new StudyRunner();
    const run = runner.start('s3', specFromSite(demo, { start: '2026-06-01', days: 1 }));
    const r = await run.done;
    assert.ok(r);
    assert.equal(r.steps, 96);
    assert.equal(runner.status()?.state, 'finished');
  });

  it('a spec the worker cannot read fails with the reason', async () => {
    const runner = new StudyRunner();
    const spec = specFromSite(demo, { days: 1 });
    const run = runner.start('s4', { ...spec, period: { start: 'yesterday', days: 1 } });
    await assert.rejects(run.done, /YYYY-MM-DD/);
    assert.equal(runner.status()?.state, 'failed');
  });
});
