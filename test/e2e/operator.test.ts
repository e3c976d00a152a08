/**
 * End to end, as an operator sees it: the built app started as a process in browser mode,
 * the demo plant simulated over real Modbus TCP, Debian's Chromium showing the synoptic.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { PointState, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { OPERATOR, signedIn } from '../support/auth';
import { launchChromium } from '../support/browser';
import { DESKTOP, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import { waitFor, type TestClient } from '../support/ws-client';

let app: AppProcess;
let browser: Browser;
let page: Page;
let api: TestClient;
let site: SiteView;

const num = (s: string | null): number => Number((s ?? '').replace(/[^\d.+-]/g, ''));

function assetOf(nature: string): string {
  const a = site.assets.find((x) => x.nature === nature);
  assert.ok(a, `the demo site has a ${nature}`);
  return a.id;
}

describe('operator screen (browser mode, Chromium)', () => {
  before(async () => {
    const started = await startAppWithUsers();
    app = started.app;
    await started.boot.admin.close();
    api = await signedIn(app.url, OPERATOR);
    site = await api.call<SiteView>('site.get');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: DESKTOP });
  });
  after(() => stopAll({ ctx: page, browser, clients: [api], app }));

  it('shows the battery SoC on the synoptic, as the plant reports it', async () => {
    // sign in as the operator first: nothing is shown without a session
    await signInUi(page, OPERATOR, { url: app.url, timeoutMs: 15_000 });
    assert.match((await page.getByTestId('session-user').textContent()) ?? '', /Olga Operator/);
    const ess = assetOf('Ess');
    const soc = page.getByTestId(`value-${ess}/Soc`);
    await soc.waitFor({ timeout: 20_000 });
    await waitFor('SoC with good quality on screen', async () => ((await soc.getAttribute('data-quality')) === 'good' ? true : undefined), 20_000);
    const shown = num(await soc.textContent());
    const [core] = await api.call<PointState[]>('points.read', { ids: [`${ess}/Soc`] });
    assert.ok(typeof core?.value === 'number');
    assert.ok(Math.abs(shown - core.value) < 0.5, `screen ${shown} % vs core ${core.value} %`);
    assert.ok(shown > 0 && shown <= 100);
    await page.screenshot({ path: 'test-results/e2e-overview.png' }).catch(() => undefined);
  });

  it('follows a change of the simulated plant made from the simulator screen', async () => {
    const load = assetOf('Load');
    const loadValue = page.getByTestId(`value-${load}/ActivePower`);
    await waitFor('load with good quality', async () => ((await loadValue.getAttribute('data-quality')) === 'good' ? true : undefined), 20_000);
    const before = num(await loadValue.textContent());

    await page.getByRole('navigation', { name: 'Main' }).getByText('Simulator').click();
    const step = page.getByLabel('Load step', { exact: false }).first();
    await step.fill('9999');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/Allowed: -500 to 500/).first().waitFor({ timeout: 5000 });
    const unchanged = await api.call<{ loadStepKw: number }>('sim.get');
    assert.equal(unchanged.loadStepKw, 0, 'an invalid entry is not applied');

    await step.fill('40');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor('the simulator to take the step', async () => ((await api.call<{ loadStepKw: number }>('sim.get')).loadStepKw === 40 ? true : undefined));

    await page.getByRole('navigation', { name: 'Main' }).getByText('Overview').click();
    const after = await waitFor(
      'the stepped load on screen',
      async () => {
        const v = num(await page.getByTestId(`value-${load}/ActivePower`).textContent());
        return v - before > 30 ? v : undefined;
      },
      20_000,
    );
    assert.ok(after - before < 50, `load went from ${before} to ${after} kW for a 40 kW step`);
    await page.screenshot({ path: 'test-results/e2e-load-step.png' }).catch(() => undefined);
  });
});
