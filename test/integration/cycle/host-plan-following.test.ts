/**
 * Plan following wired in the running host: the demo site with its control cycle switched on
 * and `plan-following` listed after SoC protection and peak shaving. Before the first plan the
 * controller holds the battery with self-consumption and says so; once the host's plan service
 * has planned (first plan 1 s after start here), `control.status` shows the plan's step as the
 * controller's request. The plant simulator runs over Modbus TCP on loopback.
 *
 * Run: node --import tsx --test test/integration/cycle/host-plan-following.test.ts
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ControlStatus } from '../../../core/common';
import { composeApp, findAppRoot, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const dir = mkdtempSync(join(tmpdir(), 'esm-hostplan-'));
let app: App;
let users: Bootstrapped;
let viewer: TestClient;

/** the demo site's control section as SoC protection, peak shaving and plan following (the controllers without operating modes) */
function withPlanFollowing(yaml: string): string {
  const on = yaml.replace(
    /^control:\n[\s\S]*?\n(?=simulation:)/m,
    'control:\n  enabled: true\n  controllers:\n    - { type: soc-protection, ess: ess }\n    - { type: peak-shaving, ess: ess, rechargeKw: 20 }\n    - { type: plan-following, ess: ess }\n\n',
  );
  assert.match(on, /control:\n {2}enabled: true\n/, 'the demo site has a control section');
  assert.match(on, /- \{ type: plan-following, ess: ess \}/, 'plan following added after peak shaving');
  return on;
}

describe('plan following in the host (demo site, cycle on)', () => {
  before(async () => {
    const root = findAppRoot();
    const site = join(dir, 'site.yaml');
    writeFileSync(site, withPlanFollowing(readFileSync(join(root, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8')));
    app = await composeApp({ mode: 'browser', sitePath: site, ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 }, planning: { startupDelayMs: 1000 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the plan-following controller asks the plan service, and falls back to self-consumption only while there is no plan', async () => {
    const reqOf = (s: ControlStatus) => s.controllers.find((c) => c.id === 'plan-following')?.requests.find((r) => r.target === 'ess/SetActivePower');
    const status = await waitFor(
      'the plan-following controller to follow the first plan',
      async () => {
        const s = await viewer.call<ControlStatus>('control.status');
        const r = reqOf(s);
        if (r && !/^(plan \(issued |fallback: self-consumption \()/.test(r.why)) throw new Error(`unexpected sentence: ${r.why}`);
        return r && /^plan \(issued /.test(r.why) ? s : undefined;
      },
      90_000,
    );
    assert.deepEqual(status.controllers.map((c) => c.id), ['soc-protection', 'peak-shaving', 'plan-following']);
    const r = reqOf(status);
    assert.equal(typeof r?.value, 'number', 'the plan step is asked as a value');
  });
});
