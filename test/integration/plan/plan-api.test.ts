/**
 * Plans over the real API: the demo site with its simulator, the plan service planning with
 * the real optimiser worker once the devices report, plans read by a viewer, a re-plan asked
 * by an operator with a reason (audited, another objective), refused to a viewer, the LP file.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PlanRecord, PlanStatus, PlanSummary } from '../../../core/common/plan';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { type ApiCallError, waitFor, type TestClient } from '../../support/ws-client';

let app: App;
let operator: TestClient;
let viewer: TestClient;
let users: Bootstrapped;
const dataDir = mkdtempSync(join(tmpdir(), 'esm-plan-api-'));

describe('plans over the API', () => {
  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 }, planning: { startupDelayMs: 3000 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    operator = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await operator?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('plans at start-up once the battery reports its SoC, and a viewer reads the plan', async () => {
    const status = await waitFor(
      'a first plan',
      async () => {
        const s = await viewer.call<PlanStatus>('plan.status');
        return s.latest?.ok ? s : undefined;
      },
      120_000,
    );
    assert.equal(status.enabled, true);
    assert.equal(status.mode.mode, 'plan');
    assert.equal(status.timezone, 'Europe/Madrid');
    const plan = await viewer.call<PlanRecord>('plan.get', {});
    assert.ok(plan.series, 'the plan has its series');
    const ess = plan.series.storage[0]!;
    assert.equal(ess.id, 'ess');
    assert.equal(ess.socPct.length, plan.steps);
    for (const s of ess.socPct) assert.ok(s >= 10 - 1e-6 && s <= 95 + 1e-6, `planned SoC ${s} % outside the 10-95 % window`);
    assert.ok(plan.terms && 'energy import' in plan.terms, 'the objective terms are reported');
    const lp = await viewer.call<{ filename: string; text: string }>('plan.lp', { issuedAt: plan.issuedAt });
    assert.match(lp.filename, /\.lp$/);
    assert.match(lp.text, /^Minimize$/m);
  });

  it('an operator asks for a new plan with a reason and another objective; it is audited; a viewer may not', async () => {
    await assert.rejects(viewer.call('plan.replan', { reason: 'curious' }), (e: ApiCallError) => e.body.code === 'forbidden');
    await assert.rejects(operator.call('plan.replan', { reason: '' }), (e: ApiCallError) => e.body.code === 'bad-request' && /give a reason/.test(e.body.message));
    const r = await operator.call<PlanSummary>('plan.replan', { reason: 'tariff check before the peak', objective: 'self-consumption' });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.objective, 'self-consumption');
    assert.equal(r.requestedBy, 'operator1');
    const status = await viewer.call<PlanStatus>('plan.status');
    assert.equal(status.objective, 'self-consumption');
    const list = await viewer.call<PlanSummary[]>('plan.list', { limit: 5 });
    assert.equal(list[0]?.issuedAt, r.issuedAt);
    const audit = await users.admin.call<Array<{ type: string; actor: string; reason?: string | null }>>('audit.query', { type: 'plan.replan' });
    const entry = audit.find((e) => e.type === 'plan.replan');
    assert.equal(entry?.actor, 'operator1');
    assert.equal(entry?.reason, 'tariff check before the peak');
  });
});
