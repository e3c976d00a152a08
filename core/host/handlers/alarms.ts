/** API handlers of the alarm system (ISA-18.2): the engine does the work, the audit log keeps who. */
import { ApiError } from '../../common';
import type { AlarmApiMethods } from '../../common/alarms';
import { auditActor, type Principal } from '../../security';
import type { CallContext, Handlers } from '../dispatcher';
import { definitionsToYaml } from '../../alarms/overrides';
import { procedureActionIssues } from '../../alarms/procedure-rights';
import { validateAlarmDefinition } from '../../alarms';
import { alarmOverrideInfo, type Services } from '../services';

type AlarmHandlers = Pick<Handlers, keyof AlarmApiMethods>;

function who(ctx: CallContext): Principal {
  if (!ctx.principal) throw new ApiError('unauthenticated', 'not signed in', { rule: 'session.required' });
  return ctx.principal;
}
const actor = (p: Principal) => ({ user: p.username, roles: p.roles, ...(p.impersonator ? { impersonator: p.impersonator.username } : {}) });

/** Journal entries one alarm export (a CSV string in one reply) or KPI report may read. */
export const MAX_ALARM_EXPORT_ROWS = 100_000;
export const MAX_ALARM_KPI_ENTRIES = 1_000_000;

export function alarmHandlers(s: Services, siteId: string): AlarmHandlers {
  const journalBound = (n: number, max: number, what: string, rule: string): void => {
    if (n > max)
      throw new ApiError('too-large', `${what} would read ${n.toLocaleString('en-US')} journal entries; the limit is ${max.toLocaleString('en-US')}. Shorten the period or filter more.`, { rule });
  };
  const audited = <T>(ctx: CallContext, type: string, target: string, details: unknown, run: () => T): T => {
    const p = who(ctx);
    try {
      const r = run();
      s.audit.append({ type, ...auditActor(p), siteId, target, outcome: 'ok', details });
      return r;
    } catch (e) {
      s.audit.append({ type, ...auditActor(p), siteId, target, outcome: 'failed', details: { ...(details as object), error: (e as Error).message } });
      throw e;
    }
  };
  return {
    'alarms.list': (_ctx, a) => s.alarms.list(a),
    'alarms.ack': (ctx, a) => audited(ctx, 'alarm.ack', a.ids.join(','), { ids: a.ids, comment: a.comment }, () => s.alarms.ack(a.ids, actor(who(ctx)), a.comment)),
    'alarms.shelve': (ctx, a) =>
      audited(ctx, 'alarm.shelve', a.id, { durationMs: a.durationMs, reason: a.reason }, () => s.alarms.shelve(a.id, actor(who(ctx)), a.durationMs, a.reason)),
    'alarms.unshelve': (ctx, a) => audited(ctx, 'alarm.unshelve', a.id, {}, () => s.alarms.unshelve(a.id, actor(who(ctx)))),
    'alarms.comment': (ctx, a) => audited(ctx, 'alarm.comment', a.id, { text: a.text }, () => s.alarms.comment(a.id, actor(who(ctx)), a.text)),
    'alarms.reset': (ctx, a) => audited(ctx, 'alarm.reset', a.ids.join(','), { ids: a.ids }, () => s.alarms.reset(a.ids, actor(who(ctx)))),
    'alarms.setOutOfService': (ctx, a) =>
      audited(ctx, 'alarm.outOfService', a.id, { outOfService: a.outOfService, reason: a.reason }, () =>
        s.alarms.setOutOfService(a.id, a.outOfService, actor(who(ctx)), a.reason),
      ),
    'alarms.setAssetMode': (ctx, a) =>
      audited(ctx, 'asset.mode', a.assetId, { mode: a.mode, reason: a.reason, before: s.assetModes.get(a.assetId) ?? 'in-service' }, () => {
        const r = s.alarms.setAssetMode(a.assetId, a.mode, actor(who(ctx)), a.reason);
        // the command pipeline refuses writes to assets in maintenance or out of service
        if (a.mode === 'in-service') s.assetModes.delete(a.assetId);
        else s.assetModes.set(a.assetId, a.mode);
        return r;
      }),
    'alarms.history': (_ctx, a) => s.alarms.history(a),
    'alarms.kpis': (_ctx, a) => {
      journalBound(s.alarmJournal.count({ from: a.from, to: a.to }), MAX_ALARM_KPI_ENTRIES, 'This report', 'limit.alarms.kpi-entries');
      return s.alarms.kpis(a.from, a.to);
    },
    'alarms.export': (ctx, a) => {
      const { limit: _l, before: _b, ...filter } = a;
      journalBound(s.alarmJournal.count(filter), MAX_ALARM_EXPORT_ROWS, 'This export', 'limit.alarms.export-rows');
      const r = s.alarms.exportCsv(a);
      s.audit.append({ type: 'alarm.export', ...auditActor(who(ctx)), siteId, outcome: 'ok', details: { query: a, rows: r.rows } });
      return r;
    },
    'alarms.definitions.list': () => s.alarms.definitions(),
    'alarms.definitions.validate': (ctx, a) => {
      const v = s.alarms.validateDefinition(a.definition);
      const rights = v.definition ? procedureActionIssues(who(ctx), siteId, v.definition.actions, s.commandModel).map(({ path, message }) => ({ path, message })) : [];
      return rights.length ? { ...v, ok: false, issues: [...v.issues, ...rights] } : v;
    },
    // An edit changes the running engine and is kept in the application database (over the
    // site file) with its audit entry, in one transaction: the engine goes first (it refuses
    // an invalid definition before anything is written) and is put back if the write fails.
    'alarms.definitions.upsert': (ctx, a) => {
      const p = who(ctx);
      const id = (a.definition as { id?: string }).id;
      const before = s.alarms.definitions().find((d) => d.id === id) ?? null;
      // a procedure may do only what its author could do by hand (never a critical command)
      const parsed = validateAlarmDefinition(a.definition).definition;
      const denied = parsed ? procedureActionIssues(p, siteId, parsed.actions, s.commandModel)[0] : undefined;
      if (denied) {
        s.audit.append({ type: 'config.alarmDefinition', ...auditActor(p), siteId, target: id ?? null, outcome: 'refused', rule: denied.rule, details: { path: denied.path, message: denied.message } });
        throw new ApiError('forbidden', denied.message, { rule: denied.rule, path: `definition.${denied.path}` });
      }
      return s.alarmOverrides.transaction(() => {
        const after = s.alarms.upsertDefinition(a.definition, actor(p));
        try {
          s.alarmOverrides.put(after.id, after, p.username);
          s.audit.append({ type: 'config.alarmDefinition', ...auditActor(p), siteId, target: after.id, outcome: 'ok', before, after });
        } catch (e) {
          if (before) s.alarms.upsertDefinition(before, actor(p));
          else s.alarms.deleteDefinition(after.id, actor(p));
          throw e;
        }
        return after;
      });
    },
    'alarms.definitions.delete': (ctx, a) => {
      const p = who(ctx);
      const before = s.alarms.definitions().find((d) => d.id === a.id) ?? null;
      if (!before) return { deleted: false };
      return s.alarmOverrides.transaction(() => {
        const deleted = s.alarms.deleteDefinition(a.id, actor(p));
        if (!deleted) return { deleted };
        try {
          // a site-file definition is masked by a deletion record; an added one is simply forgotten
          if (s.siteAlarmIds.has(a.id)) s.alarmOverrides.put(a.id, null, p.username);
          else s.alarmOverrides.remove(a.id);
          s.audit.append({ type: 'config.alarmDefinition', ...auditActor(p), siteId, target: a.id, outcome: 'ok', before, after: null });
        } catch (e) {
          s.alarms.upsertDefinition(before, actor(p));
          throw e;
        }
        return { deleted };
      });
    },
    'alarms.definitions.overrides': () => alarmOverrideInfo(s),
    'alarms.definitions.export': (ctx) => {
      const p = who(ctx);
      const defs = s.alarms.definitions();
      const edited = alarmOverrideInfo(s).length;
      const at = new Date();
      const yaml = definitionsToYaml(
        defs,
        [
          `ES Manager: the alarm definitions in effect on site ${siteId}, exported ${at.toISOString()} by ${p.username}.`,
          `${edited} of them were edited by an administrator (kept in the application database over the site file).`,
          'Replace the `alarms: definitions:` section of the site file with the one below; keep the other alarm settings.',
        ].join('\n'),
      );
      s.audit.append({ type: 'alarm.definitions.export', ...auditActor(p), siteId, outcome: 'ok', details: { definitions: defs.length, edited } });
      return { filename: `alarm-definitions-${siteId}-${at.toISOString().slice(0, 10)}.yaml`, yaml, definitions: defs.length, edited };
    },
  };
}
