/**
 * Scheduled monthly KPI report: a real historian with a day of March, the KPI worker, headless
 * Chromium for the PDF and a real SMTP server on loopback behind the alarm notifier. On the
 * configured day and hour the March report goes out once, with the PDF attached.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { AlarmNotifier } from '../../../core/alarms/notifier';
import { kpiConfigSchema } from '../../../core/common/kpi';
import { localToUtc } from '../../../core/common/localtime';
import { Historian } from '../../../core/historian/historian';
import { MonthlyReports, monthlyReportDue } from '../../../core/host/kpi-reports';
import { chromiumPrinter } from '../../../core/kpi/pdf';
import { KpiService } from '../../../core/kpi/service';

const TZ = 'Europe/Madrid';
const mails: Array<{ to: string[]; raw: string }> = [];
let server: SMTPServer;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'esm-kpi-rep-'));

before(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 20 * 1024 * 1024,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const cfg = { to: ['manager@site.test', 'owner@site.test'], dayOfMonth: 1, hour: 6 };

test('the report is due from the configured local day and hour, once per month', () => {
  assert.equal(monthlyReportDue(localToUtc('2026-04-01', 5 * 60 + 59, TZ), TZ, cfg, null), null, 'before 06:00 local');
  assert.equal(monthlyReportDue(localToUtc('2026-04-01', 6 * 60, TZ), TZ, cfg, null), '2026-03');
  assert.equal(monthlyReportDue(localToUtc('2026-04-15', 0, TZ), TZ, cfg, null), '2026-03', 'a late start still sends it');
  assert.equal(monthlyReportDue(localToUtc('2026-04-15', 0, TZ), TZ, cfg, '2026-03'), null, 'already sent');
  assert.equal(monthlyReportDue(localToUtc('2026-01-01', 7 * 60, TZ), TZ, cfg, '2025-11'), '2025-12', 'across the year end');
});

test('on the day, the previous month’s PDF is e-mailed to the list through the notifier, once', async () => {
  let now = localToUtc('2026-03-10', 0, TZ);
  const h = new Historian(join(dir, 'historian'), { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 4000 } }, now: () => now });
  await h.open();
  const batch = [];
  for (let t = now; t < now + 86_400_000; t += 300_000) batch.push({ id: 'pcc/ActivePower', value: 10, quality: { level: 'good' as const }, ts: t });
  h.record(batch);
  h.flush();
  now = localToUtc('2026-04-01', 7 * 60, TZ);
  const kpi = new KpiService({
    dbPath: h.dbPath,
    now: () => now,
    spec: { siteId: 'demo', siteName: 'Report Test Site', timezone: TZ, contractedKw: 60, pcc: 'pcc/ActivePower', voltage: null, assets: [], importTariff: null, exportTariff: null, config: kpiConfigSchema.parse({}), simulatedPoint: 'site/SimulatedHistory' },
  });
  const notifier = new AlarmNotifier({
    siteName: 'Report Test Site',
    config: { enabled: true, smtp: { host: '127.0.0.1', port, secure: false, requireTls: false, from: 'esm@site.test', timeoutMs: 10_000 }, recipients: { critical: [], high: [], medium: [], low: [] }, notifyOnClear: false, batchMs: 5000, maxPerWindow: 6, windowMs: 3600_000 },
    log: () => {},
  });
  try {
    const reports = new MonthlyReports({ cfg, tz: TZ, siteName: 'Report Test Site', dataDir: dir, kpi, printer: chromiumPrinter(), mailer: () => notifier });
    assert.equal(await reports.tick(now), '2026-03');
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]?.to, cfg.to);
    assert.match(mails[0]?.raw ?? '', /Subject: Report Test Site: energy report 2026-03/);
    assert.match(mails[0]?.raw ?? '', /Content-Type: application\/pdf; name=demo-2026-03-01_2026-03-31-report\.pdf/);
    assert.equal(reports.lastSent(), '2026-03');
    now += 3_600_000;
    assert.equal(await reports.tick(now), null, 'not twice');
    assert.equal(mails.length, 1);
  } finally {
    await kpi.close();
    await h.close();
  }
});
