/**
 * Demo history (issue #14 item 6): on the first start of a simulated site whose file asks for it
 * (`simulation.historyDays`), the historian is filled with that many days of history before the
 * core opens it, so the trends, plan against actual, the KPI dashboard and the monthly report
 * have something to show on a fresh install.
 *
 * The history is the plant model (drivers/sim/model) run on a virtual clock with the site's own
 * controllers in the loop (control cycle → machine lane → plant), in a worker thread (never on
 * the core's event loop), written through the historian (its policies, chunks and rollups), and
 * marked as simulated twice: the point `site/SimulatedHistory` is 1 over the whole history (the
 * KPI engine marks those days), and `<data>/demo-history.json` says which span is simulated (the
 * screens show a notice over it). It runs only when the historian file does not exist yet, so a
 * site that has recorded anything never gets invented data, and only for a site served by the
 * simulator.
 *
 * Bounded: fixed work (one control step per `stepS` simulated seconds, one recorded sample per
 * point per `recordS`), and a wall-time cap after which the worker stops where it is and keeps
 * what it wrote (reported as `truncated`).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker, isMainThread } from 'node:worker_threads';
import { VirtualScheduler, type AuditEntryInput, type ControllerConfig, type PointMeta, type PointSample } from '../core/common';
import type { SiteConfig } from '../core/common/site';
import type { SimulatedHistoryView } from '../core/common/api/contract';
import { CurrentValueTable } from '../core/cvt/cvt';
import { ControlCycle, controllersFromConfig } from '../core/cycle';
import { MachineLane, type AssetModel, type CommandWriter, type PointReader } from '../core/control';
import { Historian, type Sample } from '../core/historian';
import { DEMO_HISTORY_FILE, SIMULATED_POINT } from '../core/kpi/spec';
import { systemPrincipal } from '../core/security/principal';
import type { OperatingMode } from '../core/common/modes';
import { siteTariffSource } from '../core/modes/tariff';
import { Plant } from '../drivers/sim/model/plant';
import { plantConfigFromSite } from '../drivers/sim/serve/mapping';


export interface DemoHistoryOptions {
  site: SiteConfig;
  /** every point of the site (the loaded site's metas) */
  points: readonly PointMeta[];
  dataDir: string;
  days: number;
  /** the history ends here (the start of the live data), ms */
  end: number;
  /** the plant's seed (noise, EV sessions); default 11 */
  seed?: number;
  /** one control step every this many simulated seconds; default 10 */
  stepS?: number;
  /** one recorded sample per point every this many simulated seconds; default 60 */
  recordS?: number;
  /** wall-time cap, ms; default 120 s */
  maxWallMs?: number;
}

export interface DemoHistoryResult {
  from: number;
  to: number;
  /** samples offered to the historian */
  samples: number;
  steps: number;
  /** setpoints the control cycle wrote into the plant */
  writes: number;
  cpuMs: number;
  wallMs: number;
  /** the wall-time cap stopped it before `end` (`to` says where) */
  truncated: boolean;
}

/** The first start of a site that asks for demo history: a simulator serves it and no historian file exists yet. */
export function needsDemoHistory(site: SiteConfig, dataDir: string, simulated: boolean): boolean {
  const days = site.simulation?.historyDays ?? 0;
  return simulated && site.simulation?.enabled === true && days > 0 && !existsSync(join(dataDir, 'historian', 'historian.db'));
}

/**
 * The controllers of the history: the site's own, with the operating mode held in tariff
 * management (charge in the cheapest period, discharge in the dearest, under the peak-shaving
 * bound; self-consumption on a site without a tariff). No plan service, market prices or grid
 * signals run here: plan following and TSO setpoints would have nothing to follow.
 */
function historyControllers(site: SiteConfig): ControllerConfig[] {
  const list = site.control?.controllers ?? [];
  const ess = site.assets.find((a) => a.nature === 'Ess');
  if (list.length) return list.filter((c) => c.type !== 'plan-following' && c.type !== 'grid-signals');
  return ess ? [{ type: 'soc-protection', ess: ess.id }, { type: 'peak-shaving', ess: ess.id }] as ControllerConfig[] : [];
}

/** The history itself (synchronous work on a virtual clock; the worker runs it). */
export async function runDemoHistory(o: DemoHistoryOptions): Promise<DemoHistoryResult> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const site = o.site;
  const stepS = o.stepS ?? 60;
  const recordS = o.recordS ?? 60;
  const maxWall = o.maxWallMs ?? 120_000;
  // whole control steps, ending exactly at `end`
  const steps = Math.floor((o.days * 86_400) / stepS);
  const from = o.end - steps * stepS * 1000;
  const clock = new VirtualScheduler(from);
  const plant = new Plant({ ...plantConfigFromSite(site, o.seed ?? 11).config, maxStepS: stepS }, from);
  const natures = new Map(site.assets.map((a) => [a.id, a.nature as string]));
  mkdirSync(join(o.dataDir, 'historian'), { recursive: true, mode: 0o700 });
  const historian = new Historian(join(o.dataDir, 'historian'), {
    ...(site.historian ? { config: site.historian } : {}),
    natureOf: (id) => natures.get(id),
    // its own timers never fire (no backup, no retention run inside the history); it flushes
    // when its buffer fills (fewer, larger transactions than the live core's) and at the end
    scheduler: new VirtualScheduler(from),
    maxBuffered: 500_000,
    now: () => clock.now(),
  });
  await historian.open();

  // the control cycle sees the plant through a CVT of the points it reads, as in the host
  const metas = o.points.filter((m) => m.assetId && m.channel);
  const ctl = historyControllers(site);
  const cycleAssets = new Set<string>([site.site.pcc.meter, ...ctl.map((c) => (c as { ess?: string }).ess ?? '')]);
  const cycleMetas = metas.filter((m) => cycleAssets.has(m.assetId));
  const cvt = new CurrentValueTable(cycleMetas, { scheduler: clock, defaultStaleMs: 3 * stepS * 1000, flushMs: 3_600_000, staleCheckMs: 3_600_000 });
  cvt.start();
  const GOOD = { level: 'good' as const };
  const values = (list = metas): Array<{ id: string; value: number }> => {
    const v = plant.values();
    const out: Array<{ id: string; value: number }> = [];
    for (const m of list) {
      const x = v[m.assetId]?.[m.channel];
      if (typeof x === 'number' && Number.isFinite(x)) out.push({ id: m.id, value: x });
    }
    return out;
  };
  const publish = (): void => {
    const ts = clock.now();
    cvt.publish(values(cycleMetas).map((x): PointSample => ({ id: x.id, value: x.value, quality: GOOD, ts })));
  };
  let samples = 0;
  const record = (): void => {
    const ts = clock.now();
    const batch: Sample[] = values().map((x) => ({ id: x.id, value: x.value, quality: GOOD, ts }));
    batch.push({ id: SIMULATED_POINT, value: 1, quality: GOOD, ts });
    samples += batch.length;
    historian.record(batch);
  };

  const assets = new Map(site.assets.map((a) => [a.id, a]));
  const model: AssetModel = {
    asset: (_s, id) => {
      const a = assets.get(id);
      return a ? { id: a.id, nature: a.nature, state: 'in-service', ...(a.limits ? { limits: a.limits } : {}), ...(a.rating ? { rating: a.rating } : {}) } : undefined;
    },
    point: (_s, id) => cvt.meta(id),
    pcc: () => site.site.pcc,
  };
  const reader: PointReader = { get: (_s, id) => cvt.get(id) };
  let writes = 0;
  const writer: CommandWriter = {
    write: async (_s, id, value) => {
      const [assetId = '', channel = ''] = id.split('/');
      plant.write(assetId, channel, Number(value));
      writes++;
    },
    read: async (_s, id) => cvt.get(id)?.value ?? null,
  };
  const audits: AuditEntryInput[] = [];
  const lane = new MachineLane({
    siteId: site.site.id,
    model,
    reader,
    writer,
    // the history's writes are not operator actions: they are not audited (nothing reached a device)
    audit: { append: (e) => void (audits.length < 1 && audits.push(e)) },
    principal: systemPrincipal({ id: 'demo-history', capabilities: ['site.view', 'control.setpoint'], sites: [site.site.id] }),
    scheduler: clock,
  });
  const tariff = siteTariffSource(site.energy?.grid.importTariff, site.site.timezone);
  const mode: OperatingMode = tariff ? 'tariff' : 'self-consumption';
  const cycle = new ControlCycle({
    site,
    scheduler: clock,
    source: cvt,
    sink: lane,
    periodMs: stepS * 1000,
    controllers: controllersFromConfig(ctl, { modes: () => ({ active: () => ({ mode, why: 'demo history' }) }), tariff: () => tariff }),
  });

  publish();
  record();
  let truncated = false;
  const perRecord = Math.max(1, Math.round(recordS / stepS));
  let k = 0;
  for (; k < steps; k++) {
    plant.step(stepS);
    clock.advance(stepS * 1000);
    publish();
    cycle.runOnce();
    if (lane.busy) await lane.idle();
    if ((k + 1) % perRecord === 0) record();
    if ((k & 1023) === 1023 && performance.now() - wall0 > maxWall) {
      truncated = true;
      k++;
      break;
    }
  }
  cvt.stop();
  historian.flush();
  await historian.close();
  const cpu = process.cpuUsage(cpu0);
  return { from, to: from + k * stepS * 1000, samples, steps: k, writes, cpuMs: Math.round((cpu.user + cpu.system) / 1000), wallMs: Math.round(performance.now() - wall0), truncated };
}

function spawn(data: unknown): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `demo-history-worker${ext}`);
  // development / tests: the TypeScript worker through tsx
  if (ext === '.ts') return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: data });
  return new Worker(file, { workerData: data });
}

/**
 * Generates the history in a worker thread and writes `<data>/demo-history.json`. Call it
 * before the host opens the historian (the file is the historian's until then).
 */
export async function generateDemoHistory(o: DemoHistoryOptions): Promise<DemoHistoryResult> {
  // the files the worker creates are the owner's only, as the host makes everything else
  if (isMainThread) process.umask(0o077);
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const w = spawn(o);
  let r: DemoHistoryResult;
  try {
    r = await new Promise<DemoHistoryResult>((resolve, reject) => {
      w.once('message', (m: { ok: true; result: DemoHistoryResult } | { ok: false; error: string }) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
      w.once('error', (e) => reject(e));
      w.once('exit', (code) => reject(new Error(`its worker stopped (exit ${code}) before it finished`)));
    });
  } catch (e) {
    // nothing half-made stays behind unmarked: the folder did not exist before (needsDemoHistory)
    await w.terminate();
    rmSync(join(o.dataDir, 'historian'), { recursive: true, force: true });
    throw e;
  }
  await w.terminate();
  const view: SimulatedHistoryView = { from: r.from, to: r.to, days: o.days, generatedAt: Date.now(), truncated: r.truncated };
  writeFileSync(join(o.dataDir, DEMO_HISTORY_FILE), JSON.stringify(view, null, 2), { mode: 0o600 });
  return r;
}
