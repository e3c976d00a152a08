/** API handlers of the energy statistics and KPIs: summaries from the KPI worker, the definitions, reports as downloads. */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../common';
import { KPI_DEFINITIONS, type KpiApiMethods, type KpiReportRequest } from '../../common/kpi';
import { KPI_TABLES, kpiTable } from '../../common/kpi-tables';
import { tableCsv, tablesXlsx } from '../../kpi/export';
import type { PdfPrinter } from '../../kpi/pdf';
import { reportHtml } from '../../kpi/report';
import type { KpiService } from '../../kpi/service';
import type { Handlers } from '../dispatcher';
import type { Downloads } from '../downloads';
import type { Services } from '../services';

type KpiHandlers = Pick<Handlers, keyof KpiApiMethods>;

export interface KpiHandlerDeps {
  services: Services;
  kpi: () => KpiService | undefined;
  dataDir: string;
  downloads: Downloads;
  printer: PdfPrinter;
}

/** Writes a report file under <data>/exports; shared with the scheduled monthly report. */
export async function writeKpiReport(svc: KpiService, printer: PdfPrinter, dir: string, req: KpiReportRequest): Promise<{ file: string; filename: string; bytes: number }> {
  const s = await svc.summary({ from: req.from, to: req.to, compare: true, ...(req.assets ? { assets: req.assets } : {}) });
  const base = `${s.siteId}-${req.from === req.to ? req.from : `${req.from}_${req.to}`}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let filename: string;
  let body: string | Uint8Array;
  if (req.format === 'csv') {
    const t = kpiTable(s, req.table ?? 'stats');
    filename = `${base}-${t.id}.csv`;
    body = tableCsv(t);
  } else if (req.format === 'xlsx') {
    filename = `${base}${req.table ? `-${req.table}` : ''}.xlsx`;
    body = tablesXlsx((req.table ? [req.table] : KPI_TABLES).map((id) => kpiTable(s, id)));
  } else {
    const html = reportHtml(s, Date.now());
    filename = `${base}-report.${req.format}`;
    body = req.format === 'html' ? html : await printer.print(html);
  }
  const file = join(dir, `${Date.now()}-${filename}`);
  writeFileSync(file, body, { mode: 0o600 });
  return { file, filename, bytes: statSync(file).size };
}

export function kpiHandlers(d: KpiHandlerDeps): KpiHandlers {
  const need = (): KpiService => {
    const svc = d.kpi();
    if (!svc) throw new ApiError('unavailable', 'the KPI service is not running');
    return svc;
  };
  const checkAssets = (svc: KpiService, assets: string[] | undefined): void => {
    const known = new Set(svc.spec.assets.map((a) => a.id));
    assets?.forEach((a, i) => {
      if (!known.has(a)) throw new ApiError('bad-request', `unknown asset "${a}": the KPIs cover ${[...known].join(', ')}`, { path: `assets[${i}]` });
    });
  };
  let printing = false;
  return {
    'kpi.definitions': () => KPI_DEFINITIONS.map((x) => ({ ...x, inputs: [...x.inputs] })),
    'kpi.summary': async (_ctx, arg) => {
      const svc = need();
      checkAssets(svc, arg.assets);
      // everything recorded so far is visible to the worker's read-only connection
      d.services.historian.flush();
      return svc.summary(arg);
    },
    'kpi.report': async (_ctx, arg) => {
      const svc = need();
      checkAssets(svc, arg.assets);
      // one report at a time: a PDF starts a browser
      if (printing) throw new ApiError('busy', 'a report is being produced; try again in a few seconds');
      printing = true;
      try {
        d.services.historian.flush();
        const r = await writeKpiReport(svc, d.printer, join(d.dataDir, 'exports'), arg);
        return { filename: r.filename, bytes: r.bytes, download: d.downloads.offer(r.file, r.filename) };
      } finally {
        printing = false;
      }
    },
  };
}
