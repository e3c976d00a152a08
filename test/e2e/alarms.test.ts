/**
 * End to end, the alarm system as the operator meets it: the built app in browser mode with the
 * demo plant simulated over Modbus TCP, Debian's Chromium. The operator signs in, heats the
 * battery from the simulator page, sees the over-temperature alarm in the banner, on the
 * synoptic and in the alarm summary with the result of its automatic procedure, acknowledges it,
 * and the audit log says who did and when. A viewer cannot acknowledge (no button; the API
 * refuses). Screenshots of the normal, alarm and flood states go to test-results/.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AlarmListRes, AuditEntry, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { signedIn, type Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll, withPage } from '../support/ui';
import { ApiCallError, waitFor, type TestClient } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let site: SiteView;
let ess: string;
const clients: TestClient[] = [];

const HH = (): string => `${ess}.temperature.HH`;
const H = (): string => `${ess}.temperature.H`;
const shot = async (p: Page, name: string): Promise<void> => {
  await p.screenshot({ path: `test-results/${name}.png` }).catch(() => undefined);
};

describe('alarms (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    site = await boot.admin.call<SiteView>('site.get');
    const a = site.assets.find((x) => x.nature === 'Ess');
    assert.ok(a, 'the demo site has a battery');
    ess = a.id;
    ({ browser, ctx, page } = await openBrowser());
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('the operator signs in; the banner is calm and the horn silent', async () => {
    await signInUi(page, boot.operator, { url: app.url, until: 'alarm-banner' });
    await page.getByTestId(`value-${ess}/Temperature`).waitFor({ timeout: 20_000 });
    const silence = page.getByTestId('alarm-silence');
    assert.equal(await silence.getAttribute('data-sounding'), '');
    assert.equal(await page.getByTestId('alarm-count-critical').getAttribute('data-unack'), '0');
    await shot(page, 'alarms-normal');
  });

  it('heating the battery from the simulator raises the over-temperature alarm in the banner and on the synoptic', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByText('Simulator').click();
    // speed the thermal model up (time constant 10 min) and heat the container
    await page.getByLabel('Simulation speed', { exact: true }).fill('60');
    await page.getByLabel('Battery temperature offset (°C)').fill('28');
    await page.getByRole('button', { name: 'Apply' }).click();
    const line = page.locator(`[data-testid="alarm-banner-line"][data-alarm-id="${HH()}"]`);
    await line.waitFor({ timeout: 60_000 });
    assert.equal(await line.getAttribute('data-priority'), 'critical');
    assert.equal(await line.getAttribute('data-state'), 'unack-active');
    assert.match((await line.textContent()) ?? '', /over-temperature/);
    await waitFor('critical count in the banner', async () => ((await page.getByTestId('alarm-count-critical').getAttribute('data-unack')) === '1' ? true : undefined), 10_000);
    await waitFor('the horn to sound for the critical alarm', async () => ((await page.getByTestId('alarm-silence').getAttribute('data-sounding')) === 'critical' ? true : undefined), 10_000);

    await page.getByRole('navigation', { name: 'Main' }).getByText('Overview').click();
    const marker = page.getByTestId(`alarm-marker-${ess}`);
    await marker.waitFor({ timeout: 10_000 });
    assert.equal(await marker.getAttribute('data-priority'), 'critical');
    assert.equal(await marker.getAttribute('data-unack'), 'true');
    await shot(page, 'alarms-active-overview');

    // silence is local and stops the horn, the alarm stays unacknowledged
    await page.getByTestId('alarm-silence').click();
    assert.equal(await page.getByTestId('alarm-silence').getAttribute('data-sounding'), '');
    assert.equal(await line.getAttribute('data-state'), 'unack-active');
  });

  it('the summary shows the alarm, its response and the result of the automatic procedure', async () => {
    await page.locator(`[data-testid="alarm-banner-line"][data-alarm-id="${HH()}"]`).click();
    await page.waitForURL(/#\/alarms/);
    const row = page.locator(`[data-testid="alarm-row"][data-alarm-id="${HH()}"]`);
    await row.waitFor({ timeout: 10_000 });
    const detail = page.getByTestId('alarm-detail');
    await detail.waitFor();
    assert.equal(await detail.getAttribute('data-alarm-id'), HH());
    assert.match((await page.getByTestId('alarm-response').textContent()) ?? '', /outcome is shown with this alarm/);
    const step = page.getByTestId('alarm-procedure-step').first();
    await step.waitFor({ timeout: 20_000 });
    const text = (await step.textContent()) ?? '';
    assert.match(text, new RegExp(`${ess}/Stop := 1`));
    assert.match(text, /DONE|REFUSED|FAILED/);
    // the API agrees with the screen
    const listed = await boot.admin.call<AlarmListRes>('alarms.list', { view: 'live' });
    const hh = listed.alarms.find((x) => x.id === HH());
    assert.ok(hh && hh.actions.length > 0, 'the engine ran the procedure');
    assert.equal((await step.getAttribute('data-ok')) === 'true', hh.actions[0]!.ok, `procedure: ${hh.actions[0]!.message}`);
    await page.getByTestId('alarm-history-list').locator('[data-event="activate"]').first().waitFor({ timeout: 10_000 });
    await shot(page, 'alarms-summary-active');
  });

  it('the operator acknowledges it; the audit log records who and when', async () => {
    const t0 = Date.now();
    await page.getByTestId('alarm-detail-comment').fill('container door open, HVAC checked');
    await page.getByTestId('alarm-ack').click();
    const detail = page.getByTestId('alarm-detail');
    await waitFor('acknowledged on screen', async () => ((await detail.getAttribute('data-state')) !== 'unack-active' ? true : undefined), 10_000);
    assert.match((await page.getByTestId('alarm-detail-acked').textContent()) ?? '', new RegExp(boot.operator.username));
    await page.getByTestId('alarm-history-list').locator('[data-event="ack"]').first().waitFor({ timeout: 10_000 });

    const audit = await waitFor(
      'the ack in the audit log',
      async () => {
        const rows = await boot.admin.call<AuditEntry[]>('audit.query', { type: 'alarm.ack' });
        return rows.find((r) => (r.target ?? '').includes(HH()) && r.outcome === 'ok');
      },
      10_000,
    );
    assert.equal(audit.actor, boot.operator.username);
    assert.ok(audit.ts >= t0 - 1000 && audit.ts <= Date.now(), 'stamped with the time of the acknowledgement');
    assert.deepEqual((audit.details as { ids: string[] }).ids, [HH()]);
    assert.equal((audit.details as { comment?: string }).comment, 'container door open, HVAC checked');
    await shot(page, 'alarms-summary-acked');
  });

  it('a viewer sees the alarms but cannot acknowledge them (buttons disabled with the reason; the API refuses)', async () => {
    await withPage(browser, { viewport: { width: 1400, height: 900 } }, async (vp) => {
      await signInUi(vp, boot.viewer, { url: app.url, until: 'alarm-banner' });
      // the H alarm (10 s on-delay) is still unacknowledged
      await vp.locator(`[data-testid="alarm-banner-line"][data-alarm-id="${H()}"]`).waitFor({ timeout: 30_000 });
      await vp.goto(`${app.url.replace(/\/$/, '')}/#/alarms?id=${encodeURIComponent(H())}`);
      await vp.getByTestId('alarm-detail').waitFor({ timeout: 10_000 });
      assert.equal(await vp.getByTestId('alarm-detail').getAttribute('data-state'), 'unack-active');
      assert.match((await vp.getByTestId('alarm-actions-why').textContent()) ?? '', /Your role cannot do this: it needs “Acknowledge and shelve alarms”/);
      for (const id of ['alarm-ack', 'alarm-comment', 'alarm-ack-selected', 'alarm-ack-page', 'alarm-oos']) assert.equal(await vp.getByTestId(id).isDisabled(), true, `${id} disabled`);
      assert.match((await vp.getByTestId('alarm-ack-page-why').textContent()) ?? '', /Acknowledge and shelve alarms/);
      assert.match((await vp.getByTestId('alarm-oos-why').textContent()) ?? '', /Edit configuration/);
    });
    const viewer = await signedIn(app.url, boot.viewer);
    clients.push(viewer);
    await assert.rejects(viewer.call('alarms.ack', { ids: [H()] }), (e: unknown) => e instanceof ApiCallError && e.body.code === 'forbidden');
    const still = await viewer.call<AlarmListRes>('alarms.list', { view: 'live' });
    assert.equal(still.alarms.find((x) => x.id === H())?.state, 'unack-active');
  });

  it('the operator shelves an alarm with a reason, finds it under Shelved, and unshelves it', async () => {
    await page.goto(`${app.url.replace(/\/$/, '')}/#/alarms?id=${encodeURIComponent(H())}`);
    const detail = page.getByTestId('alarm-detail');
    await waitFor('the H alarm in the detail pane', async () => ((await detail.getAttribute('data-alarm-id')) === H() ? true : undefined), 10_000);
    assert.ok(await page.getByTestId('alarm-shelve').isDisabled(), 'no shelving without a reason');
    await page.getByTestId('alarm-shelve-reason').fill('sensor under repair');
    // the reason shows its length against the core's limit instead of being cut silently
    assert.match((await page.getByTestId('alarm-shelve-reason-counter').textContent()) ?? '', /^19 \/ 500 characters$/);
    await page.getByTestId('alarm-shelve').click();
    await page.getByTestId('alarm-unshelve').waitFor({ timeout: 10_000 });
    await waitFor('the shelved view to count it', async () => ((await page.getByTestId('alarm-view-shelved').textContent())?.includes('(1)') ? true : undefined), 10_000);
    await page.getByTestId('alarm-view-shelved').click();
    await page.locator(`[data-testid="alarm-row"][data-alarm-id="${H()}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="alarm-banner-line"][data-alarm-id="' + H() + '"]').count(), 0, 'a shelved alarm leaves the banner');
    await shot(page, 'alarms-shelved');
    await page.getByTestId('alarm-unshelve').click();
    await page.getByTestId('alarm-view-live').click();
    await page.locator(`[data-testid="alarm-row"][data-alarm-id="${H()}"]`).waitFor({ timeout: 10_000 });
    const rows = await boot.admin.call<AuditEntry[]>('audit.query', { type: 'alarm.shelve' });
    assert.ok(rows.some((r) => r.actor === boot.operator.username && r.target === H()));
  });

  it('history lists the journal; the KPI panel shows the period', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByText('Alarm history').click();
    await page.locator(`[data-testid="history-row"][data-event="ack"][data-alarm-id="${HH()}"]`).waitFor({ timeout: 10_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-export').click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.ok(csv.split('\n').length > 2 && csv.includes(HH()), 'the CSV has a header and the alarm');
    await page.getByTestId('history-tab-kpis').click();
    await page.getByTestId('kpi-Activations').waitFor({ timeout: 10_000 });
    assert.ok(Number(await page.getByTestId('kpi-Activations').locator('td').nth(1).textContent()) >= 1);
    await shot(page, 'alarms-kpis');
  });

  it('a flood shows the flood banner, grouped by first-out, without adding height to the banner', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByText('Overview').click();
    const banner = page.getByTestId('alarm-banner');
    const before = await banner.boundingBox();
    const mainBefore = await page.locator('#main').boundingBox();
    assert.ok(before && mainBefore);
    // twelve extra low-priority alarms on the hot battery: all activate at once
    for (let i = 1; i <= 12; i++) {
      await boot.admin.call('alarms.definitions.upsert', {
        definition: {
          id: `test.flood.${i}`,
          type: 'limit',
          point: `${ess}/Temperature`,
          level: 'H',
          setpoint: 20 + i / 10,
          priority: i % 4 === 0 ? 'medium' : 'low',
          asset: ess,
          message: `Flood test alarm ${i}`,
        },
      });
    }
    await page.getByRole('navigation', { name: 'Main' }).getByText('Overview').click();
    const flood = page.getByTestId('alarm-flood-banner');
    await flood.waitFor({ timeout: 30_000 });
    assert.match((await flood.textContent()) ?? '', /ALARM FLOOD/);
    assert.ok((await page.getByTestId('alarm-flood-group').count()) >= 1);
    const during = await banner.boundingBox();
    const mainDuring = await page.locator('#main').boundingBox();
    assert.ok(during && mainDuring);
    assert.equal(during.height, before.height, 'the flood line did not add height to the banner');
    assert.equal(mainDuring.y, mainBefore.y, 'the page did not move down');
    assert.equal(await page.getByTestId('alarm-flood-banner').evaluate((el) => el.scrollHeight <= el.clientHeight + 1), true, 'the flood line is one line');
    await shot(page, 'alarms-flood');
    await page.getByRole('navigation', { name: 'Main' }).getByText('Alarms', { exact: true }).click();
    await page.getByTestId('alarm-row').first().waitFor();
    await shot(page, 'alarms-summary-flood');
    // acknowledge what is on the screen in one go
    await page.getByTestId('alarm-ack-page').click();
    await waitFor('no unacknowledged low alarm left', async () => ((await page.getByTestId('alarm-count-low').getAttribute('data-unack')) === '0' ? true : undefined), 10_000);
    assert.equal(await page.locator('[data-testid="alarm-row"][data-state="unack-active"]').count(), 0);
  });
});
