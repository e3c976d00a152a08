/**
 * End to end through the real command pipeline against a real IEC 61850 server: the built app
 * (browser mode, Chromium) with the demo's ES controller IED served by the simulator through
 * libiec61850's server API. The operator commands the DC breaker (SBO with enhanced security)
 * from the asset page: refused by the device's interlocking while the inverter runs (the
 * dialog shows the device's refusal at select with its AddCause), then, with the inverter
 * stopped, selected, operated and terminated by the device, and read back through a report.
 * Skipped with the reason without ESM_LIBIEC61850.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CommandResult, PointState, SelectResult, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { signedIn, type Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import { waitFor, type TestClient } from '../support/ws-client';
import { missing } from '../integration/iec61850/support';

const why = missing();

describe('IEC 61850 command stages in the command dialog (demo IED, Chromium)', () => {
  let app: AppProcess;
  let boot: Bootstrapped;
  let site: SiteView;
  let op: TestClient;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const clients: TestClient[] = [];
  const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;

  before(async () => {
    if (why) return;
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    site = await boot.admin.call<SiteView>('site.get');
    op = await signedIn(app.url, boot.operator);
    clients.push(op);
    ({ browser, ctx, page } = await openBrowser());
  });
  after(async () => {
    if (!why) await stopAll({ ctx, browser, clients, app });
  });

  /** Opens the breaker's command dialog and commands `value` through the mode flow (select, re-authentication, confirm, send). */
  async function commandBreaker(value: string): Promise<void> {
    await page.getByTestId('command-open-es-controller/DcBreaker').click();
    const dialog = page.getByTestId('mode-dialog');
    await dialog.locator('select').first().selectOption(value);
    const reason = dialog.getByTestId('command-reason');
    // the dialog loads the administrator's reasons each time it opens
    const options = await waitFor('the reasons loaded', async () => {
      const vs = await reason.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
      return vs.length > 0 ? vs : undefined;
    }, 15_000);
    await reason.selectOption(options[0] ?? '');
    await dialog.getByRole('button', { name: 'Review' }).click();
    const password = dialog.getByLabel('Password');
    const send = dialog.getByRole('button', { name: 'Send command' });
    await waitFor('the re-authentication or the confirmation', async () => ((await password.isVisible()) || (await send.isVisible()) ? true : undefined), 15_000);
    if (await password.isVisible()) {
      await password.fill(boot.operator.password);
      await dialog.getByRole('button', { name: 'Confirm and retry' }).click();
    }
    await send.click();
    await dialog.getByTestId('command-result').waitFor({ timeout: 30_000 });
  }

  it('the breaker is refused by the device at select with its AddCause while the inverter runs, and the dialog says so', async (t) => {
    if (why) return t.skip(why);
    await waitFor('the IED online and the breaker closed', async () => ((await read('es-controller/DcBreaker')).value === 2 ? true : undefined), 30_000);
    assert.equal((await read('ess/Stop')).value, 0, 'the inverter runs');
    await signInUi(page, boot.operator, { url: app.url, timeoutMs: 20_000 });
    await page.goto(`${app.url}#/asset/es-controller`);
    await commandBreaker('1');
    const dialog = page.getByTestId('mode-dialog');
    assert.equal(await dialog.getByTestId('command-result').getAttribute('data-ok'), 'false');
    assert.equal(await dialog.getByTestId('command-result').getAttribute('data-stage'), 'write');
    const stages = dialog.getByTestId('field-stages').locator('li');
    assert.deepEqual(await stages.evaluateAll((li) => li.map((x) => x.getAttribute('data-stage'))), ['refused']);
    assert.match((await stages.first().textContent()) ?? '', /Refused by the device at select: .*blocked by interlocking/i);
    assert.equal((await read('es-controller/DcBreaker')).value, 2, 'still closed');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('with the inverter stopped the device selects, operates and terminates the command; the breaker reads back open', async (t) => {
    if (why) return t.skip(why);
    // the protective stop of the inverter through the pipeline (select-before-operate)
    await op.call('auth.reauth', { password: boot.operator.password });
    const stop = { siteId: site.id, target: 'ess/Stop', value: 1, reason: 'test' };
    const sel = await op.call<SelectResult>('command.select', stop);
    assert.equal(sel.ok, true, JSON.stringify(sel));
    const done = await op.call<CommandResult>('command.execute', { ...stop, confirmToken: sel.ok ? sel.token : '' });
    assert.equal(done.ok, true, JSON.stringify(done));

    await commandBreaker('1');
    const dialog = page.getByTestId('mode-dialog');
    assert.equal(await dialog.getByTestId('command-result').getAttribute('data-ok'), 'true', (await dialog.getByTestId('command-result').textContent()) ?? '');
    const stages = dialog.getByTestId('field-stages').locator('li');
    assert.deepEqual(await stages.evaluateAll((li) => li.map((x) => x.getAttribute('data-stage'))), ['selected', 'operated', 'terminated']);
    assert.equal((await read('es-controller/DcBreaker')).value, 1, 'open, reported by the IED');
    assert.equal((await read('es-controller/DcBreakerStage')).value, 'terminated', 'the stage point agrees');
    await page.screenshot({ path: 'test-results/e2e-iec61850-command.png' }).catch(() => undefined);
  });
});
