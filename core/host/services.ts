/**
 * Opens the core's runtime services on a data folder: the application database (accounts,
 * roles, sessions, audit, reasons, secrets), the command pipeline over the bridges, and the
 * alarm engine with its journal and notifier.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { natureChannel, realScheduler, type Cancel, type Scheduler, type Bridge, type PointId, type SiteConfig } from '../common';
import type { AlarmDefinitionOverrideInfo } from '../common/alarms';
import type { AssetState } from '../common/asset-state';
import { AuditLog, ReasonCatalog, type AuditHeadRecord } from '../audit';
import { ExternalChangeWatcher } from '../audit/external-changes';
import { openAppDb, type AppDb } from '../db';
import { AuthService, FileKeyProvider, SealedRecordFile, SecretStore, UserService, deriveKey, systemPrincipal, type KeyProvider } from '../security';
import { CommandService, MachineLane, ReserveSync, SiteParameterStore, bridgeCommandWriter, isProtectiveCommand, stageOutcome, type AssetModel, type CommandPoint, type CommandWriter, type PointReader } from '../control';
import { AlarmEngine, AlarmNotifier, SqliteAlarmJournal, syncCommAlarm, validateAlarmDefinition } from '../alarms';
import { AlarmDefinitionOverrideStore, mergeDefinitionOverrides } from '../alarms/overrides';
import { procedureActionIssues } from '../alarms/procedure-rights';
import type { CurrentValueTable } from '../cvt/cvt';
import { Historian } from '../historian';
import { ControlRuntime, type PlanSetpointSource } from '../cycle';
import { TrendViewStore, defaultTrendGroups } from '../trends/views';
import { GridSignalFile, ModeService, siteTariffSource } from '../modes';

/** the author of an alarm procedure that comes with the site file (not edited in the application) */
export const SITE_FILE_AUTHOR = 'site file';

/** system alarm raised when the audit log was found cut or altered (never cleared by itself) */
export const AUDIT_TAMPER_ALARM = 'system.audit-tamper';

/** system alarm raised at start when stored definition edits could not be applied */
export const SKIPPED_OVERRIDES_ALARM = 'system.alarm-definition-edits';

/** what each stored edit does to the site file's definitions, for the editor's "source" column */
export function alarmOverrideInfo(s: Pick<Services, 'alarmOverrides' | 'siteAlarmIds'>): AlarmDefinitionOverrideInfo[] {
  return s.alarmOverrides.list().map((o) => {
    const inSiteFile = s.siteAlarmIds.has(o.id);
    return { id: o.id, kind: o.definition === null ? 'deleted' : inSiteFile ? 'changed' : 'added', inSiteFile, updatedAt: o.updatedAt, updatedBy: o.updatedBy };
  });
}

export interface ServicesOptions {
  dataDir: string;
  site: SiteConfig;
  cvt: CurrentValueTable;
  /** device id -> bridge */
  bridges: ReadonlyMap<string, Bridge>;
  /** browser mode: the first administrator needs the one-time code printed at start */
  requireSetupToken: boolean;
  keyProvider?: KeyProvider;
  now?: () => number;
  /** the historian cannot write (cause), or can again (undefined); also raised as a system alarm */
  onHistorianWriteError?: (cause: Error | undefined) => void;
  /** timers of the control cycle and the machine lane; default the real clock */
  scheduler?: Scheduler;
  /** the site's plan service once it runs (the host starts it after the services), for plan following */
  plan?: () => PlanSetpointSource | undefined;
}

/** System alarm raised while the historian cannot write its file (disk full, read-only, I/O). */
export const HISTORIAN_WRITE_ALARM = 'system.historian-write';

export interface Services {
  db: AppDb;
  trendViews: TrendViewStore;
  audit: AuditLog;
  auth: AuthService;
  users: UserService;
  reasons: ReasonCatalog;
  secrets: SecretStore;
  commands: CommandService;
  /** run-time site parameters (contracted power, peak-shaving limit) over the site file's defaults */
  siteParameters: SiteParameterStore;
  alarms: AlarmEngine;
  alarmJournal: SqliteAlarmJournal;
  /** administrator edits of alarm definitions, kept over the site file's */
  alarmOverrides: AlarmDefinitionOverrideStore;
  /** the site file's own definitions (as loaded), to tell site-file from edited ones */
  siteAlarmIds: ReadonlySet<string>;
  /** stored edits not applied at start because they no longer validate (also a system alarm) */
  alarmOverridesSkipped: ReadonlyArray<{ id: string; message: string }>;
  historian: Historian;
  notifier: AlarmNotifier | undefined;
  /** the site model as the command pipeline sees it (alarm procedures are checked against it) */
  commandModel: AssetModel;
  /** operational state of assets (maintenance lockout, out of service), shared by alarms and commands */
  assetModes: Map<string, AssetState>;
  /** the first-start code in browser mode (Host.setupToken shows it only while setup is possible) */
  setupToken: string | undefined;
  /** the control cycle (when the site enables controllers) and the machine lane */
  control: ControlRuntime;
  /** the site's operating mode and its calendar (a site whose cycle lists an operating-mode controller) */
  modes: ModeService | undefined;
  /** external grid signals from a file (a site whose cycle lists a grid-signals controller) */
  signals: GridSignalFile | undefined;
  close(): Promise<void>;
}

export async function openServices(o: ServicesOptions): Promise<Services> {
  // one clock for every timer the services run (control cycle, machine lane, alarm tick, notifier)
  const scheduler = o.scheduler ?? realScheduler;
  const now = o.now ?? (() => scheduler.now());
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const siteId = o.site.site.id;
  const db = openAppDb(join(o.dataDir, 'esm.sqlite'), { now });
  const keys = o.keyProvider ?? new FileKeyProvider(join(o.dataDir, 'keys', 'master.key'));
  const key = await keys.getKey();
  // the audit head is anchored in the database (HMAC) and counted outside it, next to the key
  const auditHead = new SealedRecordFile<AuditHeadRecord>(join(o.dataDir, 'keys', 'audit-head'), deriveKey(key, 'audit-head'), 'esm-audit-head');
  const audit = new AuditLog(db, { now, anchorKey: deriveKey(key, 'audit-anchor'), headStore: auditHead });
  // a one-time code for creating the first administrator; once anyone exists setup is refused
  // anyway, and Host.setupToken only shows the code while setup is still possible
  const setupToken = o.requireSetupToken ? randomBytes(6).toString('hex') : undefined;
  const auth = new AuthService(db, { audit, now, ...(setupToken ? { setupToken } : {}) });
  const users = new UserService(db, auth, audit);
  const reasons = new ReasonCatalog(db, now);
  const secrets = new SecretStore(db, keys, now);
  const assetModes = new Map<string, AssetState>();

  const assets = new Map(o.site.assets.map((a) => [a.id, a]));
  // the batteries' SoC reserve is a run-time parameter too (one value for all while overridden)
  const essAssets = o.site.assets.filter((a) => a.nature === 'Ess');
  const socMinDefault = essAssets.find((a) => a.limits?.socMinPct !== undefined)?.limits?.socMinPct;
  const siteParameters = new SiteParameterStore(
    db,
    new Map([[siteId, { contractedPowerKw: o.site.site.pcc.contractedPowerKw, ...(socMinDefault !== undefined ? { socMinPct: socMinDefault } : {}) }]]),
    now,
  );
  /** the SoC reserve changed from the screens (undefined: each battery keeps its own limits.socMinPct) */
  const socMinOverride = (): number | undefined => siteParameters.views(siteId)?.find((v) => v.id === 'socMinPct')?.override?.value;
  /** a battery's SoC reserve in force */
  const socMinOf = (assetId: string): number | undefined => socMinOverride() ?? assets.get(assetId)?.limits?.socMinPct;
  const model: AssetModel = {
    asset: (s, id) => {
      const a = s === siteId ? assets.get(id) : undefined;
      if (!a) return undefined;
      return {
        id: a.id,
        nature: a.nature,
        state: assetModes.get(a.id) ?? 'in-service',
        // the SoC reserve in force (changed from the screens, or the site file's)
        ...(a.limits ? { limits: a.nature === 'Ess' && socMinOverride() !== undefined ? { ...a.limits, socMinPct: socMinOverride() } : a.limits } : {}),
        ...(a.rating ? { rating: a.rating } : {}),
      };
    },
    point: (s, id) => {
      const m = s === siteId ? o.cvt.meta(id) : undefined;
      if (!m) return undefined;
      const p: CommandPoint = { ...m };
      // operating-mode changes are critical: select-before-operate (the nature says which channel is a mode)
      const nature = assets.get(m.assetId)?.nature;
      if (nature && natureChannel(nature, m.channel)?.role === 'mode') p.selectBeforeOperate = true;
      return p;
    },
    // the contracted power in force: the site file's, or the one changed from the screens
    pcc: (s) => (s === siteId ? { meter: o.site.site.pcc.meter, contractedPowerKw: siteParameters.effective(s)?.contractedPowerKw ?? o.site.site.pcc.contractedPowerKw } : undefined),
  };
  const reader: PointReader = {
    get: (s, id) => {
      const st = s === siteId ? o.cvt.get(id) : undefined;
      return st ? { value: st.value, quality: st.quality, ts: st.ts } : undefined;
    },
  };
  // the one path to the field: the bridge serving the point's device (readback from the CVT
  // for a protocol that cannot read on demand)
  const fieldWriter: CommandWriter = bridgeCommandWriter(
    (s, id) => {
      const deviceId = s === siteId ? o.cvt.meta(id)?.deviceId : undefined;
      return deviceId ? o.bridges.get(deviceId) : undefined;
    },
    (s, id) => (s === siteId ? o.cvt.get(id) : undefined),
    now,
  );
  // a writable point changed by anyone but this pipeline is audited (and alarmed where the site
  // file asks): the pipeline tells the watcher what it writes
  const alarmOnChange = new Set(o.site.assets.flatMap((a) => Object.entries(a.points ?? {}).filter(([, l]) => l.alarmOnExternalChange).map(([ch]) => `${a.id}/${ch}`)));
  let raiseExternal: (id: string, message: string, text: string) => void = () => undefined;
  let clearExternal: (id: string, text: string) => void = () => undefined;
  const externalChanges = new ExternalChangeWatcher({
    audit,
    siteId,
    points: o.cvt
      .metas()
      .filter((m) => m.access === 'rw' && (m.type === 'number' || m.type === 'boolean'))
      .map((m) => ({ id: m.id, unit: m.unit, alarm: alarmOnChange.has(m.id), ...(m.deviceId ? { source: m.deviceId } : {}) })),
    raiseAlarm: (id, message, text) => raiseExternal(id, message, text),
    clearAlarm: (id, text) => clearExternal(id, text),
  });
  const writer: CommandWriter = {
    ...fieldWriter,
    write: async (s, id, value) => {
      if (s === siteId) externalChanges.noteWrite(id, value);
      try {
        // the device's own stages (IEC 61850) go back to the pipeline
        return await fieldWriter.write(s, id, value);
      } catch (e) {
        if (s === siteId) externalChanges.writeFailed(id, value);
        throw e;
      }
    },
  };
  const offExternal = o.cvt.subscribeRaw((states) => externalChanges.observe(states));
  // controllers and the optimiser write through the machine lane: the same limits, clamped;
  // audited on a change of source or limit; a person's command holds the point (core/control/machine.ts)
  const lane = new MachineLane({
    siteId,
    model,
    reader,
    writer,
    audit,
    scheduler,
    principal: systemPrincipal({ id: 'control-cycle', displayName: 'Control cycle', capabilities: ['site.view', 'control.setpoint'], sites: [siteId] }),
    keepaliveMs: o.site.control?.keepaliveMs ?? 10_000,
  });
  const holdMs = o.site.control?.operatorHoldMs ?? 900_000;
  // each battery's own peak shaving follows the site's peak-shaving limit
  const peakShavingTargets = (s: string): PointId[] =>
    s !== siteId ? [] : o.site.assets.filter((a) => a.nature === 'Ess' && o.cvt.meta(`${a.id}/PeakShavingLimit`)?.access === 'rw').map((a) => `${a.id}/PeakShavingLimit`);
  const socMaxLowest = (): number | undefined => {
    const maxes = essAssets.map((a) => a.limits?.socMaxPct).filter((x): x is number => x !== undefined);
    return maxes.length > 0 ? Math.min(...maxes) : undefined;
  };
  const commands = new CommandService({
    model,
    reader,
    writer,
    audit,
    reasons,
    now,
    parameters: { store: siteParameters, deviceTargets: peakShavingTargets, socMaxPct: (s) => (s === siteId ? socMaxLowest() : undefined) },
    onPersonWrite: (_s, target, p) => lane.hold(target, scheduler.now() + holdMs, p.username),
  });

  // the site's SoC reserve is written to each battery's own reserve (MinSoc) when it comes online,
  // as a system command (limits, audit, read-back): the window holds in the device's own modes
  const reservePrincipal = systemPrincipal({ id: 'site-reserve', displayName: 'Site SoC reserve', capabilities: ['site.view', 'control.setpoint'], sites: [siteId] });
  const reserveAssets = essAssets.filter((a) => a.limits?.socMinPct !== undefined && o.cvt.meta(`${a.id}/MinSoc`)?.access === 'rw');
  const reserve = new ReserveSync({
    targets: reserveAssets.map((a) => ({ point: `${a.id}/MinSoc`, reservePct: socMinOf(a.id) ?? 0 })),
    write: (point, value) =>
      commands.execute(reservePrincipal, { siteId, target: point, value, comment: socMinOverride() !== undefined ? "the site's SoC reserve (changed from the screens)" : "the site's SoC reserve (limits.socMinPct)" }),
  });
  const offReserve = o.cvt.subscribeRaw((states) => reserve.observe(states));
  // the reserve changed from the screens (site.parameters.set, audited there) reaches every battery
  // through the same system command (limits, audit, read-back)
  siteParameters.onChange((s) => {
    if (s !== siteId) return;
    for (const a of reserveAssets) {
      const v = socMinOf(a.id);
      if (v !== undefined && v !== reserve.target(`${a.id}/MinSoc`)) reserve.setReserve(`${a.id}/MinSoc`, v);
    }
  });

  // the peak-shaving limit in force (an override stored in the app database, or the contract) is
  // pushed to each battery's own peak shaving when it comes online: at start-up and after every
  // reconnect, as a system command (limits, audit, read-back). Changes from the screens are
  // written by site.parameters.set itself.
  const psPrincipal = systemPrincipal({ id: 'site-parameters', displayName: 'Site parameters', capabilities: ['site.view', 'control.setpoint'], sites: [siteId] });
  const peakShaving = new ReserveSync({
    what: "the site's peak-shaving limit",
    unit: 'kW',
    targets: peakShavingTargets(siteId).map((point) => ({ point, reservePct: siteParameters.effective(siteId)?.peakShavingLimitKw ?? o.site.site.pcc.contractedPowerKw })),
    write: (point, value) => commands.execute(psPrincipal, { siteId, target: point, value, comment: "the site's peak-shaving limit in force (pushed when the device comes online)" }),
  });
  const offPeakShaving = o.cvt.subscribeRaw((states) => peakShaving.observe(states));
  siteParameters.onChange((s, values) => {
    if (s === siteId) for (const point of peakShavingTargets(siteId)) peakShaving.expect(point, values.peakShavingLimitKw);
  });

  // automatic alarm procedures go through the same pipeline, as a system principal
  const alarmsPrincipal = systemPrincipal({ id: 'alarms', displayName: 'Alarm procedures', capabilities: ['site.view', 'control.setpoint', 'control.operate'], sites: [siteId] });
  const alarmJournal = new SqliteAlarmJournal({ path: join(o.dataDir, 'alarms.sqlite') });
  // the site file's definitions with the administrator's edits applied over them; an edit that
  // no longer validates (the point left the site file) is skipped and reported, never fatal
  const pointExists = (id: string): boolean => o.cvt.meta(id) !== undefined;
  const alarmOverrides = new AlarmDefinitionOverrideStore(db, now);
  const siteDefs = o.site.alarms?.definitions ?? [];
  const merged = mergeDefinitionOverrides(siteDefs, alarmOverrides.list(), (d) => validateAlarmDefinition(d, pointExists));
  const skipped = merged.skipped.map((x) => ({ id: x.id, message: x.issues.map((i) => `${i.path}: ${i.message}`).join('; ') }));
  for (const x of skipped) console.warn(`alarms: the stored edit of alarm definition "${x.id}" is not applied: ${x.message}`);
  const alarms = new AlarmEngine({
    journal: alarmJournal,
    config: { ...(o.site.alarms ?? {}), definitions: merged.definitions },
    now,
    scheduler,
    assets: o.site.assets,
    readPoints: (ids) =>
      ids.flatMap((id) => {
        const st = o.cvt.get(id);
        return st ? [{ id, value: st.value, quality: st.quality, ts: st.ts }] : [];
      }),
    pointExists,
    executor: {
      execute: async (cmd) => {
        // the author as they are now: a procedure runs only with rights its author still holds
        // (the site file's own procedures were deployed by whoever installed the file); never a
        // critical command unless protective
        const author = alarmOverrides.list().find((x) => x.id === cmd.alarmId)?.updatedBy ?? SITE_FILE_AUTHOR;
        const principal = { ...alarmsPrincipal, procedure: { alarmId: cmd.alarmId, author } };
        const protective = isProtectiveCommand(model, siteId, cmd.target, cmd.value);
        {
          const who = author === SITE_FILE_AUTHOR ? alarmsPrincipal : auth.principalOf(author);
          const action = { target: cmd.target, value: cmd.value };
          const issues = who
            ? procedureActionIssues(who, siteId, [action], model)
            : [{ rule: 'procedure.author-unknown', message: `the author "${author}" of alarm ${cmd.alarmId} no longer exists` }];
          const first = issues[0];
          if (first) {
            audit.append({
              type: 'command.refused',
              actor: alarmsPrincipal.username,
              workstation: alarmsPrincipal.workstation,
              siteId,
              assetId: cmd.target.split('/')[0] ?? null,
              target: cmd.target,
              outcome: 'refused',
              rule: first.rule,
              after: { value: cmd.value },
              details: { stage: 'permission', message: first.message, procedure: { alarmId: cmd.alarmId, author } },
            });
            return { ok: false, outcome: 'refused' as const, rule: first.rule, protective, message: first.message };
          }
        }
        const r = await commands.execute(principal, { siteId, target: cmd.target, value: cmd.value, comment: `alarm ${cmd.alarmId}: ${cmd.reason}` });
        return r.ok
          ? { ok: true, outcome: 'done' as const, protective, message: `${cmd.target} is ${String(r.readback)}, read back from the device` }
          : { ok: false, outcome: stageOutcome(r.stage), rule: r.rule, protective, message: r.message };
      },
    },
  });
  raiseExternal = (id, message, text) => alarms.raiseSystemAlarm(id, { message, priority: 'medium', class: 'security', text });
  clearExternal = (id, text) => alarms.clearSystemAlarm(id, { text });
  // a cut or altered audit log (found at start-up, before an append or by verify) is an alarm
  const auditTampered = (message: string): void =>
    alarms.raiseSystemAlarm(AUDIT_TAMPER_ALARM, { message: 'The audit log was cut or altered', priority: 'high', class: 'security', text: message });
  const tamper = audit.tamperState();
  if (tamper) auditTampered(tamper.message);
  const offTamper = audit.onTamper(auditTampered);
  // limit alarms that follow the contracted power (setpoint: { ref: contractedPowerKw }) or a
  // battery's SoC reserve ({ ref: socMinPct }) move with the run-time value (changed through the
  // command pipeline), at start and on each change
  const followParameters = (kw: number | undefined): void => {
    for (const d of alarms.definitions()) {
      if (d.type !== 'limit') continue;
      const want = d.setpointRef === 'contractedPowerKw' ? kw : d.setpointRef === 'socMinPct' ? socMinOf(d.asset ?? d.point.split('/')[0] ?? '') : undefined;
      if (want === undefined || d.setpoint === want) continue;
      try {
        alarms.upsertDefinition({ ...d, setpoint: want }, { user: 'system:site-parameters' });
      } catch (e) {
        console.error(`alarms: ${d.id} cannot follow the site parameter ${d.setpointRef}: ${(e as Error).message}`);
      }
    }
  };
  followParameters(siteParameters.effective(siteId)?.contractedPowerKw);
  siteParameters.onChange((s, values) => s === siteId && followParameters(values.contractedPowerKw));
  if (skipped.length > 0)
    alarms.raiseSystemAlarm(SKIPPED_OVERRIDES_ALARM, {
      message: `${skipped.length} edited alarm definition${skipped.length === 1 ? '' : 's'} not applied (no longer valid for this site)`,
      priority: 'medium',
      class: 'system',
      text: skipped.map((x) => `${x.id}: ${x.message}`).join('\n'),
    });
  const notifications = o.site.alarms?.notifications;
  let notifier: AlarmNotifier | undefined;
  let notifierTimer: Cancel | undefined;
  if (notifications?.enabled && notifications.smtp) {
    const secretId = notifications.smtp.passwordSecret;
    const password = secretId ? await secrets.get(secretId) : undefined;
    notifier = new AlarmNotifier({ config: notifications, siteName: o.site.site.name, now, ...(password ? { password } : {}) });
    notifier.attach(alarms);
    notifierTimer = scheduler.setInterval(() => void notifier?.tick(), 1000);
  }
  const natures = new Map(o.site.assets.map((a) => [a.id, a.nature as string]));
  const historian = new Historian(join(o.dataDir, 'historian'), {
    ...(o.site.historian ? { config: o.site.historian } : {}),
    natureOf: (assetId) => natures.get(assetId),
    now,
    scheduler,
    // a failing disk never stops the core: recording pauses (bounded buffer) and an alarm says why
    onWriteError: (cause) => {
      o.onHistorianWriteError?.(cause);
      try {
        if (cause)
          alarms.raiseSystemAlarm(HISTORIAN_WRITE_ALARM, {
            message: 'The historian cannot write: trends are not being recorded',
            priority: 'high',
            class: 'system',
            text: `${cause.name}: ${cause.message}`,
          });
        else alarms.clearSystemAlarm(HISTORIAN_WRITE_ALARM, { text: 'the historian writes again' });
      } catch (e) {
        console.error('historian: the write alarm could not be raised:', e);
      }
    },
  });
  await historian.open();

  // comm failures raise system alarms (com.01 Req3)
  const offStatus = [...o.bridges.values()].map((b) => b.onStatus((s) => syncCommAlarm(alarms, s)));

  // operating modes, the tariff and external grid signals for the cycle's controllers
  const cycleOn = o.site.control?.enabled === true;
  const modeCfg = cycleOn ? o.site.control?.controllers.find((c) => c.type === 'operating-mode') : undefined;
  const modes = modeCfg?.type === 'operating-mode' ? new ModeService(db, siteId, o.site.site.timezone, modeCfg, now) : undefined;
  const gsCfg = cycleOn ? o.site.control?.controllers.find((c) => c.type === 'grid-signals') : undefined;
  const signals =
    gsCfg?.type === 'grid-signals'
      ? new GridSignalFile({ file: resolve(o.dataDir, gsCfg.file ?? join('signals', 'grid.yaml')), scheduler, alarms, ...(gsCfg.points ? { points: gsCfg.points, read: (id: string) => o.cvt.get(id) } : {}) })
      : undefined;
  signals?.start();
  // a mapped channel the site does not have gives no signal: say so once, in words
  const missing = gsCfg?.type === 'grid-signals' ? (['setpointKw', 'importMaxKw', 'exportMaxKw'] as const).flatMap((k) => (gsCfg.points?.[k] !== undefined && o.cvt.meta(gsCfg.points[k]) === undefined ? [`${k}: ${gsCfg.points[k]}`] : [])) : [];
  if (missing.length > 0)
    alarms.raiseSystemAlarm('signals.invalid', { message: 'A grid-signal channel of the site file is not a point of this site: it gives no signal', priority: 'medium', class: 'energy', text: missing.map((m) => `control grid-signals points ${m} is not a point of any device`).join('\n') });
  const tariff = siteTariffSource(o.site.energy?.grid.importTariff, o.site.site.timezone);

  // the control cycle runs only when the site enables it (started by the host after the bridges)
  const control = new ControlRuntime({
    site: o.site,
    source: o.cvt,
    scheduler,
    lane,
    states: (id) => assetModes.get(id) ?? 'in-service',
    // the SoC reserve only when changed from the screens: otherwise each battery keeps its own
    parameters: () => {
      const e = siteParameters.effective(siteId);
      if (!e) return undefined;
      const ov = socMinOverride();
      return { contractedPowerKw: e.contractedPowerKw, peakShavingLimitKw: e.peakShavingLimitKw, ...(ov !== undefined ? { socMinPct: ov } : {}) };
    },
    ...(o.plan ? { plan: o.plan } : {}),
    modes: () => modes,
    tariff: () => tariff,
    signals: () => signals,
    onControllerError: (id, message) =>
      alarms.raiseSystemAlarm(`control.${id}`, { message: `Controller "${id}" failed: its requests are ignored`, priority: 'high', class: 'system', text: message }),
  });

  // saved trend views (per user, shared) and the site's default groups
  const trendViews = new TrendViewStore(
    db,
    siteId,
    () => defaultTrendGroups(o.site, pointExists, siteParameters.effective(siteId)?.contractedPowerKw ?? o.site.site.pcc.contractedPowerKw),
    pointExists,
    now,
  );

  return {
    db,
    audit,
    trendViews,
    auth,
    users,
    reasons,
    secrets,
    commands,
    siteParameters,
    alarms,
    alarmJournal,
    alarmOverrides,
    siteAlarmIds: new Set(siteDefs.map((d) => d.id)),
    alarmOverridesSkipped: skipped,
    historian,
    notifier,
    commandModel: model,
    assetModes,
    setupToken,
    control,
    modes,
    signals,
    async close() {
      signals?.stop();
      await control.stop();
      for (const off of offStatus) off();
      offTamper();
      offExternal();
      offReserve();
      offPeakShaving();
      notifierTimer?.();
      alarms.stop();
      await notifier?.close();
      alarmJournal.close();
      await historian.close();
      audit.flushHead();
      db.close();
    },
  };
}
