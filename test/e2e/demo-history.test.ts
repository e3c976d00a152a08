/**
 * End to end, a newcomer's first look at the demo (issue #14 item 6): the built app's first
 * start fills the historian with 30 days of simulated history; in Debian's Chromium the KPI
 * dashboard of the previous month has figures and says they are simulated, the trends of the
 * last 7 days say so too, and the monthly report's PDF carries the same notice (pdftotext).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import type { TestClient } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const clients: TestClient[] = [];

const monthOf = (d: Date): string => {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Madrid', year: 'numeric', month: '2-digit' }).formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}`;
};

describe('demo history on a fresh install (browser mode, Chromium)', () => {
  before(async () => {
    // the first start simulates 30 days before it serves: a generous wait on a loaded machine
    ({ app, boot } = await startAppWithUsers({ demoHistory: true, timeoutMs: 240_000 }));
    clients.push(boot.admin);
    ({ browser, ctx, page } = await openBrowser({ acceptDownloads: true }));
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('the dashboard, the trends and the report show the simulated month, marked as simulated', async () => {
    assert.match(app.output(), /demo history: 43200 control steps/);
    await signInUi(page, boot.operator, { url: app.url });
    await page.getByTestId('nav-kpi').click();
    await page.waitForURL(/#\/kpi/);
    const month = monthOf(new Date());
    const period = page.getByTestId('kpi-period');
    await period.getByText(`${month}-01 to`).waitFor({ timeout: 30_000 });
    await page.getByTestId('kpi-prev-month').click();
    const prev = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)) - 2, 1)).toISOString().slice(0, 7);
    await period.getByText(`${prev}-01 to`).waitFor({ timeout: 30_000 });
    // the previous month has figures (30 days reach into it), said to be simulated
    await page.getByTestId('kpi-simulated').getByText(/Simulated data: \d+ days? of this period come from the plant simulator/).waitFor({ timeout: 60_000 });
    const imported = Number(await page.getByTestId('kpi-value-gridImport').getAttribute('data-value'));
    assert.ok(imported > 0, `the previous month has an imported-energy figure (${imported} kWh)`);
    const savings = await page.getByTestId('kpi-value-savings').getAttribute('data-value');
    assert.ok(savings !== null && savings !== '', 'the savings against no battery are computed');

    // the monthly report of that month says it too
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.getByTestId('kpi-export-pdf').click()]);
    const text = execFileSync('pdftotext', ['-layout', (await download.path()) as string, '-']).toString();
    assert.match(text, /Demo storage site/);
    assert.match(text, /Simulated data: \d+\s+days?\s+of\s+this\s+period\s+come\s+from\s+the\s+plant\s+simulator/);

    // the trends of the last 7 days: recorded curves, under the notice
    await page.getByTestId('nav-trends').click();
    await page.waitForURL(/#\/trends/);
    await page.getByTestId('range-7d').click();
    await page.getByTestId('simulated-history').getByText(/Simulated data: everything recorded before .* is demo history/).waitFor({ timeout: 30_000 });
  });
});
