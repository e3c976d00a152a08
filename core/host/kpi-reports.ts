/**
 * Scheduled monthly KPI reports (issue #14 item 5): on the configured local day and hour, the
 * previous month's report is printed to PDF and e-mailed to the list through the alarm notifier's
 * SMTP settings. The last month sent is kept in <data>/kpi-reports.json, so a restart neither
 * skips nor repeats a month.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KpiConfig } from '../common/kpi';
import { datesOfMonth, localParts, nextMonth } from '../common/localtime';
import type { PdfPrinter } from '../kpi/pdf';
import type { KpiService } from '../kpi/service';
import { writeKpiReport } from './handlers/kpi';

type Monthly = NonNullable<NonNullable<KpiConfig['reports']>['monthly']>;

/** The month whose report is due at `now` ("YYYY-MM"), or null. */
export function monthlyReportDue(now: number, tz: string, cfg: Monthly, lastSent: string | null): string | null {
  const p = localParts(now, tz);
  const day = Number(p.date.slice(8));
  const hour = Math.floor(p.minuteOfDay / 60);
  const month = nextMonth(p.date.slice(0, 7), -1);
  if (lastSent !== null && lastSent >= month) return null;
  if (day < cfg.dayOfMonth || (day === cfg.dayOfMonth && hour < cfg.hour)) return null;
  return month;
}

export interface ReportMailer {
  sendDocument(m: { to: readonly string[]; subject: string; text: string; attachment: { filename: string; content: Buffer } }): Promise<void>;
}

export class MonthlyReports {
  private running = false;
  constructor(
    private readonly o: { cfg: Monthly; tz: string; siteName: string; dataDir: string; kpi: KpiService; printer: PdfPrinter; mailer: () => ReportMailer | undefined; log?: (m: string) => void },
  ) {}

  private get stateFile(): string {
    return join(this.o.dataDir, 'kpi-reports.json');
  }

  lastSent(): string | null {
    if (!existsSync(this.stateFile)) return null;
    try {
      return (JSON.parse(readFileSync(this.stateFile, 'utf8')) as { lastSent?: string }).lastSent ?? null;
    } catch {
      return null;
    }
  }

  /** Sends the due report, if any; returns the month sent. */
  async tick(now: number): Promise<string | null> {
    if (this.running) return null;
    const month = monthlyReportDue(now, this.o.tz, this.o.cfg, this.lastSent());
    if (!month) return null;
    const mailer = this.o.mailer();
    if (!mailer) {
      (this.o.log ?? console.error)(`kpi: the ${month} report is due but no SMTP server is configured (alarms.notifications.smtp)`);
      return null;
    }
    this.running = true;
    try {
      const dates = datesOfMonth(month);
      const r = await writeKpiReport(this.o.kpi, this.o.printer, join(this.o.dataDir, 'exports'), { from: dates[0] as string, to: dates[dates.length - 1] as string, format: 'pdf' });
      await mailer.sendDocument({
        to: this.o.cfg.to,
        subject: `${this.o.siteName}: energy report ${month}`,
        text: `The energy report of ${this.o.siteName} for ${month} is attached (statistics and KPIs with their coverage).`,
        attachment: { filename: r.filename, content: readFileSync(r.file) },
      });
      writeFileSync(this.stateFile, JSON.stringify({ lastSent: month, sentAt: new Date(now).toISOString() }), { mode: 0o600 });
      return month;
    } finally {
      this.running = false;
    }
  }
}
