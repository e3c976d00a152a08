/**
 * API handlers of study mode (core/study): studies in their own file (`<data>/studies.sqlite`),
 * runs in the study worker with `study.progress` events, exports as one-time downloads. Nothing
 * here reaches a bridge or the command pipeline.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type EventName } from '../../common';
import type { SiteConfig } from '../../common/site';
import type { StudyApiMethods, StudyRunState } from '../../common/study';
import type { PdfPrinter } from '../../kpi/pdf';
import { CsvProfileError, parseProfileCsv, seriesCsv, totalsCsv } from '../../study/csv';
import { studyReportHtml } from '../../study/report';
import { StudyRunner } from '../../study/runner';
import { specFromSite } from '../../study/spec';
import { StudyError, StudyStore } from '../../study/store';
import type { Handlers } from '../dispatcher';
import type { Downloads } from '../downloads';
import type { EventBus } from '../dispatcher';

type StudyHandlers = Pick<Handlers, keyof StudyApiMethods>;

export interface StudyDeps {
  dataDir: string;
  site: SiteConfig;
  bus: EventBus;
  downloads: Downloads;
  printer: PdfPrinter;
}

/** the study file and its runner, opened on first use and closed with the host */
export class StudyDesk {
  private store: StudyStore | undefined;
  readonly runner: StudyRunner;

  constructor(private readonly d: StudyDeps) {
    this.runner = new StudyRunner((s: StudyRunState) => d.bus.emit('study.progress' as EventName & 'study.progress', s));
  }

  get studies(): StudyStore {
    this.store ??= new StudyStore(join(this.d.dataDir, 'studies.sqlite'));
    return this.store;
  }

  async close(): Promise<void> {
    await this.runner.stop();
    this.store?.close();
    this.store = undefined;
  }
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StudyError) throw new ApiError(e.code === 'not-found' ? 'not-found' : e.code === 'read-only' ? 'conflict' : 'bad-request', e.message);
    if (e instanceof CsvProfileError) throw new ApiError('bad-request', e.message);
    throw e;
  }
}

export function studyHandlers(desk: StudyDesk, d: StudyDeps): StudyHandlers {
  let exporting = false;
  return {
    'study.list': () => {
      const s = desk.studies;
      return { studies: s.list(), ...(s.readOnlyReason ? { readOnlyReason: s.readOnlyReason } : {}) };
    },
    'study.fromSite': (_ctx, arg) => specFromSite(d.site, { ...(arg.start ? { start: arg.start } : {}), ...(arg.days ? { days: arg.days } : {}) }),
    'study.get': (_ctx, arg) => wrap(() => desk.studies.get(arg.id)),
    'study.save': (_ctx, arg) => wrap(() => desk.studies.save(arg.spec, arg.id)),
    'study.delete': (_ctx, arg) =>
      wrap(() => {
        if (desk.runner.running?.studyId === arg.id) throw new ApiError('conflict', 'This study is running: cancel the run before deleting it.');
        desk.studies.delete(arg.id);
        return { ok: true as const };
      }),
    'study.run': (_ctx, arg) =>
      wrap(() => {
        const rec = desk.studies.get(arg.id, false);
        if (rec.readOnly || !rec.spec) throw new ApiError('conflict', rec.readOnlyReason ?? 'This study cannot be run here.');
        if (desk.runner.running) throw new ApiError('busy', 'Another study is running; wait for it or cancel it.');
        const run = desk.runner.start(arg.id, rec.spec);
        run.done.then(
          (r) => {
            if (r) desk.studies.setResults(arg.id, r);
          },
          () => undefined,
        );
        return { runId: run.runId };
      }),
    'study.cancel': (_ctx, arg) => ({ ok: desk.runner.cancel(arg.runId) }),
    'study.status': () => {
      const run = desk.runner.status();
      return run ? { run } : {};
    },
    'study.profileCsv': (_ctx, arg) => wrap(() => parseProfileCsv(arg.text, arg.fileName, arg.pvKwp)),
    'study.export': async (ctx, arg) => {
      if (arg.format !== 'study' && !ctx.principal?.capabilities.has('data.export'))
        throw new ApiError('forbidden', 'Exporting results as CSV or PDF needs the right to export data.', { rule: 'capability.data.export' });
      const rec = wrap(() => desk.studies.get(arg.id));
      const base = (rec.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'study').slice(0, 60);
      let filename: string;
      let body: string | Buffer;
      if (arg.format === 'study') {
        // the desktop registers .esmstudy (electron/shell/file-types.ts); the content is JSON
        filename = `${base}.esmstudy`;
        body = desk.studies.exportFile(arg.id);
      } else {
        if (!rec.results || !rec.spec) throw new ApiError('conflict', 'This study has no results yet: run it first.');
        if (arg.format === 'csv-series') {
          filename = `${base}-series.csv`;
          body = seriesCsv(rec.results);
        } else if (arg.format === 'csv-totals') {
          filename = `${base}-totals.csv`;
          body = totalsCsv(rec.results);
        } else {
          if (exporting) throw new ApiError('busy', 'A study report is being printed; try again in a few seconds.');
          exporting = true;
          try {
            filename = `${base}-report.pdf`;
            body = await d.printer.print(studyReportHtml(rec.spec, rec.results, Date.now()));
          } finally {
            exporting = false;
          }
        }
      }
      const dir = join(d.dataDir, 'exports');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${Date.now()}-${filename}`);
      writeFileSync(file, body, { mode: 0o600 });
      return { filename, bytes: statSync(file).size, download: d.downloads.offer(file, filename) };
    },
    'study.import': (_ctx, arg) => wrap(() => desk.studies.importFile(arg.text)),
  };
}
