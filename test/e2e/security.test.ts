/**
 * End to end, sign-in and permissions as people meet them: the built app in browser mode,
 * accounts created over the API at first start, Debian's Chromium on the screens.
 *  - a wrong password is refused with a clear message;
 *  - a viewer sees the plant but no control, and the core refuses the viewer's command anyway;
 *  - an operator changes the battery power through the dialog (reason, confirmation, readback)
 *    and finds the command in the audit log: who, reason, before and after.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { PointState, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped, Credentials } from '../support/auth';
import { launchChromium } from '../support/browser';
import { DESKTOP, signInUi, startAppWithUsers, stopAll, submitSignIn } from '../support/ui';
import { ApiCallError, connect, waitFor } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let site: SiteView;
let browser: Browser;
let page: Page;

/** signs in on the sign-in screen already shown */
const signIn = (p: Page, who: Credentials): Promise<void> => signInUi(p, who, { timeoutMs: 15_000 });

async function signOut(p: Page): Promise<void> {
  await p.getByTestId('sign-out').click();
  await p.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
}

describe('sign-in, permissions and audited commands (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    site = await boot.admin.call<SiteView>('site.get');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: DESKTOP });
  });
  after(() => stopAll({ ctx: page, browser, clients: [boot?.admin], app }));

  const essId = (): string => {
    const a = site.assets.find((x) => x.nature === 'Ess');
    assert.ok(a, 'the demo site has a battery');
    return a.id;
  };

  it('a wrong password shows an error and opens no session', async () => {
    await page.goto(app.url);
    await submitSignIn(page, { ...boot.viewer, password: `${boot.viewer.password}-wrong` });
    const err = page.getByTestId('signin-error');
    await err.waitFor({ timeout: 10_000 });
    assert.match((await err.textContent()) ?? '', /wrong user name or password/i);
    assert.equal(await page.getByTestId('synoptic').count(), 0, 'no screens without a session');
    assert.equal(await page.evaluate<string | null>('sessionStorage.getItem("esm.session")'), null);
  });

  it('a viewer sees the plant with the setpoint controls disabled and the reason, and the core refuses a command with the viewer token', async () => {
    await signIn(page, boot.viewer);
    const ess = essId();
    const soc = page.getByTestId(`value-${ess}/Soc`);
    await waitFor('SoC with good quality', async () => ((await soc.getAttribute('data-quality')) === 'good' ? true : undefined), 20_000);
    assert.match((await page.getByTestId('session-user').textContent()) ?? '', /Victor Viewer/);
    // shown, disabled, with the reason (tooltip; also given to assistive technology)
    assert.equal(await page.getByTestId(`setpoint-open-${ess}`).isDisabled(), true, 'Set power disabled for a viewer');
    assert.equal(await page.getByTestId(`mode-open-${ess}`).isDisabled(), true, 'Mode disabled for a viewer');
    assert.match((await page.getByTestId(`setpoint-open-${ess}-why`).textContent()) ?? '', /Your role cannot do this: it needs “Change setpoints/);
    assert.match((await page.getByTestId(`mode-open-${ess}-why`).textContent()) ?? '', /Your role cannot do this: it needs “Operate/);
    assert.equal(await page.getByTestId('nav-admin').count(), 0, 'no administration entry');
    assert.equal(await page.getByTestId('nav-audit').count(), 0, 'no audit entry (confidential)');

    // the UI only disables: the core must refuse the viewer's command by itself
    const token = await page.evaluate<string | null>('sessionStorage.getItem("esm.session")');
    assert.ok(token, 'the browser keeps the session token for reloads');
    const direct = await connect(app.url);
    try {
      await assert.rejects(
        direct.call('command.execute', { siteId: site.id, target: `${ess}/SetActivePower`, value: 30, unit: 'kW', reason: 'grid-request' }, token),
        (e: unknown) => e instanceof ApiCallError && e.body.code === 'forbidden' && typeof e.body.rule === 'string',
      );
    } finally {
      await direct.close();
    }
    await page.screenshot({ path: 'test-results/e2e-viewer.png' }).catch(() => undefined);
    await signOut(page);
  });

  it('an operator sets the battery power with a reason, sees the readback, and finds the entry in the audit log', async () => {
    // the operator first takes the site into manual mode, as one does before commanding the
    // battery by hand: the demo follows its plan, whose dispatch writes the same setpoint
    const modeApi = await connect(app.url);
    try {
      await modeApi.signIn(boot.operator.username, boot.operator.password);
      const m = await modeApi.call<{ ok: boolean; message?: string }>('modes.set', { mode: 'manual', reason: 'grid-request', comment: 'e2e: commanding the battery by hand' });
      assert.ok(m.ok, m.message);
    } finally {
      await modeApi.close();
    }
    await signIn(page, boot.operator);
    const ess = essId();
    const target = `${ess}/SetActivePower`;
    const open = page.getByTestId(`setpoint-open-${ess}`);
    await open.waitFor({ timeout: 20_000 });
    await open.click();
    const dialog = page.getByTestId('setpoint-dialog');
    await dialog.waitFor();
    const value = dialog.getByLabel('Power setpoint (kW)');

    await value.fill('150');
    await dialog.getByText(/Allowed: -100\.0 to 100\.0 kW/).waitFor({ timeout: 5000 });
    assert.equal(await dialog.getByRole('button', { name: 'Review' }).isDisabled(), true, 'an out-of-range value cannot be sent');

    await value.fill('-25');
    await dialog.getByTestId('command-reason').selectOption('grid-request');
    await dialog.getByLabel('Comment').fill('e2e: charge for the evening peak');
    await dialog.getByRole('button', { name: 'Review' }).click();
    assert.match((await dialog.getByTestId('command-after').textContent()) ?? '', /-25\.0 kW \(charge\)/);
    const beforeText = (await dialog.getByTestId('command-before').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Send command' }).click();

    const result = dialog.getByTestId('command-result');
    await result.waitFor({ timeout: 15_000 });
    assert.equal(await result.getAttribute('data-ok'), 'true', (await result.textContent()) ?? '');
    assert.match((await result.textContent()) ?? '', /reads back -25\.0 kW/);
    await page.screenshot({ path: 'test-results/e2e-setpoint-result.png' }).catch(() => undefined);
    await dialog.getByRole('button', { name: 'Close' }).click();

    const operatorApi = await connect(app.url);
    try {
      await operatorApi.signIn(boot.operator.username, boot.operator.password);
      // the readback came from the device; the polled value reaches the CVT within a poll
      await waitFor('the new setpoint in the core', async () => {
        const [sp] = await operatorApi.call<PointState[]>('points.read', { ids: [target] });
        return typeof sp?.value === 'number' && Math.abs(sp.value + 25) < 0.5 ? true : undefined;
      }, 10_000);
    } finally {
      await operatorApi.close();
    }

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-table').waitFor();
    await page.getByLabel('Type').fill('command.');
    await page.getByRole('button', { name: 'Apply' }).click();
    const row = page.locator('[data-testid^="audit-row-"][data-type="command.result"]').filter({ hasText: target }).filter({ hasText: 'operator1' }).first();
    await row.waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? '', /operator1/);
    await row.click();
    const details = page.getByTestId('audit-details');
    await details.waitFor();
    assert.equal((await details.getByTestId('audit-detail-actor').textContent())?.trim(), 'operator1');
    assert.match((await details.getByTestId('audit-detail-reason').textContent()) ?? '', /grid-request/);
    assert.match((await details.getByTestId('audit-detail-after').textContent()) ?? '', /-25/);
    const shownBefore = (await details.getByTestId('audit-detail-before').textContent()) ?? '';
    assert.ok(beforeText.startsWith(`${Number(shownBefore.replace(/[^\d.-]/g, '')).toFixed(1)} kW`), `before: dialog "${beforeText}" vs audit "${shownBefore}"`);
    await page.screenshot({ path: 'test-results/e2e-audit.png' }).catch(() => undefined);
  });

  it('an administrator sees a lockout from another workstation in sentences and clears it', async () => {
    // someone at 127.0.0.2 guesses the operator's password five times
    const attacker = await connect(app.url, {}, { localAddress: '127.0.0.2' });
    try {
      for (let i = 0; i < 5; i++)
        await assert.rejects(attacker.call('auth.signIn', { username: boot.operator.username, password: `Wrong-guess-${i}-x!` }), (e: unknown) => e instanceof ApiCallError);
    } finally {
      await attacker.close();
    }
    await page.goto(app.url);
    // the operator of the previous test may still be signed in: wait for either screen
    await page.getByTestId('sign-out').or(page.getByRole('button', { name: 'Sign in' })).first().waitFor({ timeout: 15_000 });
    if (await page.getByTestId('sign-out').isVisible()) await signOut(page);
    await signIn(page, boot.admins);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-lockouts').click();
    const row = page.getByTestId(`lockout-${boot.operator.username}-browser@127.0.0.2`);
    await row.waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? '', /5 failed sign-ins from browser@127\.0\.0\.2: sign-ins of this name from there are refused/);
    await page.screenshot({ path: 'test-results/e2e-lockouts.png' }).catch(() => undefined);
    await row.getByRole('button', { name: 'Clear…' }).click();
    await page.getByTestId('lockout-clear-confirm').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(await boot.admin.call('lockouts.list'), []);
  });
});
