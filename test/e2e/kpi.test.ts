/**
 * End to end, the KPI dashboard: the built app in browser mode with the demo plant, Debian's
 * Chromium. The operator opens Energy KPIs, changes the month (the period follows, with the
 * previous period beside it), returns to this month, opens a definition page from a card, and
 * exports the monthly report as PDF; pdftotext finds the site name and the imported-energy total
 * the dashboard shows.
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

describe('KPI dashboard (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    ({ browser, ctx, page } = await openBrowser({ acceptDownloads: true }));
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('changes the month, opens a definition, exports the PDF with the site name and totals', async () => {
    await signInUi(page, boot.operator, { url: app.url });
    await page.getByTestId('nav-kpi').click();
    await page.waitForURL(/#\/kpi/);
    const month = monthOf(new Date());
    const period = page.getByTestId('kpi-period');
    await period.getByText(`${month}-01 to`).waitFor({ timeout: 30_000 });
    // the previous month, then back
    await page.getByTestId('kpi-prev-month').click();
    const prev = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)) - 2, 1)).toISOString().slice(0, 7);
    await period.getByText(`${prev}-01 to`).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('kpi-value-gridImport').getAttribute('data-value'), '', 'a month before recording started has no value, not zero');
    await page.getByTestId('kpi-card-gridImport').getByText(/^data for 0(\.0)? % of the period$/).waitFor();
    await page.getByTestId('kpi-next-month').click();
    await period.getByText(`${month}-01 to`).waitFor({ timeout: 30_000 });
    // this month has data once the plant has been recorded for a moment (the page reloads on a month change)
    let value = '';
    for (let i = 0; i < 30 && value === ''; i++) {
      value = (await page.getByTestId('kpi-value-gridImport').getAttribute('data-value')) ?? '';
      if (value === '') {
        await page.waitForTimeout(1000);
        await page.getByTestId('kpi-prev-month').click();
        await page.getByTestId('kpi-next-month').click();
        await period.getByText(`${month}-01 to`).waitFor({ timeout: 30_000 });
      }
    }
    assert.notEqual(value, '', 'this month has an imported-energy figure');
    await page.getByTestId('kpi-table-stats').getByRole('link', { name: 'Self-consumption' }).waitFor();
    // a definition page from a card
    await page.getByTestId('kpi-card-selfSufficiency').getByRole('link').click();
    await page.getByTestId('kpi-formula').getByText(/1 − import \/ consumption/).waitFor();
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    await page.getByTestId('kpi-export-pdf').waitFor({ timeout: 30_000 });
    const shown = Number(await page.getByTestId('kpi-value-gridImport').getAttribute('data-value'));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.getByTestId('kpi-export-pdf').click()]);
    assert.match(download.suggestedFilename(), /^demo-.*-report\.pdf$/);
    const file = (await download.path()) as string;
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
    assert.match(text, /Demo storage site/);
    assert.match(text, new RegExp(`energy report ${month}`));
    // the cards are laid out side by side: the first figure in kWh after the label is the import
    const m = /Energy imported[\s\S]*?([\d,]+\.\d)\s*kWh/.exec(text);
    assert.ok(m, `the PDF holds the imported total:\n${text.slice(0, 1500)}`);
    const inPdf = Number(m[1]!.replace(/,/g, ''));
    // the plant keeps running between the screen and the report: a few seconds of import at most
    assert.ok(Math.abs(inPdf - shown) < 1, `PDF ${inPdf} kWh against the dashboard's ${shown} kWh`);
    await page.getByTestId('kpi-export-status').getByText(/report\.pdf .* downloaded/).waitFor();
  });
});
