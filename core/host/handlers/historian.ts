/** API handlers of the historian: trends, forecasts, CSV exports with progress, backup. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type EventName } from '../../common';
import type { ExportProgressEvent, HistorianApiMethods } from '../../common/historian';
import { auditActor, type Principal } from '../../security';
import type { CallContext, EventBus, Handlers } from '../dispatcher';
import type { Downloads } from '../downloads';
import type { Services } from '../services';

type HistorianHandlers = Pick<Handlers, keyof HistorianApiMethods>;

function who(ctx: CallContext): Principal {
  if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
  return ctx.principal;
}

export interface HistorianDeps {
  services: Services;
  siteId: string;
  dataDir: string;
  bus: EventBus;
  downloads: Downloads;
  /** known point ids: a query for anything else is refused */
  pointExists: (id: string) => boolean;
}

/** Exports one user may run at once, and all users together (each export is a worker thread). */
export const MAX_EXPORTS_PER_USER = 2;
export const MAX_EXPORTS_TOTAL = 4;
/** trend queries one user may have running at once (each result can be tens of MB) */
export const MAX_QUERIES_PER_USER = 4;

export function historianHandlers(d: HistorianDeps): HistorianHandlers {
  const h = d.services.historian;
  const running = new Map<string, AbortController>();
  let backupRunning = false;
  const queries = new Map<string, number>();
  const emit = (e: ExportProgressEvent): void => d.bus.emit('history.exportProgress' as EventName & 'history.exportProgress', e);
  const checkIds = (ids: readonly string[]): void => {
    const unknown = ids.filter((id) => !d.pointExists(id));
    if (unknown.length) throw new ApiError('not-found', `unknown point${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}`, { path: 'ids' });
  };
  return {
    'history.query': async (ctx, q) => {
      checkIds(q.ids);
      const user = who(ctx).username;
      const n = queries.get(user) ?? 0;
      if (n >= MAX_QUERIES_PER_USER)
        throw new ApiError('busy', `You have ${n} trend queries running; the limit is ${MAX_QUERIES_PER_USER}. Wait for their results.`, {
          rule: 'limit.history.queries-per-user',
        });
      queries.set(user, n + 1);
      try {
        return await h.query(q);
      } finally {
        const left = (queries.get(user) ?? 1) - 1;
        if (left > 0) queries.set(user, left);
        else queries.delete(user);
      }
    },
    'history.forecast': (_ctx, q) => h.queryForecast(q),
    'history.export': (ctx, req) => {
      const p = who(ctx);
      checkIds(req.ids);
      const key = `${p.username}|${req.exportId}`;
      if (running.has(key)) throw new ApiError('conflict', `export "${req.exportId}" is already running`);
      const mine = [...running.keys()].filter((k) => k.startsWith(`${p.username}|`)).length;
      if (mine >= MAX_EXPORTS_PER_USER)
        throw new ApiError('busy', `You already have ${mine} exports running; the limit is ${MAX_EXPORTS_PER_USER}. Wait for one to finish or cancel it.`, {
          rule: 'limit.history.exports-per-user',
        });
      if (running.size >= MAX_EXPORTS_TOTAL)
        throw new ApiError('busy', `${running.size} exports are running on this core; the limit is ${MAX_EXPORTS_TOTAL}. Try again when one has finished.`, {
          rule: 'limit.history.exports-total',
        });
      const { exportId, ...request } = req;
      // refused now, with the limit named, rather than failing later in the worker
      h.checkExport(request);
      const dir = join(d.dataDir, 'exports');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '');
      const filename = `${d.siteId}-history-${stamp}.csv`;
      const file = join(dir, `${req.exportId.replace(/[^\w-]/g, '_')}-${filename}`);
      const ac = new AbortController();
      running.set(key, ac);
      let lastEmit = 0;
      d.services.audit.append({ type: 'history.export', ...auditActor(p), siteId: d.siteId, outcome: 'info', details: { exportId, ids: req.ids, from: req.from, to: req.to, layout: req.layout } });
      void h
        .exportCsvToFile(request, file, {
          signal: ac.signal,
          onProgress: (pr) => {
            const t = Date.now();
            if (t - lastEmit < 200 && !pr.done) return;
            lastEmit = t;
            if (!pr.done) emit({ ...pr, exportId, forUser: p.username });
          },
        })
        .then(
          (pr) => {
            emit({ ...pr, done: true, fraction: 1, exportId, forUser: p.username, download: d.downloads.offer(file, filename), file, filename });
            d.services.audit.append({ type: 'history.export', ...auditActor(p), siteId: d.siteId, outcome: 'ok', details: { exportId, rows: pr.rows, bytes: pr.bytes } });
          },
          (e: unknown) => {
            const cancelled = ac.signal.aborted;
            emit({ rows: 0, totalRows: 0, bytes: 0, fraction: 0, done: true, exportId, forUser: p.username, error: cancelled ? 'cancelled' : String((e as Error)?.message ?? e) });
            d.services.audit.append({ type: 'history.export', ...auditActor(p), siteId: d.siteId, outcome: cancelled ? 'info' : 'failed', details: { exportId, cancelled } });
          },
        )
        .finally(() => running.delete(key));
      return { exportId };
    },
    'history.exportCancel': (ctx, a) => {
      const ac = running.get(`${who(ctx).username}|${a.exportId}`);
      ac?.abort();
      return { cancelled: ac !== undefined };
    },
    'history.backup': async (ctx) => {
      if (backupRunning) throw new ApiError('busy', 'A backup of the historian is already running; one runs at a time.', { rule: 'limit.history.backup' });
      backupRunning = true;
      try {
        const info = await h.backup();
        d.services.audit.append({ type: 'history.backup', ...auditActor(who(ctx)), siteId: d.siteId, outcome: 'ok', details: info });
        return info;
      } finally {
        backupRunning = false;
      }
    },
  };
}
